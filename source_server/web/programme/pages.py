"""Pages: the programme (lịch phát) of a commune or of the province — the week with its slots and items — and
the item actions (move up or down, remove). Slot forms are in ``programme_slots``, placing in ``programme_place``.

Every change is a form posted to a page route that calls the same service function as the API and comes back
to the week (Post/Redirect/Get); the page's script does the same moves through the API without reloading. An
area outside the user's areas is not found (404); one they may read but not change answers 403; an occurrence
that has begun answers 409 with the reason.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts.browser import client_ip
from source_server.db import utcnow
from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling import access, service
from source_server.scheduling.exceptions import NotFound, SchedulingError
from source_server.scheduling.models import Slot
from source_server.scheduling.plan import occurrence_items
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.errors import PageError
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render
from source_server.web.programme import place as programme_place
from source_server.web.programme import slots as programme_slots
from source_server.web.programme import text as txt
from source_server.web.programme.common import (
    DONE,
    area_name,
    can_change,
    gap,
    monday_of,
    readable_areas,
    refusal,
)
from source_server.web.programme.week import week

router = APIRouter(include_in_schema=False)
router.include_router(programme_slots.router)
router.include_router(programme_place.router)
AreaCode = Annotated[str, Path(max_length=32)]
JS_KEYS = ("moved", "begun", "refused", "failed", "overlap", "validity")


def _slot_rows(slots: list[Slot], lang: str) -> list[dict[str, Any]]:
    rows = []
    for s in slots:
        days = t("programme.every_day", lang) if len(s.weekdays) == 7 else ", ".join(
            t(f"programme.wds.{d}", lang) for d in s.weekdays
        )  # fmt: skip
        span = [t("programme.range.from", lang).format(d=txt.dmy(s.first_day))] if s.first_day else []
        span += [t("programme.range.until", lang).format(d=txt.dmy(s.last_day))] if s.last_day else []
        skips = ", ".join(txt.dmy(date.fromisoformat(d)) for d in s.skip_dates)
        end = (datetime.combine(date(2000, 1, 3), s.start_local) + timedelta(seconds=s.duration_s)).time()
        rows.append({"slot": s, "time": f"{txt.hm(s.start_local)}–{txt.hm(end)}", "days": days,
                     "range": " ".join(span) or t("programme.range.any", lang),
                     "skips": skips or t("programme.none", lang)})  # fmt: skip
    return rows


def _js_strings(lang: str) -> str:
    """The script's messages as JSON that is safe inside a ``<script>`` element."""
    return json.dumps({k: t(f"programme.js.{k}", lang) for k in JS_KEYS}, ensure_ascii=False).replace("</", "<\\/")


