"""Priority bulletins (ưu tiên) go into the next slot occurrence of every commune they target.

In each commune the item goes after the priority items already at the head of that occurrence (the commune's
own and earlier insertions), before its normal items. When the occurrence holds a priority item of the commune
itself, the outcome names it: the commune operator decides the order (``reorder``). An overfilled slot or an
overlap is reported as a warning but does not stop the insertion (priority content comes first; the operator
may move normal items); an occurrence that is past, or outside the bulletin's validity, is passed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import Priority
from source_server.accounts.service import READ_ROLES, Principal, audit
from source_server.bulletins import service as bulletins
from source_server.bulletins.reach import communes_of
from source_server.bulletins.service import Bulletin
from source_server.bulletins.workflow import Action
from source_server.db import utcnow
from source_server.fleet import service as fleet
from source_server.scheduling import access
from source_server.scheduling.checks import bulletin_problems, check_slot
from source_server.scheduling.exceptions import InvalidInput, NotFound, NotPermitted, PlacementRefused, Problem
from source_server.scheduling.exceptions import SchedulingErrorCode as Code
from source_server.scheduling.models import ScheduleItem, Slot
from source_server.scheduling.plan import DEFAULT_KIND, ItemState, bulletin_of, occurrence_items
from source_server.scheduling.timing import local_day, occurrence, why_not_on

WARNINGS = frozenset({"overfilled", "overlap"})
"""Problems reported but not blocking a priority insertion."""
DAYS_AHEAD = 14
"""How far ahead the next occurrence is looked for."""


@dataclass
class CommuneOutcome:
    """What happened in one targeted commune."""

    commune: str
    status: str
    """inserted | already_placed | no_slot | not_valid"""
    message: str
    item: ScheduleItem | None = None
    slot: Slot | None = None
    day: date | None = None
    start: datetime | None = None
    collides_with: list[ScheduleItem] = field(default_factory=list)
    """The commune's own priority items ahead of it in that occurrence: the commune operator chooses the order."""
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class PriorityInsertion:
    """The outcome in every commune the bulletin targets."""

    bulletin_id: int
    outcomes: list[CommuneOutcome]


def _priority_of(db: Session, item: ScheduleItem) -> tuple[str, str]:
    b = bulletin_of(db, item.bulletin_id)
    return b.priority, b.owner_area


def _insert_into(
    db: Session,
    *,
    principal: Principal,
    bulletin: Bulletin,
    commune: str,
    gap: timedelta,
    now: datetime,
    days_ahead: int,
    source_ip: str | None,
) -> CommuneOutcome:
    programme = access.programme_of(db, area_code=commune)
    if programme is None:
        return CommuneOutcome(commune, "no_slot", "the commune has no programme yet")
    pending = (ItemState.PLANNED.value, ItemState.SENT.value)
    placed = db.scalar(
        select(ScheduleItem).where(
            ScheduleItem.programme_id == programme.id,
            ScheduleItem.bulletin_id == bulletin.id,
            ScheduleItem.state.in_(pending),
        )
    )
    if placed is not None:
        return CommuneOutcome(commune, "already_placed", "already in the commune's programme", item=placed)
    path = fleet.area_path(db, commune)
    slots = list(
        db.scalars(
            select(Slot).where(Slot.programme_id == programme.id, Slot.active.is_(True)).order_by(Slot.start_local)
        )
    )
    today = local_day(now)
    for n in range(days_ahead):
        day = today + timedelta(days=n)
        for slot in slots:
            if why_not_on(slot, day) is not None or occurrence(slot, day)[1] <= now:
                continue
            items = occurrence_items(db, slot_id=slot.id, day=day)
            kinds = [_priority_of(db, i) for i in items]
            pos = max((k + 1 for k, (p, _) in enumerate(kinds) if p == Priority.PRIORITY.value), default=0)
            check = check_slot(
                db,
                bulletin=bulletin,
                area_path=path,
                programme_id=programme.id,
                slot=slot,
                day=day,
                position=pos,
                gap=gap,
                now=now,
            )
            if any(p.code == "after_validity" for p in check.problems):
                return CommuneOutcome(commune, "not_valid", "the bulletin is no longer valid at the next slot")
            if any(p.code not in WARNINGS for p in check.problems):
                continue
            stamp = utcnow()
            item = ScheduleItem(
                programme_id=programme.id,
                bulletin_id=bulletin.id,
                slot_id=slot.id,
                day=day,
                reach=check.reach.to_json(),
                state=ItemState.PLANNED.value,
                created_by=principal.username,
                created_at=stamp,
                updated_at=stamp,
                content_kind=DEFAULT_KIND,
            )
            items.insert(pos, item)
            for k, it in enumerate(items):
                it.position = k
            db.add(item)
            db.flush()
            own = [
                i
                for i, (p, owner) in zip(items[:pos], kinds[:pos], strict=True)
                if p == Priority.PRIORITY.value and owner == commune
            ]
            audit(
                db,
                actor=principal.username,
                action="programme.priority_inserted",
                object_type="schedule_item",
                object_id=str(item.id),
                area_code=commune,
                source_ip=source_ip,
                summary=bulletin.title[:200],
                detail={
                    "bulletin_id": bulletin.id,
                    "slot_id": slot.id,
                    "day": day.isoformat(),
                    "position": pos,
                    "collides_with": [i.id for i in own],
                    "warnings": [p.code for p in check.problems],
                },
            )
            message = "inserted" if not own else "inserted after the commune's own priority item(s): choose the order"
            return CommuneOutcome(commune, "inserted", message, item, slot, day, check.start, own, check.problems)
    return CommuneOutcome(commune, "no_slot", f"no slot of the commune runs in the next {days_ahead} days")


def insert_priority(
    db: Session,
    *,
    principal: Principal,
    bulletin_id: int,
    gap: timedelta,
    now: datetime | None = None,
    days_ahead: int = DAYS_AHEAD,
    source_ip: str | None = None,
) -> PriorityInsertion:
    """Insert a priority bulletin into the next slot occurrence of every commune it targets (its sender's roles)."""
    bulletin = bulletins.find(db, bulletin_id)
    owner_path = fleet.area_path(db, bulletin.owner_area) if bulletin else ()
    if bulletin is None or not principal.can(READ_ROLES, owner_path):
        raise NotFound("bulletin", bulletin_id)
    if not principal.can(access.PROGRAMME_ROLES, owner_path):
        raise NotPermitted("insert a priority bulletin", bulletin.owner_area)
    if bulletin.priority != Priority.PRIORITY.value:
        raise InvalidInput(
            Code.NOT_PRIORITY,
            "bulletin_id",
            "only a priority bulletin is inserted this way; place a normal one in a "
            "slot, and send an emergency at once",
        )
    problems, reach = bulletin_problems(db, bulletin, owner_path, one_command=False)
    if problems:
        raise PlacementRefused(problems)
    now = now or utcnow()
    outcomes = [
        _insert_into(
            db,
            principal=principal,
            bulletin=bulletin,
            commune=c,
            gap=gap,
            now=now,
            days_ahead=days_ahead,
            source_ip=source_ip,
        )
        for c in communes_of(db, reach)
    ]
    if any(o.status == "inserted" for o in outcomes):
        bulletins.mark(db, bulletin=bulletin, action=Action.SCHEDULE, actor=principal.username)
    return PriorityInsertion(bulletin.id, outcomes)
