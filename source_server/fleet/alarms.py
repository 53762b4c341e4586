"""Presence alarms: ``flapping`` (too many disconnects in a window), ``offline`` (gone too long) and ``takeover``
(a burst of new sessions that each displaced a connection still believed live: someone else using the device's
credentials, issue 9).

A new live session is a *takeover* when the previous one was not seen to end (the device was online or stale: no
Will or offline state came first), or when its end (a Will) arrived at most ``takeover_gap_s`` before: a broker
publishes the old connection's Will at the very moment another client takes the client id over, and the device
that was kicked off comes back within its first backoff step. One takeover is ordinary (a device reconnecting
over its own half-open connection looks the same); ``takeover_threshold`` of them within ``takeover_window_s``
is a security alarm. It is not flapping: a flaky link is seen to drop (Will after the keepalive) and comes back
later; a takeover fight shows sessions replacing live ones, even when too few to count as flapping.
Every device reconnects after a broker restart, whose Wills the server discards: the first new session of each
device within ``takeover_link_grace_s`` of the server's own broker link coming back is not counted.

Rules: at most one open alarm per device and kind; an alarm opens when its condition starts and
clears itself (``cleared_at``) when the condition ends; acknowledging (who, when, comment) does not
clear it. The tracker owns the in-memory :class:`AlarmBook`; the API uses the service functions.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from source_server.accounts.service import audit
from source_server.db import utcnow
from source_server.fleet.models import Alarm, Device

log = logging.getLogger(__name__)

FLAPPING = "flapping"
OFFLINE = "offline"
TAKEOVER = "takeover"
DOWN_STATUSES = frozenset({"offline", "stale"})

AlarmSink = Callable[[str, str, str, datetime, str], None]
"""Called with (``open`` | ``clear``, device_id, kind, at, detail)."""


class AlarmBook:
    """Open alarms and recent disconnects in memory; decisions are handed to ``sink`` to be written."""

    def __init__(
        self,
        *,
        window_s: float,
        threshold: int,
        offline_after_s: float,
        sink: AlarmSink,
        takeover_window_s: float = 600,
        takeover_threshold: int = 3,
        takeover_gap_s: float = 5,
        takeover_link_grace_s: float = 120,
    ) -> None:
        self.window = timedelta(seconds=window_s)
        self.threshold = threshold
        self.offline_after = timedelta(seconds=offline_after_s)
        self.takeover_window = timedelta(seconds=takeover_window_s)
        self.takeover_threshold = takeover_threshold
        self.takeover_gap = timedelta(seconds=takeover_gap_s)
        self.takeover_link_grace = timedelta(seconds=takeover_link_grace_s)
        self._link_up_at: datetime | None = None
        self._back_since_link: set[str] = set()
        self.sink = sink
        self.open: set[tuple[str, str]] = set()
        self.disconnects: dict[str, deque[datetime]] = {}
        self.takeovers: dict[str, deque[datetime]] = {}
        self._restored_takeovers: set[str] = set()

    def load(self, open_alarms: Iterable[tuple[str, str]], disconnects: Iterable[tuple[str, datetime]]) -> None:
        """Restore state after a restart (an open ``takeover`` alarm stays open one more window)."""
        self.open = set(open_alarms)
        for device_id, at in disconnects:
            self.disconnects.setdefault(device_id, deque()).append(at)
        self._restored_takeovers = {d for d, kind in self.open if kind == TAKEOVER}

    def forget(self, device_id: str) -> None:
        """Drop everything about a deleted device (its rows go with it)."""
        self.disconnects.pop(device_id, None)
        self.takeovers.pop(device_id, None)
        self._restored_takeovers.discard(device_id)
        self._back_since_link.discard(device_id)
        self.open = {k for k in self.open if k[0] != device_id}

    def _recent(self, device_id: str, now: datetime) -> int:
        return _count_recent(self.disconnects, device_id, now - self.window)

    def _recent_takeovers(self, device_id: str, now: datetime) -> int:
        if device_id in self._restored_takeovers:
            self._restored_takeovers.discard(device_id)
            self.takeovers.setdefault(device_id, deque()).extend([now] * self.takeover_threshold)
        return _count_recent(self.takeovers, device_id, now - self.takeover_window)

    def _set(self, device_id: str, kind: str, active: bool, now: datetime, detail: str) -> None:
        key = (device_id, kind)
        if active and key not in self.open:
            self.open.add(key)
            self.sink("open", device_id, kind, now, detail)
        elif not active and key in self.open:
            self.open.discard(key)
            self.sink("clear", device_id, kind, now, "")

    def note_disconnect(self, device_id: str, at: datetime) -> None:
        """Count one disconnect; open ``flapping`` when the window holds more than the threshold."""
        self.disconnects.setdefault(device_id, deque()).append(at)
        n = self._recent(device_id, at)
        if n > self.threshold:
            self._set(device_id, FLAPPING, True, at, f"{n} disconnects within {self.window.total_seconds():.0f} s")

    def note_broker_link(self, up: bool, at: datetime) -> None:
        """The server's own broker link came up (or went down): devices reconnecting now are no takeover."""
        if up:
            self._link_up_at = at
            self._back_since_link = set()

    def note_session(self, device_id: str, at: datetime, *, status: str, since: datetime | None) -> None:
        """A new live session began at ``at`` while the device was ``status`` (since ``since``); count it as a
        takeover when the previous session was not seen to end, or ended just before, and open the alarm on a burst."""
        if status == "never_seen" or (status == "offline" and since is not None and at - since > self.takeover_gap):
            return
        just_back = self._link_up_at is not None and at - self._link_up_at <= self.takeover_link_grace
        if just_back and device_id not in self._back_since_link:
            self._back_since_link.add(device_id)  # its reconnect after our (or the broker's) outage
            return
        self.takeovers.setdefault(device_id, deque()).append(at)
        n = self._recent_takeovers(device_id, at)
        if n >= self.takeover_threshold and (device_id, TAKEOVER) not in self.open:
            window = self.takeover_window.total_seconds()
            log.warning("device %s: %d session takeovers within %.0f s: is someone using its credentials?", device_id,
                        n, window)  # fmt: skip
            self._set(device_id, TAKEOVER, True, at, f"{n} session takeovers within {window:.0f} s")

    def check(self, device_id: str, status: str, since: datetime | None, now: datetime) -> None:
        """Re-evaluate the conditions of one device at ``now``."""
        if (device_id, FLAPPING) in self.open and self._recent(device_id, now) <= self.threshold:
            self._set(device_id, FLAPPING, False, now, "")
        if (device_id, TAKEOVER) in self.open and self._recent_takeovers(device_id, now) < self.takeover_threshold:
            self._set(device_id, TAKEOVER, False, now, "")
        down = status in DOWN_STATUSES and since is not None and now - since >= self.offline_after
        if down or (device_id, OFFLINE) in self.open:
            self._set(device_id, OFFLINE, down, now, f"{status} since {since.isoformat() if since else '?'}")