def week_page(
    request: Request,
    user: WebContext,
    area_code: str,
    *,
    day: str = "",
    done: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The week of ``area_code``'s programme that holds ``day`` (today when empty)."""
    lang = user.lang
    now = utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    errors = [error] if error else []
    try:
        chosen = date.fromisoformat(day) if day else today
    except ValueError:
        chosen = today
        errors.append(t("programme.err.bad_day", lang))
    monday = monday_of(chosen)
    with request.app.state.runtime.sessions() as db:
        try:
            ref = access.area(db, principal=user.principal, area_code=area_code)
            days, collisions = week(db, principal=user.principal, area_code=ref.code, monday=monday,
                                    gap=gap(request), now=now, today=today, lang=lang)  # fmt: skip
            slots = service.list_slots(db, principal=user.principal, area_code=ref.code)
        except SchedulingError as exc:
            return refusal(request, user, txt.page_error(exc, lang))
        context = {
            "area_code": ref.code,
            "area_name": area_name(db, ref.code),
            "area_active": ref.active,
            "areas": readable_areas(db, user.principal),
            "can_edit": can_change(db, user.principal, ref.code),
        }
    base = f"/ui/programme/{area_code}"
    context |= {
        "days": days,
        "collisions": collisions,
        "slots": _slot_rows(slots, lang),
        "week_range": t("programme.week.range", lang).format(
            first=txt.dmy(monday), last=txt.dmy(monday + timedelta(6))
        ),
        "prev_url": f"{base}?day={(monday - timedelta(7)).isoformat()}",
        "next_url": f"{base}?day={(monday + timedelta(7)).isoformat()}",
        "this_url": base if monday != monday_of(today) else "",
        "message": t(f"programme.done.{done}", lang) if done in DONE else "",
        "errors": errors,
        "js_strings": _js_strings(lang),
        "dmy": txt.dmy,
    }
    return render(request, "programme.html", context, user=user, status_code=status_code)


@router.get("/ui/programme", response_class=HTMLResponse)
def programme_home(request: Request, user: WebUser, area: str = "", day: str = "", done: str = "") -> HTMLResponse:
    """The user's programme: their commune's, or for the province's staff the province's (with a commune picker)."""
    if not area:
        with request.app.state.runtime.sessions() as db:
            choices = readable_areas(db, user.principal)
        if not choices:
            return refusal(request, user, PageError("", t("programme.not_found", user.lang), 404))
        area = choices[0].code
    return week_page(request, user, area[:32], day=day, done=done)


@router.get("/ui/programme/{area_code}", response_class=HTMLResponse)
def programme_area(request: Request, user: WebUser, area_code: AreaCode, day: str = "", done: str = "") -> HTMLResponse:
    """The week of one area's programme: slots per day, items with their computed times, fill, skipped days."""
    return week_page(request, user, area_code, day=day, done=done)


def _back(area_code: str, day: date, done: str, anchor: str = "") -> RedirectResponse:
    url = f"/ui/programme/{area_code}?day={day.isoformat()}&done={done}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(url, status_code=303)


def _refused(request: Request, user: WebContext, area_code: str, exc: SchedulingError, day: str) -> HTMLResponse:
    """404 and 403 on a page of their own; a 409 or 422 on the week, above the calendar."""
    error = txt.page_error(exc, user.lang)
    if error.status in (403, 404):
        return refusal(request, user, error)
    return week_page(request, user, area_code, day=day, error=error.message, status_code=error.status)


@router.post("/ui/programme/{area_code}/items/{item_id}/move", response_class=HTMLResponse)
def move_item(
    request: Request,
    user: WebUser,
    area_code: AreaCode,
    item_id: int,
    direction: Annotated[str, Form()] = "",
) -> Response:
    """Move an item one place earlier (``up``) or later (``down``) in its slot occurrence, before it begins."""
    day = ""
    try:
        with request.app.state.runtime.sessions.begin() as db:
            ref = access.area(db, principal=user.principal, area_code=area_code)
            item = access.item_in(db, programme=access.programme_of(db, area_code=ref.code), item_id=item_id)
            day = item.day.isoformat()
            ids = [i.id for i in occurrence_items(db, slot_id=item.slot_id, day=item.day)] if item.slot_id else []
            if item.id not in ids:
                raise NotFound("item", item_id)
            k = ids.index(item.id)
            j = k - 1 if direction == "up" else k + 1 if direction == "down" else k
            if 0 <= j < len(ids):
                ids[k], ids[j] = ids[j], ids[k]
            assert item.slot_id is not None
            slot_id, on = item.slot_id, item.day
            service.reorder(db, principal=user.principal, area_code=ref.code, slot_id=slot_id, day=on, item_ids=ids,
                            gap=gap(request), source_ip=client_ip(request))  # fmt: skip
    except SchedulingError as exc:
        return _refused(request, user, area_code, exc, day)
    return _back(area_code, on, "moved", f"occ-{slot_id}-{on.isoformat()}")


@router.post("/ui/programme/{area_code}/items/{item_id}/remove", response_class=HTMLResponse)
def remove_item(request: Request, user: WebUser, area_code: AreaCode, item_id: int) -> Response:
    """Take an item out of the programme (after the confirmation on the week page)."""
    try:
        with request.app.state.runtime.sessions.begin() as db:
            item = service.remove(db, principal=user.principal, area_code=area_code, item_id=item_id,
                                  source_ip=client_ip(request))  # fmt: skip
            on, slot_id = item.day, item.slot_id
    except SchedulingError as exc:
        return _refused(request, user, area_code, exc, "")
    return _back(area_code, on, "removed", f"occ-{slot_id}-{on.isoformat()}" if slot_id else "")
