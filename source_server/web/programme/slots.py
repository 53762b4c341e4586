"""Pages: add, change and delete a recurring slot of a programme (forms over the scheduling service).

The form speaks in the terms of the commune staff (start time, minutes, weekdays, dates as day/month/year);
a wrong field is shown next to it in their language and nothing is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts.browser import client_ip
from source_server.scheduling import access, service
from source_server.scheduling.exceptions import NotFound, SchedulingError
from source_server.scheduling.models import Slot
from source_server.scheduling.service import SlotInput
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.forms import FieldErrors
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render
from source_server.web.programme import text as txt
from source_server.web.programme.common import area_name, gap, refusal

router = APIRouter(include_in_schema=False)
AreaCode = Annotated[str, Path(max_length=32)]
FORM_FIELD = {"start_local": "start", "duration_s": "length", "skip_dates": "skips"}
"""Service field → the form field its message is shown next to (others keep their name)."""


@dataclass
class SlotForm:
    """The slot form as typed (text), and what it means once read."""

    label: str = ""
    start: str = ""
    length: str = "30"
    weekdays: list[str] = field(default_factory=lambda: [str(d) for d in range(1, 8)])
    first_day: str = ""
    last_day: str = ""
    skips: str = ""

    @classmethod
    def of(cls, slot: Slot) -> SlotForm:
        """The form filled from a stored slot."""
        return cls(
            label=slot.label,
            start=txt.hm(slot.start_local),
            length=f"{slot.duration_s / 60:.4f}".rstrip("0").rstrip("."),
            weekdays=[str(d) for d in slot.weekdays],
            first_day=slot.first_day.isoformat() if slot.first_day else "",
            last_day=slot.last_day.isoformat() if slot.last_day else "",
            skips=", ".join(txt.dmy(date.fromisoformat(d)) for d in slot.skip_dates),
        )


def parse_day(text: str) -> date:
    """``2026-04-30`` (a date field) or ``30/04/2026`` (typed); ValueError otherwise."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))


