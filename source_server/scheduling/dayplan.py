"""The computed plan of one local day of an area's programme, for the programme page and the API (reads only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.accounts.service import Principal
from source_server.bulletins.reach import Reach
from source_server.scheduling import access
from source_server.scheduling.models import Slot
from source_server.scheduling.plan import ItemState, Timed, timed_items
from source_server.scheduling.timing import occurrence, why_not_on


@dataclass
class PlanSlot:
    """One slot on one day: whether it runs, its window, its items with their times, how full it is."""

    slot: Slot
    start: datetime
    end: datetime
    why_not: str | None
    items: list[Timed] = field(default_factory=list)

    @property
    def filled_s(self) -> float:
        """Seconds from the slot's start to the end of its last item."""
        return max(0.0, (self.items[-1].end - self.start).total_seconds()) if self.items else 0.0

    @property
    def over_s(self) -> float:
        """Seconds its items run past the slot's end (0 when they fit)."""
        return max(0.0, self.filled_s - self.slot.duration_s)


@dataclass
class DayPlan:
    """A local day of one area's programme, and the items of the province's programme that reach it."""

    area_code: str
    day: date
    slots: list[PlanSlot]
    one_off: list[Timed]
    inherited: list[Timed]
    cancelled: list[Timed]


def day_plan(db: Session, *, principal: Principal, area_code: str, day: date, gap: timedelta) -> DayPlan:
    """The computed plan of local ``day``: each item's start is its slot's start plus the items before it and gaps."""
    ref = access.area(db, principal=principal, area_code=area_code)
    programme = access.programme_of(db, area_code=ref.code)
    slots: list[PlanSlot] = []
    one_off: list[Timed] = []
    cancelled: list[Timed] = []
    if programme is not None:
        states = [s.value for s in ItemState]
        timed = timed_items(db, days=[day], gap=gap, programme_ids=[programme.id], states=states)
        for slot in db.scalars(select(Slot).where(Slot.programme_id == programme.id).order_by(Slot.start_local)):
            mine = [t for t in timed if t.item.slot_id == slot.id and t.item.state != ItemState.CANCELLED.value]
            why = why_not_on(slot, day)
            if slot.active or mine:
                slots.append(PlanSlot(slot, *occurrence(slot, day), why, mine))
        one_off = [t for t in timed if t.item.slot_id is None and t.item.state != ItemState.CANCELLED.value]
        cancelled = [t for t in timed if t.item.state == ItemState.CANCELLED.value]
    inherited: list[Timed] = []
    above = [p.id for p in (access.programme_of(db, area_code=c) for c in ref.path[:-1]) if p is not None]
    if above:
        here = Reach((ref.path,))
        inherited = [t for t in timed_items(db, days=[day], gap=gap, programme_ids=above) if t.reach.intersects(here)]
    return DayPlan(ref.code, day, slots, one_off, inherited, cancelled)
