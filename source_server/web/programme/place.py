"""Page: place an approved bulletin in a slot occurrence or once at a fixed time, checked before it is saved.

"Kiểm tra" (check) runs the service's dry run and shows every problem in plain words; "Xếp vào lịch" (place)
saves through the same service function as the API, which refuses — and saves nothing — while any problem
remains. Only those who may change the programme use this page (403 for the others, 404 outside their areas).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from source_server.accounts.browser import client_ip
from source_server.bulletins.models import Bulletin
from source_server.db import utcnow
from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling import access, service
from source_server.scheduling.candidates import placeable_bulletins
from source_server.scheduling.exceptions import PlacementRefused, Problem, SchedulingError
from source_server.scheduling.models import ScheduleItem
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.forms import FieldErrors
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render
from source_server.web.programme import text as txt
from source_server.web.programme.common import area_name, gap, refusal
from source_server.web.programme.slots import parse_day, parse_time

router = APIRouter(include_in_schema=False)
AreaCode = Annotated[str, Path(max_length=32)]


@dataclass
class PlaceForm:
    """The placement as chosen (text)."""

    bulletin_id: str = ""
    mode: str = "slot"
    slot_id: str = ""
    day: str = ""
    at_day: str = ""
    at_time: str = ""


@dataclass(frozen=True)
class Placement:
    """What the form means: a bulletin into a slot occurrence, or once at ``at`` (UTC)."""

    bulletin_id: int
    slot_id: int | None = None
    day: date | None = None
    at: datetime | None = None


def read_form(form: PlaceForm, lang: str) -> tuple[Placement | None, dict[str, str]]:
    """The placement the form describes, or the message of each missing or wrong field."""
    errors = FieldErrors(lang)
    if not form.bulletin_id.isdigit():
        errors.add("bulletin_id", "programme.err.pick_bulletin")
    if form.mode == "once":
        try:
            on = parse_day(form.at_day)
        except ValueError:
            errors.add("at_day", "programme.err.pick_day")
        at = parse_time(form.at_time)
        if at is None:
            errors.add("at_time", "programme.err.pick_time")
        if errors or at is None:
            return None, errors
        when = datetime.combine(on, at, tzinfo=LOCAL_TZ).astimezone(UTC)
        return Placement(int(form.bulletin_id), at=when), {}
    if not form.slot_id.isdigit():
        errors.add("slot_id", "programme.err.pick_slot")
    try:
        day = parse_day(form.day)
    except ValueError:
        errors.add("day", "programme.err.pick_day")
    if errors:
        return None, errors
    return Placement(int(form.bulletin_id), slot_id=int(form.slot_id), day=day), {}


def problem_texts(
    db: Session, problems: list[Problem], placement: Placement, slots: dict[int, Any], lang: str
) -> list[str]:
    """Every problem in the page's language, naming the bulletins and items involved."""

    def bulletin_title(bulletin_id: int) -> str:
        found = db.get(Bulletin, bulletin_id)
        return found.title if found else str(bulletin_id)

    def item_title(item_id: int) -> str:
        item = db.get(ScheduleItem, item_id)
        return bulletin_title(item.bulletin_id) if item else str(item_id)

    slot = slots.get(placement.slot_id or 0)
    ctx = txt.Context(slot_label=slot.label if slot else "", day=placement.day,
                      title_of_bulletin=bulletin_title, title_of_item=item_title)  # fmt: skip
    return [txt.problem_text(p, lang, ctx) for p in problems]