def parse_time(text: str) -> time | None:
    """``06:00`` (also ``6:00``, ``6h00``); None when it is not a time of day."""
    m = re.fullmatch(r"(\d{1,2})\s*[:hH.]\s*(\d{2})", text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return time(int(m.group(1)), int(m.group(2)))


def read_form(form: SlotForm, lang: str) -> tuple[SlotInput | None, dict[str, str]]:
    """The slot the form describes, or the message of each wrong field."""
    errors = FieldErrors(lang, FORM_FIELD)
    start = parse_time(form.start)
    if start is None:
        errors.add("start", "programme.err.start")
    try:
        minutes = float(form.length.strip().replace(",", "."))
        if not 1 <= minutes <= 360:
            raise ValueError(minutes)
    except ValueError:
        errors.add("length", "programme.err.length")
        minutes = 0
    weekdays = sorted({int(d) for d in form.weekdays if d.isdigit() and 1 <= int(d) <= 7})
    if not weekdays:
        errors.add("weekdays", "programme.err.weekdays")
    bounds: dict[str, date | None] = {}
    for name in ("first_day", "last_day"):
        value = getattr(form, name).strip()
        try:
            bounds[name] = parse_day(value) if value else None
        except ValueError:
            errors.add(name, "programme.err.date")
    skips: list[date] = []
    for part in (p.strip() for p in re.split(r"[,;\n]+", form.skips)):
        try:
            skips += [parse_day(part)] if part else []
        except ValueError:
            errors.add("skips", "programme.err.skip", value=part)
    if not form.label.strip():
        errors.add("label", "programme.err.label")
    if errors or start is None:
        return None, errors
    data = SlotInput(label=form.label, start_local=start, duration_s=round(minutes * 60), weekdays=weekdays,
                     first_day=bounds["first_day"], last_day=bounds["last_day"], skip_dates=skips)  # fmt: skip
    return data, {}


async def _form_of(request: Request) -> SlotForm:
    got = await request.form()
    text = {k: str(got.get(k, "")) for k in ("label", "start", "length", "first_day", "last_day", "skips")}
    return SlotForm(**text, weekdays=[str(v) for v in got.getlist("weekdays")])


def _page(
    request: Request,
    user: WebContext,
    area_code: str,
    form: SlotForm,
    *,
    slot: Slot | None = None,
    errors: dict[str, str] | None = None,
    top: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    with request.app.state.runtime.sessions() as db:
        name = area_name(db, area_code)
    context: dict[str, Any] = {
        "area_code": area_code,
        "area_name": name,
        "slot": slot,
        "heading": t("programme.slot.edit.title", user.lang).format(slot=slot.label)
        if slot
        else t("programme.slot.new.title", user.lang),
        "form": form,
        "errors": errors or {},
        "top_error": top,
        "weekdays": [(str(d), t(f"programme.wd.{d}", user.lang)) for d in range(1, 8)],
    }
    return render(request, "programme_slot.html", context, user=user, status_code=status_code)


def _editable(request: Request, user: WebContext, area_code: str, slot_id: int | None) -> Slot | None:
    """The slot (None for a new one) if the user may change this programme; a SchedulingError otherwise."""
    with request.app.state.runtime.sessions() as db:
        ref = access.area(db, principal=user.principal, area_code=area_code, write=True, action="change a slot")
        if slot_id is None:
            return None
        slot = access.slot_in(db, programme=access.programme_of(db, area_code=ref.code), slot_id=slot_id)
        if not slot.active:
            raise NotFound("slot", slot_id)
        db.expunge(slot)
        return slot


def _failed(request: Request, user: WebContext, area_code: str, form: SlotForm, exc: SchedulingError,
            slot: Slot | None) -> HTMLResponse:  # fmt: skip
    error = txt.page_error(exc, user.lang)
    if error.status in (403, 404):
        return refusal(request, user, error)
    if error.field and error.status == 422:
        errors = {FORM_FIELD.get(error.field, error.field): error.message}
        return _page(request, user, area_code, form, slot=slot, errors=errors, status_code=422)
    return _page(request, user, area_code, form, slot=slot, top=error.message, status_code=error.status)


@router.get("/ui/programme/{area_code}/slots/new", response_class=HTMLResponse)
def new_slot_page(request: Request, user: WebUser, area_code: AreaCode) -> HTMLResponse:
    """The form of a new slot."""
    try:
        _editable(request, user, area_code, None)
    except SchedulingError as exc:
        return refusal(request, user, txt.page_error(exc, user.lang))
    return _page(request, user, area_code, SlotForm())


@router.post("/ui/programme/{area_code}/slots/new", response_class=HTMLResponse)
async def create_slot(request: Request, user: WebUser, area_code: AreaCode) -> Response:
    """Add the slot; the form again with the reasons when something is wrong."""
    form = await _form_of(request)
    try:
        _editable(request, user, area_code, None)
        data, errors = read_form(form, user.lang)
        if data is None:
            return _page(request, user, area_code, form, errors=errors, status_code=422)
        with request.app.state.runtime.sessions.begin() as db:
            service.create_slot(db, principal=user.principal, area_code=area_code, data=data,
                                source_ip=client_ip(request))  # fmt: skip
    except SchedulingError as exc:
        return _failed(request, user, area_code, form, exc, None)
    return RedirectResponse(f"/ui/programme/{area_code}?done=slot_created", status_code=303)


@router.get("/ui/programme/{area_code}/slots/{slot_id}/edit", response_class=HTMLResponse)
def edit_slot_page(request: Request, user: WebUser, area_code: AreaCode, slot_id: int) -> HTMLResponse:
    """The form of an existing slot, with its delete button."""
    try:
        slot = _editable(request, user, area_code, slot_id)
    except SchedulingError as exc:
        return refusal(request, user, txt.page_error(exc, user.lang))
    assert slot is not None
    return _page(request, user, area_code, SlotForm.of(slot), slot=slot)


@router.post("/ui/programme/{area_code}/slots/{slot_id}/edit", response_class=HTMLResponse)
async def update_slot(request: Request, user: WebUser, area_code: AreaCode, slot_id: int) -> Response:
    """Save the slot's changes (refused when items already placed would lose their place or not fit)."""
    form = await _form_of(request)
    slot = None
    try:
        slot = _editable(request, user, area_code, slot_id)
        data, errors = read_form(form, user.lang)
        if data is None:
            return _page(request, user, area_code, form, slot=slot, errors=errors, status_code=422)
        changes = {k: getattr(data, k) for k in ("label", "start_local", "duration_s", "weekdays", "first_day",
                                                 "last_day", "skip_dates")}  # fmt: skip
        with request.app.state.runtime.sessions.begin() as db:
            service.update_slot(db, principal=user.principal, area_code=area_code, slot_id=slot_id, changes=changes,
                                gap=gap(request), source_ip=client_ip(request))  # fmt: skip
    except SchedulingError as exc:
        return _failed(request, user, area_code, form, exc, slot)
    return RedirectResponse(f"/ui/programme/{area_code}?done=slot_saved", status_code=303)


@router.post("/ui/programme/{area_code}/slots/{slot_id}/delete", response_class=HTMLResponse)
def delete_slot(request: Request, user: WebUser, area_code: AreaCode, slot_id: int) -> Response:
    """Delete a slot with nothing left to play (its past stays in the history)."""
    slot = None
    try:
        slot = _editable(request, user, area_code, slot_id)
        with request.app.state.runtime.sessions.begin() as db:
            service.delete_slot(db, principal=user.principal, area_code=area_code, slot_id=slot_id,
                                source_ip=client_ip(request))  # fmt: skip
    except SchedulingError as exc:
        form = SlotForm.of(slot) if slot is not None else SlotForm()
        return _failed(request, user, area_code, form, exc, slot)
    return RedirectResponse(f"/ui/programme/{area_code}?done=slot_deleted", status_code=303)
