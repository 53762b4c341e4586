"""Time rules of the programme (no I/O): local slot times to UTC, the days a slot runs, items laid end to end.

Slots are defined in Asia/Ho_Chi_Minh local time (UTC+7 all year: Vietnam has no daylight saving); everything
stored and sent is UTC. An occurrence belongs to the local day it starts on, also when that is the previous
UTC day (06:00 local on the 10th is 23:00 UTC on the 9th).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from source_server.fleet.uptime import LOCAL_TZ


class SlotLike(Protocol):
    """What the rules read of a slot."""

    start_local: time
    duration_s: int
    weekdays: list[int]
    first_day: date | None
    last_day: date | None
    skip_dates: list[str]
    active: bool


def to_utc(day: date, at: time) -> datetime:
    """The UTC instant of local ``day`` at local time ``at``."""
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=LOCAL_TZ).astimezone(UTC)


def local_day(at: datetime) -> date:
    """The local date of a UTC instant."""
    return at.astimezone(LOCAL_TZ).date()


def local_time(at: datetime) -> time:
    """The local wall-clock time of a UTC instant."""
    return at.astimezone(LOCAL_TZ).time()


def why_not_on(slot: SlotLike, day: date) -> str | None:
    """None when the slot runs on local ``day``; else the reason (weekday, before_first_day, …, skipped)."""
    if not slot.active:
        return "deleted"
    if day.isoweekday() not in slot.weekdays:
        return "weekday"
    if slot.first_day is not None and day < slot.first_day:
        return "before_first_day"
    if slot.last_day is not None and day > slot.last_day:
        return "after_last_day"
    if day.isoformat() in slot.skip_dates:
        return "skipped"
    return None


def occurrence(slot: SlotLike, day: date) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the slot's occurrence on local ``day``."""
    start = to_utc(day, slot.start_local)
    return start, start + timedelta(seconds=slot.duration_s)


def days_running(slot: SlotLike, first: date, count: int) -> Iterator[date]:
    """The local days from ``first`` (inclusive, ``count`` days scanned) on which the slot runs."""
    for n in range(count):
        day = first + timedelta(days=n)
        if why_not_on(slot, day) is None:
            yield day


def lay_out(start: datetime, durations_ms: Sequence[int | None], gap: timedelta) -> list[tuple[datetime, datetime]]:
    """Start and end of items played one after another from ``start`` with ``gap`` between (unknown length: 0)."""
    out: list[tuple[datetime, datetime]] = []
    at = start
    for ms in durations_ms:
        end = at + timedelta(milliseconds=ms or 0)
        out.append((at, end))
        at = end + gap
    return out


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    """True when two half-open intervals share time."""
    return a[0] < b[1] and b[0] < a[1]
