"""The programme's logic (no HTTP): check a placement, place in a slot or at a time, reorder, remove, and the
computed plan of a day. Every change is audited; a refusal changes nothing. Slots live in ``slots.py`` and the
insertion of priority bulletins in ``priority.py``; both are re-exported here so callers need one module.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from protocols import Capability
from source_server.accounts.service import Principal, audit
from source_server.bulletins import service as bulletins
from source_server.bulletins.service import Bulletin
from source_server.bulletins.workflow import Action
from source_server.db import utcnow
from source_server.scheduling import access
from source_server.scheduling.checks import Check, check_at, check_slot, timing_problems
from source_server.scheduling.dayplan import DayPlan, PlanSlot, day_plan
from source_server.scheduling.exceptions import InvalidInput, PlacementRefused, StateConflict
from source_server.scheduling.exceptions import SchedulingErrorCode as Code
from source_server.scheduling.models import ScheduleItem
from source_server.scheduling.plan import DEFAULT_KIND, ItemState, Timed, bulletin_of, occurrence_items, time_occurrence
from source_server.scheduling.priority import insert_priority
from source_server.scheduling.slots import SlotInput, create_slot, delete_slot, list_slots, update_slot
from source_server.scheduling.timing import local_day, occurrence

__all__ = [
    "Check",
    "DayPlan",
    "PlanSlot",
    "SlotInput",
    "check_placement",
    "create_slot",
    "day_plan",
    "delete_slot",
    "insert_priority",
    "list_slots",
    "place",
    "place_at",
    "remove",
    "reorder",
    "update_slot",
]


def check_placement(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    bulletin_id: int,
    slot_id: int | None = None,
    day: date | None = None,
    position: int | None = None,
    at: datetime | None = None,
    gap: timedelta,
    now: datetime | None = None,
    kind: str = DEFAULT_KIND,
) -> Check:
    """Every problem of placing the bulletin's ``kind`` rendition (audio: loudspeakers) in a slot occurrence (slot
    and day) or at a time (``at``, UTC)."""
    if kind not in {c.value for c in Capability}:
        raise InvalidInput(Code.KIND_UNKNOWN, "kind", f"must be one of {', '.join(c.value for c in Capability)}")
    ref = access.area(db, principal=principal, area_code=area_code)
    programme = access.programme_of(db, area_code=ref.code)
    bulletin = access.bulletin_for(db, principal=principal, bulletin_id=bulletin_id, where=ref.path)
    now = now or utcnow()
    pid = programme.id if programme else None
    if at is not None and slot_id is None and day is None:
        if at.tzinfo is None:
            raise InvalidInput(
                Code.AT_WITHOUT_OFFSET, "at", "give the time with its offset, e.g. 2026-01-10T06:00:00+07:00"
            )
        return check_at(db, bulletin=bulletin, area_path=ref.path, programme_id=pid, at=at, gap=gap, now=now, kind=kind)
    if slot_id is None or day is None or at is not None:
        raise InvalidInput(Code.SLOT_OR_TIME, "slot_id", "give either a slot and a day, or a time")
    if position is not None and position < 0:
        raise InvalidInput(Code.POSITION_NEGATIVE, "position", "a position counts from 0")
    slot = access.slot_in(db, programme=programme, slot_id=slot_id)
    return check_slot(
        db,
        bulletin=bulletin,
        area_path=ref.path,
        programme_id=pid,
        slot=slot,
        day=day,
        position=position,
        gap=gap,
        now=now,
        kind=kind,
    )


def _scheduled(db: Session, bulletin: Bulletin, actor: str) -> None:
    bulletins.mark(db, bulletin=bulletin, action=Action.SCHEDULE, actor=actor)


def _renumber(items: list[ScheduleItem]) -> None:
    for n, item in enumerate(items):
        item.position = n


def _audit_item(
    db: Session,
    principal: Principal,
    action: str,
    item: ScheduleItem,
    area: str,
    summary: str,
    source_ip: str | None,
    **detail: object,
) -> None:
    audit(
        db,
        actor=principal.username,
        action=f"programme.{action}",
        object_type="schedule_item",
        object_id=str(item.id),
        area_code=area,
        source_ip=source_ip,
        summary=summary[:200],
        detail={"bulletin_id": item.bulletin_id, "slot_id": item.slot_id, "day": item.day.isoformat(), **detail},
    )


def place(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    bulletin_id: int,
    slot_id: int,
    day: date,
    position: int | None = None,
    gap: timedelta,
    now: datetime | None = None,
    source_ip: str | None = None,
    kind: str = DEFAULT_KIND,
) -> ScheduleItem:
    """Place an approved bulletin's ``kind`` rendition in a slot occurrence at ``position`` (None: last);
    PlacementRefused with every problem otherwise."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="place a bulletin")
    check = check_placement(
        db,
        principal=principal,
        area_code=ref.code,
        bulletin_id=bulletin_id,
        slot_id=slot_id,
        day=day,
        position=position,
        gap=gap,
        now=now,
        kind=kind,
    )
    if check.problems:
        raise PlacementRefused(check.problems)
    programme = access.ensure_programme(db, area_code=ref.code, actor=principal.username)
    items = occurrence_items(db, slot_id=slot_id, day=day)
    stamp = utcnow()
    item = ScheduleItem(
        programme_id=programme.id,
        bulletin_id=bulletin_id,
        slot_id=slot_id,
        day=day,
        reach=check.reach.to_json(),
        state=ItemState.PLANNED.value,
        created_by=principal.username,
        created_at=stamp,
        updated_at=stamp,
        content_kind=kind,
    )
    assert check.position is not None
    items.insert(check.position, item)
    _renumber(items)
    db.add(item)
    db.flush()
    bulletin = bulletin_of(db, bulletin_id)
    _scheduled(db, bulletin, principal.username)
    _audit_item(
        db,
        principal,
        "item_placed",
        item,
        ref.code,
        bulletin.title,
        source_ip,
        position=item.position,
        start=check.start.isoformat() if check.start else None,
    )
    return item