def _page(
    request: Request,
    user: WebContext,
    area_code: str,
    form: PlaceForm,
    *,
    errors: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = user.lang
    with request.app.state.runtime.sessions() as db:
        candidates = placeable_bulletins(db, principal=user.principal, area_code=area_code)
        slots = service.list_slots(db, principal=user.principal, area_code=area_code)
        rows = []
        for c in candidates:
            b = c.bulletin
            valid = [t("programme.place.valid_from", lang).format(at=txt.stamp(b.valid_from))] if b.valid_from else []
            valid += (
                [t("programme.place.valid_until", lang).format(at=txt.stamp(b.valid_until))] if b.valid_until else []
            )
            rows.append({"id": b.id, "title": b.title, "priority": b.priority, "state": b.state,
                         "length": txt.length(c.duration_ms), "valid": ", ".join(valid)})  # fmt: skip
        context: dict[str, Any] = {
            "area_code": area_code,
            "area_name": area_name(db, area_code),
            "candidates": rows,
            "slots": [(s.id, f"{txt.hm(s.start_local)} · {s.label}") for s in slots],
            "form": form,
            "errors": errors or {},
            "result": result,
        }
    return render(request, "programme_place.html", context, user=user, status_code=status_code)


def _guard(request: Request, user: WebContext, area_code: str) -> None:
    """SchedulingError unless the user may change this programme (404 outside their areas, 403 read-only)."""
    with request.app.state.runtime.sessions() as db:
        access.area(db, principal=user.principal, area_code=area_code, write=True, action="place a bulletin")


@router.get("/ui/programme/{area_code}/place", response_class=HTMLResponse)
def place_page(
    request: Request, user: WebUser, area_code: AreaCode, slot: str = "", day: str = "", bulletin: str = ""
) -> HTMLResponse:
    """The placement form (a slot and day may come from the week's "+ Xếp bản tin" link)."""
    try:
        _guard(request, user, area_code)
    except SchedulingError as exc:
        return refusal(request, user, txt.page_error(exc, user.lang))
    tomorrow = (utcnow().astimezone(LOCAL_TZ).date() + timedelta(days=1)).isoformat()
    form = PlaceForm(bulletin_id=bulletin, slot_id=slot, day=day or tomorrow, at_day=day or tomorrow)
    return _page(request, user, area_code, form)


async def _form_of(request: Request) -> tuple[PlaceForm, str]:
    got = await request.form()
    names = ("bulletin_id", "mode", "slot_id", "day", "at_day", "at_time")
    form = PlaceForm(**{k: str(got.get(k, "")).strip() for k in names})
    form.mode = "once" if form.mode == "once" else "slot"
    return form, str(got.get("then", "check"))


@router.post("/ui/programme/{area_code}/place", response_class=HTMLResponse)
async def place(request: Request, user: WebUser, area_code: AreaCode) -> Response:
    """Check the placement (then=check) or save it (then=save, refused with the problems while any remain)."""
    lang = user.lang
    form, then = await _form_of(request)
    runtime = request.app.state.runtime
    try:
        _guard(request, user, area_code)
        placement, errors = read_form(form, lang)
        if placement is None:
            return _page(request, user, area_code, form, errors=errors, status_code=422)
        if then != "save":
            with runtime.sessions() as db:
                check = service.check_placement(db, principal=user.principal, area_code=area_code,
                                                bulletin_id=placement.bulletin_id, slot_id=placement.slot_id,
                                                day=placement.day, at=placement.at, gap=gap(request))  # fmt: skip
                result = _result(db, user, area_code, placement, check.problems, check.start)
            return _page(request, user, area_code, form, result=result)
        with runtime.sessions.begin() as db:
            item = _save(db, request, user, area_code, placement)
            on, slot_id = item.day, item.slot_id
    except PlacementRefused as exc:
        assert placement is not None  # refused only once the form was read
        with runtime.sessions() as db:
            result = _result(db, user, area_code, placement, exc.problems, None)
        return _page(request, user, area_code, form, result=result | {"refused": True}, status_code=422)
    except SchedulingError as exc:
        error = txt.page_error(exc, lang)
        if error.status in (403, 404) and error.field == "":
            return refusal(request, user, error)
        field = {"slot_id": "slot_id", "day": "day", "at": "at_time"}.get(error.field, "bulletin_id")
        return _page(request, user, area_code, form, errors={field: error.message}, status_code=error.status)
    anchor = f"#occ-{slot_id}-{on.isoformat()}" if slot_id else ""
    return RedirectResponse(f"/ui/programme/{area_code}?day={on.isoformat()}&done=placed{anchor}", status_code=303)


def _save(db: Session, request: Request, user: WebContext, area_code: str, placement: Placement) -> ScheduleItem:
    """Place it through the service (which checks again and refuses with every problem)."""
    if placement.at is not None:
        return service.place_at(db, principal=user.principal, area_code=area_code, bulletin_id=placement.bulletin_id,
                                at=placement.at, gap=gap(request), source_ip=client_ip(request))  # fmt: skip
    assert placement.slot_id is not None and placement.day is not None
    return service.place(db, principal=user.principal, area_code=area_code, bulletin_id=placement.bulletin_id,
                         slot_id=placement.slot_id, day=placement.day, gap=gap(request),
                         source_ip=client_ip(request))  # fmt: skip


def _result(
    db: Session, user: WebContext, area_code: str, placement: Placement, problems: list[Problem],
    start: datetime | None,
) -> dict[str, Any]:  # fmt: skip
    slots = {
        s.id: s for s in service.list_slots(db, principal=user.principal, area_code=area_code, include_deleted=True)
    }
    texts = problem_texts(db, problems, placement, slots, user.lang)
    ok = ""
    if not problems and start is not None:
        ok = t("programme.place.ok", user.lang).format(start=txt.clock(start),
                                                       day=txt.dmy(start.astimezone(LOCAL_TZ).date()))  # fmt: skip
    return {"ok": ok, "problems": texts}
