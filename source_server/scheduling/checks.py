"""Placement rules: every problem of a placement, found before anything is saved (reads only).

A slot placement is checked in the occurrence as it would be: the items after the new one move later, so they
are checked too. Rules: the bulletin is approved (or already scheduled / on air), not an emergency, has the
rendition the item plays (audio for loudspeakers; else its length is unknown), targets something in the
programme's area; the slot runs that day (weekday, date
range, skip dates); the item does not start in the past; the slot is not overfilled; no item overlaps an item
of another occurrence or a one-off item on the same devices; every item lies inside its bulletin's validity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from protocols import Capability, Priority
from source_server.bulletins.reach import Path, Reach, bulletin_reach, too_wide
from source_server.bulletins.service import Bulletin
from source_server.bulletins.workflow import State
from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling.exceptions import Problem
from source_server.scheduling.models import ScheduleItem, Slot
from source_server.scheduling.plan import (
    DEFAULT_KIND,
    Timed,
    length,
    occurrence_items,
    played,
    related_programmes,
    time_occurrence,
)
from source_server.scheduling.plan import timed_items as load_timed
from source_server.scheduling.timing import occurrence, overlaps, why_not_on

PLAYABLE = frozenset({State.APPROVED.value, State.SCHEDULED.value, State.ON_AIR.value})
"""Bulletin states whose items may be placed and sent."""
WHY_NOT = {
    "deleted": "the slot was deleted",
    "weekday": "not on that weekday",
    "before_first_day": "before the slot's first day",
    "after_last_day": "after the slot's last day",
    "skipped": "a skipped date",
}


def local(at: datetime) -> str:
    """A UTC instant as Vietnamese local wall-clock text."""
    return at.astimezone(LOCAL_TZ).strftime("%H:%M:%S %d/%m/%Y")


@dataclass
class Check:
    """The outcome of a check: the problems, and where the item would be."""

    problems: list[Problem] = field(default_factory=list)
    reach: Reach = field(default_factory=Reach)
    start: datetime | None = None
    end: datetime | None = None
    position: int | None = None


def bulletin_problems(
    db: Session, bulletin: Bulletin, area_path: Path, *, one_command: bool = True, kind: str = DEFAULT_KIND
) -> tuple[list[Problem], Reach]:
    """What makes a bulletin unplaceable in the programme of ``area_path`` whatever the time (``one_command``:
    its reach there must fit one command; ``kind``: the rendition the item would play)."""
    out: list[Problem] = []
    if bulletin.state not in PLAYABLE:
        out.append(
            Problem(
                "not_approved",
                "bulletin_id",
                f"bulletin {bulletin.id} is {bulletin.state}; only an approved bulletin can be placed",
                {"state": bulletin.state},
            )
        )
    if bulletin.priority == Priority.EMERGENCY.value:
        out.append(
            Problem("emergency", "bulletin_id", "an emergency bulletin is sent at once, not placed in a programme")
        )
    rendition = bulletin.rendition(kind)
    if rendition is None and kind == Capability.AUDIO.value:
        out.append(
            Problem(
                "no_audio",
                "bulletin_id",
                "the bulletin has no audio yet, so its length is unknown: add a recording, a file or "
                "synthesised speech first",
            )
        )
    elif rendition is None or rendition.duration_ms is None:
        out.append(
            Problem(
                "no_rendition",
                "bulletin_id",
                f"the bulletin has no {kind} rendition with a known length yet: add one first",
                {"kind": kind},
            )
        )
    reach = bulletin_reach(db, bulletin).clip(area_path)
    if reach.empty:
        out.append(Problem("outside_area", "bulletin_id", f"the bulletin's target is not in area {area_path[-1]}"))
    elif one_command and (count := too_wide(db, reach)) is not None:
        out.append(
            Problem(
                "target_too_wide",
                "bulletin_id",
                f"it reaches {count} devices in several areas; target one area or place it in each commune's programme",
                {"devices": count},
            )
        )
    return out, reach


def timing_problems(
    db: Session,
    *,
    mine: Sequence[Timed],
    area_path: Path,
    field_name: str,
    gap: timedelta,
    exclude: tuple[int, date] | None,
) -> list[Problem]:
    """Validity and overlap problems of ``mine`` (timed items as they would be)."""
    out: list[Problem] = []
    for t in mine:
        b = t.bulletin
        if b.valid_from is not None and t.start < b.valid_from:
            out.append(
                Problem(
                    "before_validity",
                    field_name,
                    f"“{b.title}” is valid from {local(b.valid_from)}; it would start at {local(t.start)}",
                    {"bulletin_id": b.id, "valid_from": b.valid_from.isoformat()},
                )
            )
        if b.valid_until is not None and t.end > b.valid_until:
            out.append(
                Problem(
                    "after_validity",
                    field_name,
                    f"“{b.title}” is valid until {local(b.valid_until)}; it would end at {local(t.end)}",
                    {"bulletin_id": b.id, "valid_until": b.valid_until.isoformat()},
                )
            )
    days = {d for t in mine for d in (t.start.astimezone(LOCAL_TZ).date(), t.end.astimezone(LOCAL_TZ).date())}
    days |= {d + timedelta(days=k) for d in list(days) for k in (-1, 1)}
    programmes = [p.id for p in related_programmes(db, area_path)]
    mine_ids = {t.item.id for t in mine if t.item.id is not None}
    others = [
        o
        for o in load_timed(db, days=days, gap=gap, programme_ids=programmes)
        if o.item.id not in mine_ids and (exclude is None or (o.item.slot_id, o.item.day) != exclude)
    ]
    seen: set[int] = set()
    for t in mine:
        for o in others:
            if o.item.id in seen or not overlaps((t.start, t.end), (o.start, o.end)):
                continue
            if t.reach.intersects(o.reach):
                seen.add(o.item.id)
                out.append(
                    Problem(
                        "overlap",
                        field_name,
                        f"“{t.bulletin.title}” ({local(t.start)}) would overlap “{o.bulletin.title}” "
                        f"({local(o.start)}–{o.end.astimezone(LOCAL_TZ):%H:%M:%S}) on the same devices",
                        {"item_id": o.item.id, "start": o.start.isoformat(), "end": o.end.isoformat()},
                    )
                )
    return out


def check_slot(
    db: Session,
    *,
    bulletin: Bulletin,
    area_path: Path,
    programme_id: int | None,
    slot: Slot,
    day: date,
    position: int | None,
    gap: timedelta,
    now: datetime,
    kind: str = DEFAULT_KIND,
) -> Check:
    """Every problem of placing ``bulletin``'s ``kind`` rendition in ``slot`` on local ``day`` at ``position``
    (None: last)."""
    problems, reach = bulletin_problems(db, bulletin, area_path, kind=kind)
    why = why_not_on(slot, day)
    if why is not None:
        problems.append(
            Problem(
                "no_slot", "day", f"slot “{slot.label}” does not run on {day:%d/%m/%Y}: {WHY_NOT[why]}", {"reason": why}
            )
        )
    items = occurrence_items(db, slot_id=slot.id, day=day)
    if any(i.bulletin_id == bulletin.id for i in items):
        problems.append(
            Problem("already_placed", "bulletin_id", f"“{bulletin.title}” is already in this slot that day")
        )
    pos = len(items) if position is None else min(max(position, 0), len(items))
    new = ScheduleItem(
        bulletin_id=bulletin.id,
        content_kind=kind,
        programme_id=programme_id or 0,
        slot_id=slot.id,
        day=day,
        reach=reach.to_json(),
        state="planned",
    )
    timed = time_occurrence(db, slot, day, [*items[:pos], new, *items[pos:]], gap)
    me = timed[pos]
    if me.start < now:
        problems.append(
            Problem(
                "past",
                "day",
                f"it would start at {local(me.start)}, which is already past",
                {"start": me.start.isoformat()},
            )
        )
    _, slot_end = occurrence(slot, day)
    over = (timed[-1].end - slot_end).total_seconds()
    if over > 0:
        problems.append(
            Problem(
                "overfilled",
                "slot_id",
                f"slot “{slot.label}” of {day:%d/%m/%Y} would be overfilled by {math.ceil(over)} s",
                {"over_s": math.ceil(over), "length_s": slot.duration_s},
            )
        )
    problems += timing_problems(
        db, mine=timed[pos:], area_path=area_path, field_name="day", gap=gap, exclude=(slot.id, day)
    )
    return Check(problems, reach, me.start, me.end, pos)


def check_at(
    db: Session,
    *,
    bulletin: Bulletin,
    area_path: Path,
    programme_id: int | None,
    at: datetime,
    gap: timedelta,
    now: datetime,
    kind: str = DEFAULT_KIND,
) -> Check:
    """Every problem of a one-off item of ``bulletin``'s ``kind`` rendition starting at ``at`` (UTC)."""
    problems, reach = bulletin_problems(db, bulletin, area_path, kind=kind)
    rendition, media = played(db, bulletin, kind)
    end = at + length(rendition)
    if at < now:
        problems.append(Problem("past", "at", f"{local(at)} is already past", {"start": at.isoformat()}))
    new = ScheduleItem(
        bulletin_id=bulletin.id,
        content_kind=kind,
        programme_id=programme_id or 0,
        day=at.astimezone(LOCAL_TZ).date(),
        at=at,
        reach=reach.to_json(),
        state="planned",
    )
    me = Timed(new, bulletin, rendition, media, at, end)
    problems += timing_problems(db, mine=[me], area_path=area_path, field_name="at", gap=gap, exclude=None)
    return Check(problems, reach, at, end, None)
