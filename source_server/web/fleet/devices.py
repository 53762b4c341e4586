"""Pages: the device list (filters, server-side pages of 50) and one device (state, history, uptime, commands, actions).

Everything is scoped to the areas where the user holds a role: a device outside them is "not found", exactly as
one that does not exist. Actions are offered only to province admins and operators of the device's area; the
API they call checks the same rule again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from protocols import Capability
from source_server.accounts.service import OPERATE_ROLES, READ_ROLES
from source_server.dispatch.queries import device_commands
from source_server.fleet import presence_queries
from source_server.fleet.kinds import KINDS, capabilities_of, decode_capabilities
from source_server.fleet.models import Presence
from source_server.fleet.presence_api import broker_up
from source_server.fleet.uptime import local_today, uptime
from source_server.web.fleet import device_view as view
from source_server.web.fleet.device_chart import uptime_chart
from source_server.web.kit.deps import WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.pager import page_links
from source_server.web.kit.templating import localtime, render

router = APIRouter(include_in_schema=False)
LOCAL_TIME_S = functools.partial(localtime, seconds=True)
PAGE_SIZE = 50
MAX_PAGE = 100_000
TEXT_MAX = 64
EVENTS_SHOWN = 50
COMMANDS_SHOWN = 20
UPTIME_DAYS = 30


@dataclass
class Filters:
    """The list's filters after checking: only values that are allowed for this user survive."""

    q: str = ""
    status: str = ""
    kind: str = ""
    vendor: str = ""
    commune: str = ""
    village: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list)

    def query(self, **changes: Any) -> str:
        """The URL query of these filters (empty ones left out), with ``changes`` applied."""
        keys = ("q", "status", "kind", "vendor", "commune", "village")
        params: dict[str, Any] = {k: getattr(self, k) for k in keys if getattr(self, k)}
        params.update(changes)
        if params.get("page") == 1:
            del params["page"]
        return urlencode(params)


def _filters(
    db: Session, lang: str, communes: list[tuple[str, str]], raw: dict[str, str]
) -> tuple[Filters, list[tuple[str, str]]]:
    """Check the raw query values; a bad one is dropped with an error message. Returns the villages to offer."""
    f, errors = Filters(), []
    for key in ("q", "vendor"):
        value = raw[key].strip()
        if len(value) > TEXT_MAX:
            errors.append(t("devices.error.too_long", lang).format(max=TEXT_MAX))
        else:
            setattr(f, key, value)
    if raw["status"] and raw["status"] not in presence_queries.STATUSES:
        errors.append(t("devices.error.status", lang))
    else:
        f.status = raw["status"]
    if raw["kind"] and raw["kind"] not in KINDS:
        errors.append(t("devices.error.kind", lang))
    else:
        f.kind = raw["kind"]
    codes = {c for c, _ in communes}
    commune = raw["commune"] or (communes[0][0] if len(communes) == 1 else "")
    village = raw["village"]
    if village and not commune:
        commune = view.parent_of(db, code=village) or ""
    if commune and commune not in codes:
        errors.append(t("devices.error.commune", lang))
        commune = ""
    f.commune = commune
    villages = view.villages_of(db, commune=commune) if commune else []
    if village and village not in {c for c, _ in villages}:
        errors.append(t("devices.error.village", lang))
    else:
        f.village = village
    page = raw["page"].strip() or "1"
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        errors.append(t("devices.error.page", lang))
    else:
        f.page = int(page)
    f.errors = errors
    return f, villages


