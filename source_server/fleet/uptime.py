"""Uptime per device per local day (Asia/Ho_Chi_Minh, UTC+7 all year: Vietnam has no daylight saving).

Computed from the ``device_events`` history: ``connected`` and ``came_back`` start online time,
``disconnected`` and ``went_stale`` end it (stale counts as not online: we cannot vouch for it). ``reconnecting``
(after the server's own broker outage) changes nothing: a device that does not come back within its window gets a
``disconnected`` dated when the window began, so the window counts as down only for devices that stayed away.
The current day counts only its elapsed part; a day before the first event counts as 0.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.db import utcnow
from source_server.fleet.models import DeviceEvent

LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
ONLINE_EVENTS = frozenset({"connected", "came_back"})
DOWN_EVENTS = frozenset({"disconnected", "went_stale"})
MAX_DAYS = 366


def local_today(now: datetime | None = None) -> date:
    """Today's date in Vietnam."""
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def _online_intervals(db: Session, device_id: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    before = db.scalar(
        select(DeviceEvent.kind)
        .where(DeviceEvent.device_id == device_id, DeviceEvent.at < start)
        .where(DeviceEvent.kind.in_(ONLINE_EVENTS | DOWN_EVENTS))  # not a security event (refused_copy)
        .order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc())
        .limit(1)
    )
    rows = db.execute(
        select(DeviceEvent.at, DeviceEvent.kind)
        .where(DeviceEvent.device_id == device_id, DeviceEvent.at >= start, DeviceEvent.at < end)
        .order_by(DeviceEvent.at, DeviceEvent.id)
    ).all()
    intervals: list[tuple[datetime, datetime]] = []
    up_since: datetime | None = start if before in ONLINE_EVENTS else None
    for at, kind in rows:
        if kind in ONLINE_EVENTS and up_since is None:
            up_since = at
        elif kind in DOWN_EVENTS and up_since is not None:
            intervals.append((up_since, at))
            up_since = None
    if up_since is not None:
        intervals.append((up_since, end))
    return intervals


def uptime(
    db: Session, *, device_id: str, days: int, today: date, now: datetime | None = None
) -> list[tuple[date, float]]:
    """Fraction of each of the ``days`` local days ending ``today`` the device was online, oldest first."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    now = now or utcnow()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), LOCAL_TZ)
    end = min(datetime.combine(today + timedelta(days=1), time(), LOCAL_TZ), max(now, start))
    intervals = _online_intervals(db, device_id, start, end)
    result: list[tuple[date, float]] = []
    for i in range(days):
        day = first + timedelta(days=i)
        d0 = datetime.combine(day, time(), LOCAL_TZ)
        d1 = min(d0 + timedelta(days=1), now)
        span = (d1 - d0).total_seconds()
        if span <= 0:
            result.append((day, 0.0))
            continue
        up = sum(max(0.0, (min(b, d1) - max(a, d0)).total_seconds()) for a, b in intervals)
        result.append((day, round(up / span, 6)))
    return result