def _count_recent(times_by_device: dict[str, deque[datetime]], device_id: str, since: datetime) -> int:
    """How many of a device's times are at or after ``since`` (older ones are dropped, an empty entry removed)."""
    times = times_by_device.get(device_id)
    if not times:
        return 0
    while times and times[0] < since:
        times.popleft()
    if not times:
        del times_by_device[device_id]
        return 0
    return len(times)


def _scoped(q: Select[tuple[Alarm]], areas: set[str]) -> Select[tuple[Alarm]]:
    return q.join(Device, Device.id == Alarm.device_id).where(
        Device.province_code.in_(areas) | Device.commune_code.in_(areas) | Device.village_code.in_(areas)
    )


def list_alarms(
    db: Session,
    *,
    areas: set[str],
    open_only: bool | None = None,
    kind: str | None = None,
    device_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Alarm]:
    """Alarms of devices inside ``areas``, newest first."""
    q = _scoped(select(Alarm), areas)
    if open_only is True:
        q = q.where(Alarm.cleared_at.is_(None))
    elif open_only is False:
        q = q.where(Alarm.cleared_at.is_not(None))
    if kind:
        q = q.where(Alarm.kind == kind)
    if device_id:
        q = q.where(Alarm.device_id == device_id)
    return list(db.scalars(q.order_by(Alarm.opened_at.desc(), Alarm.id.desc()).limit(limit).offset(offset)))


class AlarmAlreadyAcked(ValueError):
    """The alarm was acknowledged before; the first acknowledgement stands."""


def ack_alarm(
    db: Session, *, alarm: Alarm, actor: str, comment: str, area_code: str | None = None, source_ip: str | None = None
) -> Alarm:
    """Acknowledge ``alarm`` (it stays open until its condition ends) and audit it."""
    if alarm.acked_at is not None:
        raise AlarmAlreadyAcked(
            f"alarm {alarm.id} was acknowledged by {alarm.acked_by} at {alarm.acked_at:%Y-%m-%d %H:%M}"
        )
    alarm.acked_at = utcnow()
    alarm.acked_by = actor
    alarm.comment = comment
    audit(
        db,
        actor=actor,
        action="alarm.ack",
        object_type="alarm",
        object_id=str(alarm.id),
        area_code=area_code,
        source_ip=source_ip,
        summary=f"{alarm.kind} alarm of {alarm.device_id} acknowledged",
        detail={"comment": comment},
    )
    db.flush()
    return alarm
