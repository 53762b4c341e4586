"""Recurring slots of a programme: create, change, delete (no HTTP); every change is audited.

A slot must not overlap another slot of the same programme on a common day. A change that would leave
placed items of a future day without their occurrence, or overfill it, is refused naming the day; a slot with
items still to play cannot be deleted (remove them first). Deleted slots are kept, inactive, for history.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.accounts.service import Principal, audit
from source_server.db import utcnow
from source_server.scheduling import access
from source_server.scheduling.exceptions import InvalidInput, StateConflict
from source_server.scheduling.exceptions import SchedulingErrorCode as Code
from source_server.scheduling.models import ScheduleItem, Slot
from source_server.scheduling.plan import ItemState, occurrence_items, time_occurrence
from source_server.scheduling.timing import local_day, occurrence, why_not_on

MIN_LENGTH_S = 10
MAX_LENGTH_S = 6 * 3600
ALL_WEEK = [1, 2, 3, 4, 5, 6, 7]
PENDING = (ItemState.PLANNED.value, ItemState.SENT.value)


@dataclass
class SlotInput:
    """What defines a slot; times are local (Asia/Ho_Chi_Minh)."""

    label: str
    start_local: time
    duration_s: int
    weekdays: list[int] = field(default_factory=lambda: list(ALL_WEEK))
    first_day: date | None = None
    last_day: date | None = None
    skip_dates: list[date] = field(default_factory=list)


def _validate(data: SlotInput) -> SlotInput:
    label = " ".join(data.label.split())
    if not label or len(label) > 100:
        raise InvalidInput(Code.LABEL_INVALID, "label", "give the slot a name of 1 to 100 characters")
    if data.start_local.tzinfo is not None:
        raise InvalidInput(Code.START_INVALID, "start_local", "a local wall-clock time without a time zone, e.g. 06:00")
    if not MIN_LENGTH_S <= data.duration_s <= MAX_LENGTH_S:
        raise InvalidInput(Code.LENGTH_INVALID, "duration_s", f"between {MIN_LENGTH_S} s and {MAX_LENGTH_S // 3600} h")
    days = sorted(set(data.weekdays))
    if not days or any(d not in ALL_WEEK for d in days):
        raise InvalidInput(Code.WEEKDAYS_NONE, "weekdays", "at least one of 1 (Monday) to 7 (Sunday)")
    if data.first_day and data.last_day and data.last_day < data.first_day:
        raise InvalidInput(Code.LAST_BEFORE_FIRST, "last_day", "the last day comes before the first day")
    skips = sorted(set(data.skip_dates))
    return replace(
        data, label=label, weekdays=days, skip_dates=skips, start_local=data.start_local.replace(microsecond=0)
    )


def _window(t: time, length_s: int) -> tuple[int, int]:
    start = t.hour * 3600 + t.minute * 60 + t.second
    return start, start + length_s


def _clash(db: Session, programme_id: int, data: SlotInput, exclude: int | None) -> Slot | None:
    """Another active slot of the programme running at the same time on a common day."""
    mine = _window(data.start_local, data.duration_s)
    for other in db.scalars(select(Slot).where(Slot.programme_id == programme_id, Slot.active.is_(True))):
        if other.id == exclude:
            continue
        if other.last_day and data.first_day and other.last_day < data.first_day:
            continue
        if other.first_day and data.last_day and data.last_day < other.first_day:
            continue
        theirs = _window(other.start_local, other.duration_s)
        for shift, days in (
            (0, set(data.weekdays) & set(other.weekdays)),
            (86400, {d % 7 + 1 for d in other.weekdays} & set(data.weekdays)),
            (-86400, {d % 7 + 1 for d in data.weekdays} & set(other.weekdays)),
        ):
            if days and mine[0] < theirs[1] - shift and theirs[0] - shift < mine[1]:
                return other
    return None


def _stored(data: SlotInput) -> dict[str, Any]:
    out = asdict(data)
    out["skip_dates"] = [d.isoformat() for d in data.skip_dates]
    return out


def _as_input(slot: Slot) -> SlotInput:
    return SlotInput(
        label=slot.label,
        start_local=slot.start_local,
        duration_s=slot.duration_s,
        weekdays=list(slot.weekdays),
        first_day=slot.first_day,
        last_day=slot.last_day,
        skip_dates=[date.fromisoformat(d) for d in slot.skip_dates],
    )


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    def one(v: Any) -> Any:
        if isinstance(v, date | time):
            return v.isoformat()
        if isinstance(v, list):
            return [one(x) for x in v]
        return v

    return {k: one(v) for k, v in values.items()}


def list_slots(db: Session, *, principal: Principal, area_code: str, include_deleted: bool = False) -> list[Slot]:
    """The programme's slots by local start time."""
    ref = access.area(db, principal=principal, area_code=area_code)
    programme = access.programme_of(db, area_code=ref.code)
    if programme is None:
        return []
    query = select(Slot).where(Slot.programme_id == programme.id)
    if not include_deleted:
        query = query.where(Slot.active.is_(True))
    return list(db.scalars(query.order_by(Slot.start_local, Slot.id)))


