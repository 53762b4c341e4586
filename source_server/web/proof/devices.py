"""The devices behind a proof-of-play count: every count of /ui/bulletins/{id}/proof links here.

One row per device and play of the bulletin, with the state the proof counts it in, the times the device
reported and the reason it gave; filtered by commune, state and play, 50 a page, and as CSV for reports. A
commune user sees only their communes' devices (a province grant sees all), as on the proof page; a bulletin
outside their areas is not found.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from source_server.accounts.service import READ_ROLES
from source_server.bulletins import service
from source_server.bulletins.exceptions import BulletinNotFound, InvalidBulletin
from source_server.bulletins.models import Bulletin
from source_server.bulletins.proof import (
    PAGE_SIZE,
    CommandProof,
    DeviceProof,
    DeviceProofPage,
    proof_device_rows,
    proof_devices,
    proof_scope,
)
from source_server.dispatch.schemas import DELIVERY_STATES
from source_server.web.fleet import device_view as view
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.pager import Pager
from source_server.web.kit.templating import localtime, render

router = APIRouter(include_in_schema=False)
MAX_PAGE = 100_000
CODE_MAX = 64
TIMES = ("received_at", "downloaded_at", "started_at", "finished_at")


@dataclass
class Filters:
    """The list's filters after checking: a bad value is dropped with a message."""

    commune: str = ""
    state: str = ""
    command: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list)

    def query(self, **changes: Any) -> str:
        """The URL query of these filters (empty ones left out), with ``changes`` applied."""
        params: dict[str, Any] = {k: getattr(self, k) for k in ("commune", "state", "command") if getattr(self, k)}
        params.update(changes)
        params = {k: v for k, v in params.items() if v and not (k == "page" and v == 1)}
        return urlencode(params)


def _filters(raw: dict[str, str], scope: set[str] | None, lang: str) -> Filters:
    """Check what can be checked without the bulletin's plays (the play is checked by the service)."""
    f, errors = Filters(), []
    commune, state, command = (raw[k].strip()[:CODE_MAX] for k in ("commune", "state", "command"))
    if commune and scope is not None and commune not in scope:
        errors.append(t("proof.list.error.commune", lang))
    else:
        f.commune = commune
    if state and state not in DELIVERY_STATES:
        errors.append(t("proof.list.error.state", lang))
    else:
        f.state = state
    f.command = command
    page = raw["page"].strip() or "1"
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        errors.append(t("proof.list.error.page", lang))
    else:
        f.page = int(page)
    f.errors = errors
    return f


def _bulletin(request: Request, user: WebContext, bulletin_id: int) -> Bulletin | None:
    with request.app.state.runtime.sessions() as db:
        try:
            bulletin = service.get(db, principal=user.principal, bulletin_id=bulletin_id)
        except BulletinNotFound:
            return None
        db.expunge(bulletin)
    return bulletin


def _scope(request: Request, user: WebContext) -> set[str] | None:
    return proof_scope(user.principal.areas_for(READ_ROLES), request.app.state.runtime.settings.province_code)


def _where(play: CommandProof, names: dict[str, str], lang: str) -> str:
    """Where a play went, in words: the area's name, the group, or how many devices."""
    target = play.target
    area = target.get("area")
    if isinstance(area, list) and area:
        return names.get(str(area[-1]), str(area[-1]))
    if target.get("group"):
        return str(target["group"])
    devices = target.get("devices")
    return f"{len(devices) if isinstance(devices, list) else 0} {t('proof.devices', lang)}"


def _area_codes(result: DeviceProofPage) -> list[str]:
    """The areas whose names the list shows: the communes reached and where each play went."""
    areas = [p.target.get("area") for p in result.plays]
    return [
        *result.communes,
        *(d.commune_code for d in result.items),
        *(str(a[-1]) for a in areas if isinstance(a, list) and a),
    ]


def _play_label(play: CommandProof, names: dict[str, str], lang: str) -> str:
    return f"{localtime(play.start_at or play.issued_at)} — {_where(play, names, lang)}"


@router.get("/ui/bulletins/{bulletin_id:int}/proof/devices", response_class=HTMLResponse)
def proof_device_list(
    request: Request,
    user: WebUser,
    bulletin_id: int,
    commune: str = "",
    state: str = "",
    command: str = "",
    page: str = "1",
) -> HTMLResponse:
    """The devices behind the bulletin's proof-of-play counts, filtered by commune, state and play, 50 a page."""
    bulletin = _bulletin(request, user, bulletin_id)
    if bulletin is None:
        return render(request, "forbidden.html", user=user, status_code=404)
    lang, scope = user.lang, _scope(request, user)
    f = _filters({"commune": commune, "state": state, "command": command, "page": page}, scope, lang)
    with request.app.state.runtime.sessions() as db:

        def listed(state: str | None, command_id: str | None) -> DeviceProofPage:
            return proof_devices(
                db, bulletin_id=bulletin_id, communes=scope, commune=f.commune or None, state=state,
                command_id=command_id, page=f.page, page_size=PAGE_SIZE,
            )  # fmt: skip

        try:
            result = listed(f.state or None, f.command or None)
        except InvalidBulletin:  # the only field left to refuse: a play that is not this bulletin's
            f.errors.append(t("proof.list.error.command", lang))
            f.command = ""
            result = listed(None, None)
        if f.errors:
            result.items, result.total = [], 0
        f.page = result.page
        names = view.area_names(db, _area_codes(result))
    return render(
        request,
        "proof_devices.html",
        _context(bulletin, f, result, names, lang),
        user=user,
        status_code=422 if f.errors else 200,
    )


