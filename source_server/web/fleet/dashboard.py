"""The province dashboard (``/ui/``): connected counts per commune, worst first, live over the websocket.

The page is rendered whole on the server from one GROUP BY (fast first paint with any fleet size); the
script then keeps the counts current from the presence websocket and draws the offline map from
``/api/v1/presence/map`` (communes as points; one commune's devices when the user picks it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from source_server.accounts.service import READ_ROLES
from source_server.fleet import presence_queries as queries
from source_server.fleet.kinds import KINDS, KindName
from source_server.fleet.presence_api import broker_up
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)

STATUSES = ("online", "stale", "reconnecting", "offline", "never_seen", "unverified")
# Strings the script needs, in the page's language.
SCRIPT_STRINGS = (
    "dash.live.on",
    "dash.live.off",
    "dash.map.province",
    "dash.map.devices_of",
    "dash.map.online_of",
    "dash.map.empty",
    "dash.map.back",
    "status.online",
    "status.stale",
    "status.reconnecting",
    "status.offline",
    "status.never_seen",
    "status.unverified",
    "broker.down",
)


def connected_ratio(row: dict[str, Any]) -> float:
    """Online share of an area's devices (an empty area counts as fully connected)."""
    return row["online"] / row["total"] if row["total"] else 1.0


def order_communes(rows: list[dict[str, Any]], status: str | None) -> list[dict[str, Any]]:
    """Worst first: by the chosen status count (largest first), else by connected share (smallest first)."""
    if status:
        picked = [r for r in rows if r.get(status, 0) > 0]
        return sorted(picked, key=lambda r: (-r[status], r["area_name"] or r["area_code"]))
    return sorted(rows, key=lambda r: (connected_ratio(r), r["area_name"] or r["area_code"]))


def _scope_title(user: WebContext, communes: list[dict[str, Any]], province: str) -> str:
    """'Province overview' for a province grant, else the commune name(s)."""
    if province in user.principal.areas_for(READ_ROLES):
        return t("dash.title.province", user.lang)
    names = ", ".join(r["area_name"] or r["area_code"] for r in communes)
    return f"{t('dash.title.commune', user.lang)}: {names}" if names else t("dash.title.province", user.lang)


@router.get("/ui/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: WebUser,
    kind: KindName | Literal[""] = "",
    vendor: Annotated[str, Query(max_length=64)] = "",
    status: Literal["online", "stale", "reconnecting", "offline", "never_seen", "unverified", ""] = "",
) -> HTMLResponse:
    """Counts for speakers and boards, the communes worst first, the map; all filtered and live."""
    areas = user.principal.areas_for(READ_ROLES)
    up = broker_up(request)
    with request.app.state.runtime.sessions() as db:
        data = queries.summary(db, areas=areas, level="commune", kind=kind or None, vendor=vendor or None, broker_up=up)
        vendor_list = queries.vendors(db, areas=areas)
    communes = order_communes(data["areas"], status or None)
    by_kind: dict[str, dict[str, int]] = {k: dict.fromkeys((*STATUSES, "total"), 0) for k in KINDS}
    for row in data["areas"]:
        for k, counts in row["by_kind"].items():
            for key, n in counts.items():
                by_kind.setdefault(k, dict.fromkeys((*STATUSES, "total"), 0))[key] += n
    return render(
        request,
        "dashboard.html",
        {
            "title": _scope_title(user, data["areas"], request.app.state.runtime.settings.province_code),
            "communes": communes,
            "totals": data["totals"],
            "by_kind": by_kind,
            "kinds": [kind] if kind else list(KINDS),
            "all_kinds": KINDS,
            "statuses": STATUSES,
            "vendors": vendor_list,
            "filters": {"kind": kind, "vendor": vendor, "status": status},
            "script_strings": {key: t(key, user.lang) for key in SCRIPT_STRINGS},
            "ratio": connected_ratio,
        },
        user=user,
    )