def create_slot(
    db: Session, *, principal: Principal, area_code: str, data: SlotInput, source_ip: str | None = None
) -> Slot:
    """A new recurring slot (the programme is created with its first slot)."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="create a slot")
    data = _validate(data)
    programme = access.ensure_programme(db, area_code=ref.code, actor=principal.username)
    clash = _clash(db, programme.id, data, None)
    if clash is not None:
        message = f"overlaps slot “{clash.label}” ({clash.start_local:%H:%M}) on a same day"
        raise InvalidInput(Code.START_CLASH, "start_local", message, slot=clash.label, time=clash.start_local)
    now = utcnow()
    slot = Slot(
        programme_id=programme.id, created_by=principal.username, created_at=now, updated_at=now, **_stored(data)
    )
    db.add(slot)
    db.flush()
    audit(
        db,
        actor=principal.username,
        action="programme.slot_created",
        object_type="programme_slot",
        object_id=str(slot.id),
        area_code=ref.code,
        source_ip=source_ip,
        summary=data.label,
        detail=_jsonable(_stored(data)),
    )
    return slot


def _future_items(db: Session, slot: Slot, now: datetime) -> dict[date, list[ScheduleItem]]:
    rows = db.scalars(
        select(ScheduleItem).where(
            ScheduleItem.slot_id == slot.id,
            ScheduleItem.day >= local_day(now) - timedelta(days=1),
            ScheduleItem.state.in_(PENDING),
        )
    )
    out: dict[date, list[ScheduleItem]] = {}
    for item in rows:
        out.setdefault(item.day, []).append(item)
    return {d: v for d, v in out.items() if occurrence(slot, d)[0] > now}


def update_slot(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    slot_id: int,
    changes: Mapping[str, Any],
    gap: timedelta,
    now: datetime | None = None,
    source_ip: str | None = None,
) -> Slot:
    """Change a slot; refused when items already placed on a coming day would lose their place or not fit."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="change a slot")
    slot = access.slot_in(db, programme=access.programme_of(db, area_code=ref.code), slot_id=slot_id)
    if not slot.active:
        raise StateConflict(Code.SLOT_DELETED, f"slot {slot_id} was deleted")
    now = now or utcnow()
    names = {f.name for f in fields(SlotInput)}
    unknown = set(changes) - names
    if unknown:
        raise InvalidInput(Code.READ_ONLY, sorted(unknown)[0], "cannot be changed")
    before = _as_input(slot)
    data = _validate(replace(before, **dict(changes)))
    clash = _clash(db, slot.programme_id, data, slot.id)
    if clash is not None:
        message = f"overlaps slot “{clash.label}” ({clash.start_local:%H:%M}) on a same day"
        raise InvalidInput(Code.START_CLASH, "start_local", message, slot=clash.label, time=clash.start_local)
    proposed = Slot(active=True, **_stored(data))
    for day, items in sorted(_future_items(db, slot, now).items()):
        why = why_not_on(proposed, day)
        if why is not None:
            message = f"{len(items)} item(s) are placed on {day:%d/%m/%Y}; move them first"
            raise InvalidInput(Code.ITEMS_ON_DAY, _field_of(why), message, n=len(items), day=day)
        timed = time_occurrence(db, proposed, day, occurrence_items(db, slot_id=slot.id, day=day), gap)
        over = (timed[-1].end - occurrence(proposed, day)[1]).total_seconds() if timed else 0
        if over > 0:
            message = f"the slot of {day:%d/%m/%Y} would be overfilled by {math.ceil(over)} s"
            raise InvalidInput(Code.LENGTH_OVER, "duration_s", message, day=day, n=math.ceil(over))
    for name, value in _stored(data).items():
        setattr(slot, name, value)
    slot.updated_at = now
    changed = {k: v for k, v in _stored(data).items() if _stored(before)[k] != v}
    audit(
        db,
        actor=principal.username,
        action="programme.slot_updated",
        object_type="programme_slot",
        object_id=str(slot.id),
        area_code=ref.code,
        source_ip=source_ip,
        summary=slot.label,
        detail={"changed": _jsonable(changed), "before": _jsonable({k: _stored(before)[k] for k in changed})},
    )
    db.flush()
    return slot


def _field_of(why: str) -> str:
    return {"weekday": "weekdays", "before_first_day": "first_day", "after_last_day": "last_day"}.get(why, "skip_dates")


def delete_slot(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    slot_id: int,
    now: datetime | None = None,
    source_ip: str | None = None,
) -> Slot:
    """Delete a slot with no items left to play (kept inactive so past items still name it)."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="delete a slot")
    slot = access.slot_in(db, programme=access.programme_of(db, area_code=ref.code), slot_id=slot_id)
    if not slot.active:
        return slot
    placed = _future_items(db, slot, now or utcnow())
    if placed:
        days = ", ".join(f"{d:%d/%m/%Y}" for d in sorted(placed))
        message = f"slot “{slot.label}” still has items to play on {days}; remove them first"
        raise StateConflict(Code.SLOT_BUSY, message, slot=slot.label, days=sorted(placed))
    slot.active = False
    slot.updated_at = utcnow()
    audit(
        db,
        actor=principal.username,
        action="programme.slot_deleted",
        object_type="programme_slot",
        object_id=str(slot.id),
        area_code=ref.code,
        source_ip=source_ip,
        summary=slot.label,
    )
    db.flush()
    return slot