@router.get("/ui/devices", response_class=HTMLResponse)
def device_list(
    request: Request,
    user: WebUser,
    q: str = "",
    status_: str = Query("", alias="status"),
    kind: str = "",
    vendor: str = "",
    commune: str = "",
    village: str = "",
    page: str = "1",
) -> HTMLResponse:
    """Devices in the user's areas, 50 a page, filtered by status, kind, vendor, commune, village and id/name."""
    lang, areas = user.lang, user.principal.areas_for(READ_ROLES)
    raw = {"q": q, "status": status_, "kind": kind, "vendor": vendor, "commune": commune, "village": village}
    with request.app.state.runtime.sessions() as db:
        communes = view.visible_communes(db, areas=areas)
        f, villages = _filters(db, lang, communes, {**raw, "page": page})
        vendor_options = presence_queries.vendors(db, areas=areas)
        items: list[dict[str, Any]] = []
        total = 0
        if not f.errors:
            items, total = _page(db, f, areas, broker_up=broker_up(request))
        names = view.area_names(db, [d["commune_code"] for d in items] + [d["village_code"] for d in items])
    pages = max(1, -(-total // PAGE_SIZE))
    for d in items:
        d["commune_name"] = names.get(d["commune_code"], d["commune_code"])
        d["village_name"] = names.get(d["village_code"] or "", d["village_code"] or "")
    context = {
        "f": f,
        "items": items,
        "total": total,
        "total_text": view.number(total, lang),
        "pages": pages,
        "first_shown": view.number((f.page - 1) * PAGE_SIZE + 1, lang),
        "last_shown": view.number((f.page - 1) * PAGE_SIZE + len(items), lang),
        "page_links": page_links(f.page, pages, lambda n: "/ui/devices?" + f.query(page=n)),
        "statuses": presence_queries.STATUSES,
        "kinds": KINDS,
        "vendors": vendor_options,
        "communes": communes,
        "villages": villages,
        "status_labels": view.status_labels(lang),
        "icons": view.STATUS_ICONS,
        "local_time": localtime,
    }
    return render(request, "devices.html", context, user=user, status_code=400 if f.errors else 200)


def _page(db: Session, f: Filters, areas: set[str], *, broker_up: bool) -> tuple[list[dict[str, Any]], int]:
    """One page of devices; a page past the end shows the last page (``unverified`` while the broker is away)."""
    args: dict[str, Any] = {
        "broker_up": broker_up,
        "areas": areas,
        "status": f.status or None,
        "commune": f.commune or None,
        "village": f.village or None,
        "kind": f.kind or None,
        "vendor": f.vendor or None,
        "q": f.q or None,
        "limit": PAGE_SIZE,
    }
    items, total = presence_queries.list_devices(db, offset=(f.page - 1) * PAGE_SIZE, **args)
    if not items and total and f.page > 1:
        f.page = -(-total // PAGE_SIZE)
        items, total = presence_queries.list_devices(db, offset=(f.page - 1) * PAGE_SIZE, **args)
    return items, total


def _not_found(request: Request, user: WebUser, device_id: str) -> HTMLResponse:
    return render(request, "device_not_found.html", {"device_id": device_id[:TEXT_MAX]}, user=user, status_code=404)


@router.get("/ui/devices/{device_id}", response_class=HTMLResponse)
def device_page(request: Request, user: WebUser, device_id: str) -> HTMLResponse:
    """One device: state and telemetry, connectivity timeline, 30-day uptime, commands and acks, actions."""
    lang, areas = user.lang, user.principal.areas_for(READ_ROLES)
    with request.app.state.runtime.sessions() as db:
        device = presence_queries.scoped_device(db, device_id=device_id, areas=areas)
        if device is None:
            return _not_found(request, user, device_id)
        presence = db.get(Presence, device.id)
        events = presence_queries.device_events(db, device_id=device.id, limit=EVENTS_SHOWN, offset=0)
        days = uptime(db, device_id=device.id, days=UPTIME_DAYS, today=local_today())
        commands = device_commands(db, device_id=device.id, limit=COMMANDS_SHOWN)
        names = view.area_names(db, device.area_path)
        groups = device.group_names
    status = presence.status if presence else "never_seen"
    if status in presence_queries.UNVERIFIABLE and not broker_up(request):
        status = "unverified"  # the broker is unreachable: the last known status is not vouched for
    context = {
        "device": device,
        "presence": presence,
        "status": status,
        "status_text": view.status_label(status, lang),
        "icon": view.STATUS_ICONS.get(status, ""),
        "area_path": [(code, names.get(code, code)) for code in device.area_path],
        "groups": groups,
        "kinds": KINDS,
        "renders": _renders(device.kind, device.capabilities, lang),
        "telemetry": view.telemetry_rows(presence.telemetry if presence else None, lang),
        "events": [
            {
                "kind": e.kind,
                "label": view.label("device.event", e.kind, view.EVENT_LABELS, lang),
                "at": e.at,
                "session": e.session,
                "detail": view.event_detail(e.detail, lang, e.kind),
            }
            for e in events
        ],
        "chart": uptime_chart(days, lang),
        "can_operate": user.principal.can(OPERATE_ROLES, device.area_path),
        "status_labels": view.status_labels(lang),
        "event_labels": view.event_labels(lang),
        "local_time": localtime,
        "local_time_s": LOCAL_TIME_S,
        **_commands_context(commands, lang),
    }
    return render(request, "device.html", context, user=user)


def _renders(kind: str, stored: str | None, lang: str) -> str:
    """One line: what the device is sent (its announced capabilities, else its kind's defaults), and which."""
    can = capabilities_of(kind, decode_capabilities(stored))
    renders = [c for c in Capability if c in can]  # in the protocol's order
    names = ", ".join(t(f"capability.{c.value}", lang) for c in renders) or t("device.renders.none", lang)
    return f"{names} {t('device.renders.defaults' if stored is None else 'device.renders.announced', lang)}"


def _commands_context(commands: list[Any], lang: str) -> dict[str, Any]:
    rows = [
        {
            "c": c,
            "what": view.command_summary(c.type, c.title, c.body, lang),
            "state": view.label("device.delivery", c.status, view.DELIVERY_LABELS, lang),
            "position": view.position(c.position_ms, lang) if c.status == "interrupted" else "",
        }
        for c in commands
    ]
    return {"commands": rows, "local_time_s": LOCAL_TIME_S}


@router.get("/ui/devices/{device_id}/commands", response_class=HTMLResponse)
def device_commands_fragment(request: Request, user: WebUser, device_id: str) -> HTMLResponse:
    """The device page's command table alone, which the page reloads after an action to show the acks."""
    with request.app.state.runtime.sessions() as db:
        device = presence_queries.scoped_device(db, device_id=device_id, areas=user.principal.areas_for(READ_ROLES))
        if device is None:
            return _not_found(request, user, device_id)
        commands = device_commands(db, device_id=device.id, limit=COMMANDS_SHOWN)
    return render(request, "device_commands.html", _commands_context(commands, user.lang), user=user)
