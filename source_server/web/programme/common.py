"""What every programme page shares: the gap between items, the areas a user may open, who may change a
programme, and the page that says why a request was refused (a committed change wakes the sync by itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from source_server.accounts.service import READ_ROLES, Principal
from source_server.fleet import service as fleet
from source_server.scheduling import access
from source_server.web.kit.auth import WebContext
from source_server.web.kit.errors import PageError
from source_server.web.kit.templating import render

DONE = frozenset({"slot_created", "slot_saved", "slot_deleted", "placed", "moved", "removed"})
"""Messages a page may be redirected to show (``?done=``)."""


def gap(request: Request) -> timedelta:
    """The pause between two items of a slot (the same setting the API and the sync use)."""
    return timedelta(seconds=request.app.state.runtime.settings.programme_gap_s)


@dataclass(frozen=True)
class AreaChoice:
    """An area whose programme the user may open."""

    code: str
    name: str
    level: str


def readable_areas(db: Session, principal: Principal) -> list[AreaChoice]:
    """The province (when granted there) and the communes whose programme the user may read, province first."""
    granted = principal.areas_for(READ_ROLES)
    out: list[AreaChoice] = []
    communes: list[AreaChoice] = []
    for area in fleet.list_areas(db, include_inactive=False):
        if area.level == "province" and area.code in granted:
            out.append(AreaChoice(area.code, area.name, area.level))
        elif area.level == "commune" and (area.code in granted or area.parent_code in granted):
            communes.append(AreaChoice(area.code, area.name, area.level))
    return out + sorted(communes, key=lambda a: a.name)


def area_name(db: Session, code: str) -> str:
    """The area's name (its code when unknown)."""
    found = fleet.get_area(db, code)
    return found.name if found else code


def can_change(db: Session, principal: Principal, area_code: str) -> bool:
    """True when the user may change this (readable) area's programme."""
    found = fleet.get_area(db, area_code)
    return bool(found and found.active and principal.can(access.PROGRAMME_ROLES, fleet.area_path(db, area_code)))


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.isoweekday() - 1)


def refusal(request: Request, user: WebContext, error: PageError, *, back: str = "/ui/programme") -> HTMLResponse:
    """A page that only says why the request was refused (404 not in your areas, 403 not allowed, 409 too late)."""
    title = {404: "programme.not_found.title", 403: "programme.forbidden.title"}.get(
        error.status, "programme.refused.title"
    )
    context = {"title_key": title, "message": error.message, "back": back}
    return render(request, "programme_message.html", context, user=user, status_code=error.status)