def _context(
    bulletin: Bulletin, f: Filters, result: DeviceProofPage, names: dict[str, str], lang: str
) -> dict[str, Any]:
    base = f"/ui/bulletins/{bulletin.id}/proof/devices"
    pager = Pager(f.page, PAGE_SIZE, result.total)
    first, last = pager.offset + 1, pager.offset + len(result.items)
    plays = {p.command_id: _play_label(p, names, lang) for p in result.plays}
    several = len(result.plays) > 1

    def link(**changes: Any) -> str:
        query = f.query(**changes)
        return base + ("?" + query if query else "")

    return {
        "b": bulletin,
        "f": f,
        "items": result.items,
        "total": result.total,
        "counts": result.counts,
        "all_count": sum(result.counts.values()),
        "states": DELIVERY_STATES,
        "communes": [(c, names.get(c, c)) for c in result.communes],
        "plays": plays,
        "several_plays": several,
        "names": names,
        "found": t("proof.list.found_rows" if several and not f.command else "proof.list.found", lang).format(
            total=view.number(result.total, lang),
            first=view.number(first, lang),
            last=view.number(last, lang),
        ),
        "pages": pager.pages,
        "state_link": lambda s: link(state=s, page=1),
        "csv_url": f"/ui/bulletins/{bulletin.id}/proof/devices.csv" + ("?" + f.query() if f.query() else ""),
        "page_links": pager.links(lambda n: link(page=n)),
        "proof_url": f"/ui/bulletins/{bulletin.id}/proof",
        "clear_url": base,
        "state_label": lambda s: t(f"device.delivery.{s}", lang),
        "position": lambda ms: view.position(ms, lang),
    }


def _csv_rows(rows: Iterable[DeviceProof], names: dict[str, str], plays: dict[str, str], lang: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = ("id", "name", "commune", "play", "state", "received", "downloaded", "started", "finished", "position",
               "reason")  # fmt: skip
    writer.writerow([t(f"proof.list.col.{c}", lang) for c in columns])
    for d in rows:
        commune = names.get(d.commune_code, d.commune_code)
        state = t(f"device.delivery.{d.state}", lang)
        times = [localtime(getattr(d, k), seconds=True) for k in TIMES]
        position = "" if d.position_ms is None else f"{d.position_ms / 1000:.1f}"
        writer.writerow(
            [d.device_id, d.name, commune, plays.get(d.command_id, d.command_id), state, *times, position,
             d.reason or ""]
        )  # fmt: skip
    return "\ufeff" + out.getvalue()  # a BOM so that spreadsheet programs read the Vietnamese names right


@router.get("/ui/bulletins/{bulletin_id:int}/proof/devices.csv")
def proof_device_csv(
    request: Request,
    user: WebUser,
    bulletin_id: int,
    commune: str = "",
    state: str = "",
    command: str = "",
) -> Response:
    """The same list, every page, as CSV (for reports to the province); bad filters answer with the page's words."""
    bulletin = _bulletin(request, user, bulletin_id)
    if bulletin is None:
        return render(request, "forbidden.html", user=user, status_code=404)
    lang, scope = user.lang, _scope(request, user)
    f = _filters({"commune": commune, "state": state, "command": command, "page": "1"}, scope, lang)
    if f.errors:
        return Response("\n".join(f.errors) + "\n", status_code=422, media_type="text/plain; charset=utf-8")
    with request.app.state.runtime.sessions() as db:
        try:
            overview = proof_devices(db, bulletin_id=bulletin_id, communes=scope, page_size=1)
            rows = proof_device_rows(
                db,
                bulletin_id=bulletin_id,
                communes=scope,
                commune=f.commune or None,
                state=f.state or None,
                command_id=f.command or None,
            )
        except InvalidBulletin:
            return Response(
                t("proof.list.error.command", lang) + "\n", status_code=422, media_type="text/plain; charset=utf-8"
            )
        names = view.area_names(db, _area_codes(overview))
        plays = {p.command_id: _play_label(p, names, lang) for p in overview.plays}
        body = _csv_rows(rows, names, plays, lang)
    name = f"thiet-bi-ban-tin-{bulletin.id}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
