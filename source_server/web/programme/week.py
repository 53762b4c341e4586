"""The week of an area's programme as the page shows it, built from the service's day plans (reads only).

Each day lists its slot occurrences and one-off items in time order; each occurrence its items with their
computed start, length and priority, how full it is, whether it runs, and whether its order may still change.
A priority bulletin inserted from above next to the area's own priority item is reported as a collision: the
commune operator decides the order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from protocols import Priority
from source_server.accounts.service import Principal
from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling import service
from source_server.scheduling.dayplan import PlanSlot
from source_server.scheduling.plan import ItemState, Timed
from source_server.web.programme import text as txt


@dataclass
class ItemView:
    """One placed item."""

    id: int
    bulletin_id: int
    title: str
    priority: str
    from_above: bool
    start: str
    start_at: datetime
    length: str
    state: str
    removable: bool


@dataclass
class OccurrenceView:
    """One slot on one day."""

    slot_id: int
    label: str
    day: date
    start: str
    end: str
    start_at: datetime
    runs: bool
    why_not: str
    begun: bool
    past: bool
    items: list[ItemView]
    used: str
    total: str
    over_s: int
    fill_pct: int

    @property
    def anchor(self) -> str:
        """The element id of the occurrence on the page."""
        return f"occ-{self.slot_id}-{self.day.isoformat()}"


@dataclass
class Entry:
    """A line of a day: an occurrence or a one-off item, at its start."""

    at: datetime
    occurrence: OccurrenceView | None = None
    once: ItemView | None = None


@dataclass
class DayView:
    """One day of the week."""

    day: date
    name: str
    date_text: str
    today: bool
    entries: list[Entry] = field(default_factory=list)
    inherited: list[ItemView] = field(default_factory=list)

    @property
    def runs_any(self) -> bool:
        """True when some slot runs or some item plays that day."""
        return any(e.once or (e.occurrence and (e.occurrence.runs or e.occurrence.items)) for e in self.entries)


@dataclass(frozen=True)
class Collision:
    """A priority bulletin from above placed next to the area's own priority item in one occurrence."""

    title: str
    slot: str
    day: date
    own: str
    anchor: str


def _played(t: Timed, now: datetime) -> bool:
    item = t.item
    if item.state == ItemState.DONE.value:
        return True
    return item.sent_start is not None and item.sent_start + timedelta(milliseconds=item.sent_duration_ms or 0) <= now


def item_view(t: Timed, area_code: str, now: datetime) -> ItemView:
    """A timed item as shown."""
    b = t.bulletin
    return ItemView(
        id=t.item.id,
        bulletin_id=b.id,
        title=b.title,
        priority=b.priority,
        from_above=b.owner_area != area_code,
        start=txt.clock(t.start),
        start_at=t.start,
        length=txt.length(t.duration_ms),
        state=t.item.state,
        removable=not _played(t, now),
    )


def occurrence_view(ps: PlanSlot, area_code: str, now: datetime, lang: str) -> OccurrenceView:
    """A slot occurrence as shown."""
    day = ps.start.astimezone(LOCAL_TZ).date()
    return OccurrenceView(
        slot_id=ps.slot.id,
        label=ps.slot.label,
        day=day,
        start=txt.clock(ps.start, seconds=False),
        end=txt.clock(ps.end, seconds=False),
        start_at=ps.start,
        runs=ps.why_not is None,
        why_not=txt.why_not(ps.why_not, lang) if ps.why_not else "",
        begun=ps.start <= now,
        past=ps.end <= now,
        items=[item_view(t, area_code, now) for t in ps.items],
        used=txt.minutes(ps.filled_s, lang),
        total=txt.minutes(ps.slot.duration_s, lang),
        over_s=math.ceil(ps.over_s),
        fill_pct=min(100, round(100 * ps.filled_s / ps.slot.duration_s)) if ps.slot.duration_s else 0,
    )


def collisions(ps: PlanSlot, area_code: str, now: datetime) -> list[Collision]:
    """Priority items from above next to the area's own priority items, while the order may still change."""
    if ps.start <= now:
        return []
    prio = [t for t in ps.items if t.bulletin.priority == Priority.PRIORITY.value]
    own = [t for t in prio if t.bulletin.owner_area == area_code]
    day = ps.start.astimezone(LOCAL_TZ).date()
    anchor = f"occ-{ps.slot.id}-{day.isoformat()}"
    return [
        Collision(t.bulletin.title, ps.slot.label, day, own[0].bulletin.title, anchor)
        for t in prio
        if own and t.bulletin.owner_area != area_code
    ]


def week(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    monday: date,
    gap: timedelta,
    now: datetime,
    today: date,
    lang: str,
) -> tuple[list[DayView], list[Collision]]:
    """The seven days from ``monday`` and the priority collisions among them."""
    days: list[DayView] = []
    found: list[Collision] = []
    for n in range(7):
        day = monday + timedelta(days=n)
        plan = service.day_plan(db, principal=principal, area_code=area_code, day=day, gap=gap)
        view = DayView(day, txt.weekday(day, lang), txt.dmy(day), day == today)
        for ps in plan.slots:
            view.entries.append(Entry(ps.start, occurrence=occurrence_view(ps, area_code, now, lang)))
            found += collisions(ps, area_code, now)
        view.entries += [Entry(t.start, once=item_view(t, area_code, now)) for t in plan.one_off]
        view.entries.sort(key=lambda e: e.at)
        view.inherited = [item_view(t, area_code, now) for t in plan.inherited]
        days.append(view)
    return days, found