def place_at(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    bulletin_id: int,
    at: datetime,
    gap: timedelta,
    now: datetime | None = None,
    source_ip: str | None = None,
    kind: str = DEFAULT_KIND,
) -> ScheduleItem:
    """Place an approved bulletin's ``kind`` rendition once at a fixed time (UTC-aware); PlacementRefused with every
    problem otherwise."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="place a bulletin")
    check = check_placement(
        db, principal=principal, area_code=ref.code, bulletin_id=bulletin_id, at=at, gap=gap, now=now, kind=kind
    )
    if check.problems:
        raise PlacementRefused(check.problems)
    programme = access.ensure_programme(db, area_code=ref.code, actor=principal.username)
    stamp = utcnow()
    item = ScheduleItem(
        programme_id=programme.id,
        bulletin_id=bulletin_id,
        day=local_day(at),
        at=at,
        reach=check.reach.to_json(),
        state=ItemState.PLANNED.value,
        created_by=principal.username,
        created_at=stamp,
        updated_at=stamp,
        content_kind=kind,
    )
    db.add(item)
    db.flush()
    bulletin = bulletin_of(db, bulletin_id)
    _scheduled(db, bulletin, principal.username)
    _audit_item(db, principal, "item_placed", item, ref.code, bulletin.title, source_ip, at=at.isoformat())
    return item


def reorder(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    slot_id: int,
    day: date,
    item_ids: list[int],
    gap: timedelta,
    now: datetime | None = None,
    source_ip: str | None = None,
) -> list[Timed]:
    """Put a slot occurrence's items in the order of ``item_ids`` (all of them, once each) before it begins."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="reorder the programme")
    slot = access.slot_in(db, programme=access.programme_of(db, area_code=ref.code), slot_id=slot_id)
    items = occurrence_items(db, slot_id=slot.id, day=day)
    by_id = {i.id: i for i in items}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(by_id):
        raise InvalidInput(Code.ITEM_LIST, "item_ids", f"list each item of this occurrence once: {sorted(by_id)}")
    if occurrence(slot, day)[0] <= (now or utcnow()):
        message = f"the slot “{slot.label}” of {day:%d/%m/%Y} has begun; its order can no longer change"
        raise StateConflict(Code.BEGUN, message, slot=slot.label, day=day)
    order = [by_id[i] for i in item_ids]
    timed = time_occurrence(db, slot, day, order, gap)
    problems = timing_problems(
        db, mine=timed, area_path=ref.path, field_name="item_ids", gap=gap, exclude=(slot.id, day)
    )
    if problems:
        raise PlacementRefused(problems)
    before = [i.id for i in items]
    _renumber(order)
    stamp = utcnow()
    for item in order:
        item.updated_at = stamp
    if before != item_ids:
        audit(
            db,
            actor=principal.username,
            action="programme.items_reordered",
            object_type="programme_slot",
            object_id=str(slot.id),
            area_code=ref.code,
            source_ip=source_ip,
            summary=f"{slot.label} {day}",
            detail={"day": day.isoformat(), "before": before, "after": item_ids},
        )
    db.flush()
    return timed


def remove(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    item_id: int,
    now: datetime | None = None,
    source_ip: str | None = None,
) -> ScheduleItem:
    """Take an item out of the programme (a play already sent is stopped by the next sync)."""
    ref = access.area(db, principal=principal, area_code=area_code, write=True, action="remove an item")
    item = access.item_in(db, programme=access.programme_of(db, area_code=ref.code), item_id=item_id)
    if item.state == ItemState.CANCELLED.value:
        return item
    now = now or utcnow()
    played = item.sent_start is not None and item.sent_start + timedelta(milliseconds=item.sent_duration_ms or 0) <= now
    if item.state == ItemState.DONE.value or played:
        raise StateConflict(Code.PLAYED, f"item {item.id} has already played", item.id)
    item.state = ItemState.CANCELLED.value
    item.note = f"removed by {principal.username}"[:200]
    item.updated_at = utcnow()
    if item.slot_id is not None:
        _renumber(occurrence_items(db, slot_id=item.slot_id, day=item.day))
    bulletin = bulletin_of(db, item.bulletin_id)
    _audit_item(db, principal, "item_removed", item, ref.code, bulletin.title, source_ip, command_id=item.command_id)
    db.flush()
    return item
