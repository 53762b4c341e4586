"""The presence state machine: every observation, from any source, moves a device's status by the rules here.

Statuses: ``never_seen``, ``online``, ``stale``, ``reconnecting``, ``offline``. Every observation enters through
:meth:`PresenceRules.observe` with the *source* that made it (:mod:`source_server.fleet.presence_sources`); the
broker's messages come through the thin MQTT adapters of :class:`source_server.fleet.presence.PresenceTracker`. No
I/O here: changes go to the journal (:mod:`source_server.fleet.presence_journal`), fences to the sender. Rules:

1. Session counter. Every state message carries the device's connection ``session``. A message whose
   session is LOWER than the known one is ignored and counted (``stale_session``): a late Will of an
   old connection never marks a reconnected device offline. ``online: true`` with session ≥ known →
   online; ``online: false`` with session ≥ known → offline, by rule 3. Retained messages are old news:
   they move the status but never ``last_seen``. A session beyond Unix time in ms + 1 day is refused
   outright (:mod:`source_server.fleet.session_guard`). Only a source that numbers connections has sessions.
2. Heartbeats. Telemetry and acks refresh ``last_seen``. A telemetry with a higher session means we
   missed the online message: online with that session. Telemetry of the session a Will already
   closed does not resurrect the device. An online device silent on its source for longer than that source's
   timeout (``inactivity_timeout_s`` for the broker) becomes ``stale``; any message brings it back
   (``came_back``). This also catches a device whose broker never drops it (a half-open link under a huge keepalive).
3. The fence (:mod:`source_server.fleet.presence_fence`): no timing decides an offline from the broker. A live
   Will is held until a fence sent after it has come back through the broker. Ordering assumption (documented in
   PROTOCOL.md §3): the broker delivers to one subscriber in the order it processed the publishes (Mosquitto does;
   MQTT only promises it per topic). The event keeps the time the Will arrived. Another source's offline applies
   at once.
4. Our own outages do not count, per source. While the server cannot hear a source, the devices whose status
   hangs on it are frozen: no staleness, no alarms, no window runs out (the API shows ``unverified``, see
   ``presence_queries``); devices of other sources go on. On the broker's return every device gets a fresh inactivity
   window and the reconnect storm rule holds (:mod:`source_server.fleet.presence_storm`). ``reconnecting`` opens no
   alarm and counts no disconnect.
5. Restart. The presence table is loaded at start as it was; the first connection is rule 4's return.
6. Known devices only: the ``devices`` table is loaded at start and re-read when its fingerprint
   (count, latest update) changes, checked every ``DEVICE_REFRESH_S``; a deleted device is forgotten.
7. Every status change becomes a ``DeviceEvent`` (connected, disconnected, went_stale, came_back,
   reconnecting, with the commune of that moment and the session), a hub event, and a call to the online
   listeners when the device comes online (to the offline listeners when it is finally marked offline,
   never for a held Will the fence discards). ``metrics.DEVICES`` is recomputed from memory when
   something changed (``unverified`` for online, stale and reconnecting while their source is away).
   A sign of life that changes only ``last_seen`` rewrites the stored row at most every ``last_seen_write_s``
   (:mod:`source_server.fleet.presence_journal`).
8. Alarms (:mod:`source_server.fleet.alarms`): ``flapping``, ``offline`` and ``takeover`` (every new live
   session is reported with the status it replaced), opened and cleared here.
9. A device heard on several sources hangs on one at a time (``source``); another source takes it over only when
   the current one no longer vouches for it, and an offline from one source is not applied while another vouches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from source_server.config import Settings
from source_server.db import utcnow
from source_server.fleet.alarms import AlarmBook
from source_server.fleet.presence_fence import FenceBook
from source_server.fleet.presence_journal import PresenceJournal
from source_server.fleet.presence_sources import Sources
from source_server.fleet.presence_state import MQTT, Entry
from source_server.fleet.presence_storm import ReconnectStorm
from source_server.fleet.session_guard import SessionGuard
from source_server.metrics import MQTT_REJECTED, PRESENCE_RECONNECT_EXPIRED

log = logging.getLogger(__name__)


class PresenceRules:
    """Presence in memory: the devices, their sources, the fence and the storm; observations move it."""

    def __init__(self, *, settings: Settings, journal: PresenceJournal) -> None:
        self.settings = settings
        self.journal = journal
        self.timeout = timedelta(seconds=settings.inactivity_timeout_s)
        self.alarms = AlarmBook(
            window_s=settings.flapping_window_s,
            threshold=settings.flapping_threshold,
            offline_after_s=settings.offline_alarm_after_s,
            sink=self._alarm,
            takeover_window_s=settings.takeover_window_s,
            takeover_threshold=settings.takeover_threshold,
            takeover_gap_s=settings.takeover_gap_s,
        )
        self.session_guard = SessionGuard()
        self.sources = Sources(mqtt_timeout=self.timeout, now=utcnow())
        self.fence = FenceBook()
        self.storm = ReconnectStorm(window_s=settings.reconnect_window_s)
        self._entries: dict[str, Entry] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._offline_listeners: list[Callable[[str, datetime, datetime | None], None]] = []

    @property
    def broker_up(self) -> bool:
        """True while the server is connected to the broker (its devices are frozen otherwise)."""
        return self.sources.is_up(MQTT)

    # --- ingestion: the source-neutral entry point -----------------------------------------------

    def observe(
        self,
        device_id: str,
        online: bool,
        at: datetime,
        source: str = MQTT,
        *,
        session: int | None = None,
        retained: bool = False,
        heartbeat: bool = False,
        began: datetime | None = None,
        firmware: str | None = None,
        volume: int | None = None,
        telemetry: dict[str, Any] | None = None,
    ) -> bool:
        """One observation of a device by ``source``, received at ``at``; False if refused or the device is unknown.

        ``online=True``: the source says the device is connected; with ``heartbeat=True`` it is a sign of life within
        a connection (telemetry with its ``session``; without one, like an ack, it revives only a stale or
        reconnecting device). ``online=False``: the source says the device left. ``session``: the device's connection
        counter, for a source that has one. ``retained``: old news (moves the status, never ``last_seen``).
        ``began``: when the connection began, as a retained online state says. The rest are device facts to keep.
        """
        src = self.sources.get(source)
        if heartbeat and not online:
            raise ValueError("a heartbeat observation says the device is online")
        if session is not None and not src.sessions:
            raise ValueError(f"presence source {source!r} numbers no connections: pass no session")
        e = self._entries.get(device_id)
        if e is None:
            return False
        if session is not None:
            channel = "telemetry" if heartbeat else "state"
            if not self.session_guard.admits(device_id, session, at, channel=channel):
                return False
        before = (e.status, e.session, e.since, e.firmware, e.volume, e.telemetry, e.source)
        if not heartbeat:
            admitted = self._state(device_id, e, source, online, at, session, retained, began, firmware)
        elif session is not None:
            admitted = self._heartbeat(device_id, e, source, at, session, firmware, volume, telemetry)
        else:
            self._activity(device_id, e, source, at)
            admitted = True
        if not admitted:
            return False
        if (e.status, e.session, e.since, e.firmware, e.volume, e.telemetry, e.source) == before:
            self.journal.touch_seen(device_id, e)
        else:
            self.journal.touch(device_id, e)
        return True

    def on_broker_connection(self, connected: bool, now: datetime) -> None:
        """Freeze the broker's devices while we are away from it; on return a fresh window and a barrier (rule 4)."""
        self.sources.set_link(MQTT, connected, now)
        self.alarms.note_broker_link(connected, now)
        self.fence.on_link(connected)
        self.journal.metrics_dirty = True
        if not connected:
            self.storm.link_down()
            return
        self.storm.link_up(now)
        if self.fence.sender is not None:
            self.storm.expect(d for d, e in self._entries.items() if e.status == "online" and e.source == MQTT)
            self.fence.send_barrier()

    def on_source_link(self, source: str, up: bool, now: datetime) -> None:
        """The server hears ``source`` again (its devices get a fresh window) or lost it (they freeze)."""
        if source == MQTT:
            self.on_broker_connection(up, now)
            return
        self.sources.set_link(source, up, now)
        self.journal.metrics_dirty = True

    def on_fence(self, number: int, now: datetime | None = None) -> None:
        """A fence came back through the broker: apply the offline states held before it was sent (rule 3)."""
        if not self.fence.accepts(number):
            return  # of an earlier link, another process, or already passed
        now = now or utcnow()
        due, barrier_passed = self.fence.come_back(number)
        for device_id, session, at in due:
            e = self._entries.get(device_id)
            if e is None or e.session != session or e.status == "offline":
                continue
            self.storm.confirmed(device_id)
            self._leave(device_id, e, MQTT, at, now)
            self.journal.touch(device_id, e)
        if barrier_passed:
            for device_id in self.storm.take_unconfirmed():
                e = self._entries.get(device_id)
                if e is not None and e.status == "online":
                    self._start_window(device_id, e, now, now)
                    self.journal.touch(device_id, e)
        self.fence.after_come_back()

    # --- periodic work ---------------------------------------------------------------------------

    def settle(self, now: datetime) -> None:
        """Mark offline the devices whose reconnect window ran out; re-send a fence that did not come back."""
        if not self.broker_up:
            return
        self.fence.retry_if_late()
        for device_id, began in self.storm.expired(now):
            e = self._entries.get(device_id)
            if e is not None and e.status != "offline":
                PRESENCE_RECONNECT_EXPIRED.inc()
                detail = f"not back within {self.storm.window.total_seconds():.0f} s"
                self._change(device_id, e, "offline", "disconnected", began, detail)
                self.journal.touch(device_id, e)

    def sweep(self, now: datetime) -> None:
        """Mark devices silent on their source stale and re-evaluate alarms (frozen where the source is away)."""
        up = {name for name in self.sources.names() if self.sources.is_up(name)}
        for device_id, e in self._entries.items():
            if e.source not in up:
                continue
            if e.status == "online" and self.sources.silent(e, e.source, now):
                other = self.sources.other_voucher(e, now, besides=e.source)
                if other is not None:
                    e.source = other
                else:
                    self._change(device_id, e, "stale", "went_stale", now)
                self.journal.touch(device_id, e)
            self.alarms.check(device_id, e.status, e.since, now)

    # --- the rules -------------------------------------------------------------------------------

    def _state(self, device_id: str, e: Entry, source: str, online: bool, now: datetime, session: int | None,
               retained: bool, began: datetime | None, firmware: str | None) -> bool:  # fmt: skip
        """The source says the device is connected or left (rules 1 and 3)."""
        if session is not None and session < e.session:
            MQTT_REJECTED.labels("stale_session").inc()
            log.info("ignored %s state of %s: session %d < %d", "retained" if retained else "live", device_id,
                     session, e.session)  # fmt: skip
            return False
        at = now
        if not retained:
            self._seen(e, source, now)
        elif online and began is not None:
            # A retained online says when that connection began (a Will's ``at`` would be its connect time: unused).
            at = min(max(began, e.since or began), now)
        if firmware:
            e.firmware = firmware
        newer = session is not None and session > e.session
        if newer and online and not retained:
            self.alarms.note_session(device_id, at, status=e.status, since=e.since)  # a takeover? (alarms.py)
        previous_session = e.session
        if session is not None:
            e.session = session
        if online:
            self.fence.release(device_id)
            self.storm.close(device_id)
            unconfirmed = self.storm.confirmed(device_id)
            self._claim(e, source, now)
            if e.status != "online":
                back = e.status in ("stale", "reconnecting") and not newer
                self._change(device_id, e, "online", "came_back" if back else "connected", at)
            elif newer:
                # Reconnected without us seeing the Will of the old session: one missed disconnect (unless we
                # were away ourselves: then the broker, not the device, may have dropped it).
                if not unconfirmed:
                    self.alarms.note_disconnect(device_id, at)
                self._record(device_id, e, "connected", at, f"session {previous_session} → {session}")
                self._notify_online(device_id)
            return True
        e.seen.pop(source, None)
        if e.status == "offline" or (e.source != source and self.sources.vouches(e, e.source, now)):
            return True  # already offline, or another source still vouches for it
        if retained:
            self.storm.confirmed(device_id)
            self._leave(device_id, e, source, at, now, storm=True)
        elif source == MQTT:
            self.fence.hold(device_id, e.session, at)
        else:
            self._leave(device_id, e, source, at, now)
        return True

    def _heartbeat(self, device_id: str, e: Entry, source: str, now: datetime, session: int, firmware: str | None,
                   volume: int | None, telemetry: dict[str, Any] | None) -> bool:  # fmt: skip
        """A sign of life with its session: telemetry (rule 2)."""
        if session < e.session or (session == e.session and e.status == "offline" and e.session > 0):
            MQTT_REJECTED.labels("stale_session").inc()
            return False
        self._seen(e, source, now)
        e.volume = volume if volume is not None else e.volume
        e.firmware = firmware or e.firmware
        e.telemetry = telemetry
        unconfirmed = self.storm.confirmed(device_id)
        self.storm.close(device_id)
        self._claim(e, source, now)
        if session > e.session:
            self.alarms.note_session(device_id, now, status=e.status, since=e.since)
            e.session = session
            if e.status == "online":
                if not unconfirmed:
                    self.alarms.note_disconnect(device_id, now)
                self._record(device_id, e, "connected", now, "new session seen in telemetry")
                self._notify_online(device_id)
            else:
                self._change(device_id, e, "online", "connected", now)
        elif e.status != "online":
            back = e.status in ("stale", "reconnecting")
            self._change(device_id, e, "online", "came_back" if back else "connected", now)
        return True

    def _activity(self, device_id: str, e: Entry, source: str, now: datetime) -> None:
        """A sign of life without a session (an ack): a stale or reconnecting device comes back."""
        self._seen(e, source, now)
        self.storm.confirmed(device_id)
        self._claim(e, source, now)
        if e.status in ("stale", "reconnecting"):
            self.storm.close(device_id)
            self._change(device_id, e, "online", "came_back", now)

    def _leave(
        self, device_id: str, e: Entry, source: str, at: datetime, now: datetime, *, storm: bool = False
    ) -> None:
        """``source`` says the device left (a fenced Will, a retained offline, another source's offline)."""
        other = self.sources.other_voucher(e, now, besides=source)
        if other is not None:
            e.source = other  # still heard elsewhere: nothing changes but who vouches
        elif source == MQTT and (storm or self.storm.in_storm(now)):
            # Settling after our link came back: a device that drops in the reconnect storm (or whose first
            # attempt failed) is still reconnecting; its window decides (rule 4).
            self._start_window(device_id, e, at, now)
        else:
            self.storm.close(device_id)
            self._change(device_id, e, "offline", "disconnected", at)

    def _seen(self, e: Entry, source: str, now: datetime) -> None:
        e.last_seen = e.seen[source] = now

    def _claim(self, e: Entry, source: str, now: datetime) -> None:
        if self.sources.takes_over(e, source, now):
            e.source = source

    def _start_window(self, device_id: str, e: Entry, at: datetime, now: datetime) -> None:
        """Give a device that has not shown itself since our link came back ``reconnect_window_s`` (rule 4)."""
        self.storm.open(device_id, at, now)
        if e.status == "online":
            self._change(device_id, e, "reconnecting", "reconnecting", at)

    def _record(self, device_id: str, e: Entry, kind: str, at: datetime, detail: str = "") -> None:
        self.journal.record(device_id, e, kind, at, detail)

    def _change(self, device_id: str, e: Entry, status: str, kind: str, at: datetime, detail: str = "") -> None:
        previous, e.status, e.since = e.status, status, at
        self.journal.record(device_id, e, kind, at, detail)
        self.journal.changed(device_id, e, previous, kind, at)
        if kind == "disconnected":
            self.alarms.note_disconnect(device_id, at)
        if self.sources.is_up(e.source) or status == "online":
            self.alarms.check(device_id, status, at, at)
        if status == "online":
            self._notify_online(device_id)
        elif status == "offline":
            self._notify_offline(device_id, at, e.last_seen)

    def _notify_online(self, device_id: str) -> None:
        for cb in self._listeners:
            try:
                cb(device_id)
            except Exception:
                log.exception("online listener failed for %s", device_id)

    def _notify_offline(self, device_id: str, at: datetime, last_seen: datetime | None) -> None:
        for cb in self._offline_listeners:
            try:
                cb(device_id, at, last_seen)
            except Exception:
                log.exception("offline listener failed for %s", device_id)

    def _alarm(self, op: str, device_id: str, kind: str, at: datetime, detail: str) -> None:
        self.journal.alarm(op, device_id, kind, at, detail, self._entries.get(device_id))
