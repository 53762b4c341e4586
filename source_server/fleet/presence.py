"""Device presence you can trust: an in-memory state machine per device, written to the database in batches.

Statuses: ``never_seen``, ``online``, ``stale``, ``reconnecting``, ``offline``. Rules:

1. Session counter. Every state message carries the device's connection ``session``. A message whose
   session is LOWER than the known one is ignored and counted (``stale_session``): a late Will of an
   old connection never marks a reconnected device offline. ``online: true`` with session ≥ known →
   online; ``online: false`` with session ≥ known → offline, by rule 3. Retained messages are old news:
   they move the status but never ``last_seen``. A session beyond Unix time in ms + 1 day is refused
   outright (:mod:`source_server.fleet.session_guard`).
2. Heartbeats. Telemetry and acks refresh ``last_seen``. A telemetry with a higher session means we
   missed the online message: online with that session. Telemetry of the session a Will already
   closed does not resurrect the device. An online device silent for longer than
   ``inactivity_timeout_s`` becomes ``stale``; any message brings it back (``came_back``). This also
   catches a device whose broker never drops it (a half-open link under a huge keepalive).
3. The fence: no timing decides an offline. A live ``online: false`` (a Will) is HELD; the server then
   publishes a fence message to a topic only it uses (:mod:`source_server.mqtt`) and applies the held
   offline only once a fence published AFTER the offline arrived has come back through the broker. A
   broker that is shutting down publishes its clients' Wills but processes no more publishes, so its
   fence never comes back and the held Wills are discarded with the link. One fence in flight covers
   every offline held before it was sent: 10,000 Wills cost a handful of fences. Ordering assumption
   (documented in PROTOCOL.md §3): the broker delivers to one subscriber in the order it processed the
   publishes (Mosquitto does; MQTT only promises it per topic). The event keeps the time the Will arrived.
4. Our own outages do not count. While the server is away from the broker, presence is frozen: no
   staleness, no alarms, no window runs out (the API shows ``unverified``, see ``presence_queries``). On
   reconnect every device gets a fresh inactivity window, and a first fence (the barrier) follows the
   SUBSCRIBE: when it returns, every retained state has been seen. A device believed online that no
   retained state, telemetry or ack confirmed by then is ``reconnecting``; so is a device whose retained
   state says offline (the Will its broker published while stopping, or an outage of ours). Such a device
   has ``reconnect_window_s`` (the protocol's 60 s backoff bound plus a margin) to show itself; past that
   it is offline (a ``disconnected`` event dated when the window began). The same holds for a fenced Will
   that comes back within ``reconnect_window_s`` of our link's return: in that reconnect storm a device
   whose new connection drops (measured at 10,000 devices: a simulated agent's first connection closed
   again 1–3 s after CONNACK) is still reconnecting. ``reconnecting`` opens no alarm and counts no disconnect.
5. Restart. The presence table is loaded at start as it was; the first connection is rule 4's return.
6. Known devices only: the ``devices`` table is loaded at start and re-read when its fingerprint
   (count, latest update) changes, checked every ``DEVICE_REFRESH_S``; a deleted device is forgotten.
7. Every status change becomes a ``DeviceEvent`` (connected, disconnected, went_stale, came_back,
   reconnecting, with the commune of that moment and the session), a hub event, and a call to the online
   listeners when the device comes online (to the offline listeners when it is finally marked offline,
   never for a held Will the fence discards). ``metrics.DEVICES`` is recomputed from memory when
   something changed (``unverified`` for online, stale and reconnecting while the broker is away).
8. Alarms (:mod:`source_server.fleet.alarms`): ``flapping``, ``offline`` and ``takeover`` (every new live
   session is reported with the status it replaced), opened and cleared here.

Measured: a burst of 10,000 state messages is in memory at once and committed within about a
second on SQLite (``tests/fleet/test_presence_burst.py`` asserts < 2 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from protocols import StateMessage, Telemetry
from source_server.config import Settings
from source_server.db import session_scope, utcnow
from source_server.events import EventHub
from source_server.fleet import presence_store as store
from source_server.fleet.alarms import AlarmBook
from source_server.fleet.kinds import encode_capabilities
from source_server.fleet.session_guard import SessionGuard
from source_server.metrics import (
    DB_BATCH_SIZE,
    DB_WRITE_LAG,
    DEVICES,
    MQTT_REJECTED,
    PRESENCE_FENCES,
    PRESENCE_HELD,
    PRESENCE_RECONNECT_EXPIRED,
)

log = logging.getLogger(__name__)

DEVICE_REFRESH_S = 2.0
FENCE_RETRY_S = 5.0
"""A fence not back within this long (the broker dropped it from a full queue?) is followed by another."""
STATUSES = ("never_seen", "online", "stale", "reconnecting", "offline")
UNVERIFIED = "unverified"
"""What the API and the gauge show instead of online, stale or reconnecting while the broker is unreachable."""
UNVERIFIABLE = frozenset({"online", "stale", "reconnecting"})


@dataclass(frozen=True, slots=True)
class PresenceView:
    """The current presence of one device as the server believes it."""

    device_id: str
    status: str
    session: int
    since: datetime | None
    last_seen: datetime | None
    firmware: str | None
    kind: str
    commune_code: str


@dataclass(slots=True)
class _Entry:
    info: store.DeviceInfo
    status: str = "never_seen"
    session: int = 0
    since: datetime | None = None
    last_seen: datetime | None = None
    firmware: str | None = None
    volume: int | None = None
    telemetry: dict[str, Any] | None = None


class PresenceTracker:
    """Ingests state, telemetry and activity; keeps presence in memory and flushes it in batches."""

    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings, hub: EventHub) -> None:
        self.sessions = sessions
        self.settings = settings
        self.hub = hub
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
        self._entries: dict[str, _Entry] = {}
        self._batch = store.Batch()
        self._oldest: float | None = None
        self._listeners: list[Callable[[str], None]] = []
        self._offline_listeners: list[Callable[[str, datetime, datetime | None], None]] = []
        self._broker_up = False
        self._grace_from: datetime = utcnow()
        self._held: dict[str, tuple[int, datetime, int]] = {}
        """device id → (session, when the offline arrived, the first fence number that may apply it)."""
        self._fence_sender: Callable[[int], None] | None = None
        self._fence_sent = 0
        """Number of the latest fence sent (numbers only grow, over every link)."""
        self._fence_back = 0
        """Highest fence number back on this link (fences sent on an earlier link count as lost)."""
        self._fence_sent_mono = 0.0
        self.fence_retry_s = FENCE_RETRY_S
        self._barrier: int | None = None
        """The fence that follows this link's SUBSCRIBE: once back, every retained state has been seen."""
        self._confirm: set[str] = set()
        """Devices believed online when the link came up, not yet confirmed by anything on this link."""
        self._reconnecting: dict[str, tuple[datetime, datetime]] = {}
        """device id → (when its reconnect window began, when it runs out)."""
        self.window = timedelta(seconds=settings.reconnect_window_s)
        self._link_up_at: datetime | None = None
        """When our link to the broker last came up: Wills within ``window`` of it are the reconnect storm's."""
        self._fingerprint: tuple[int, datetime | None] | None = None
        self._metrics_dirty = True
        self._metric_labels: set[tuple[str, str, str]] = set()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load devices, the presence table and open alarms, then run the flush/sweep loop."""
        await self.load()
        self._task = asyncio.create_task(self._loop(), name="presence")

    async def stop(self) -> None:
        """Stop the loop and write what is still buffered."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()

    async def load(self) -> None:
        """Rebuild memory from the database (rule 4); the staleness grace window starts now."""
        await asyncio.to_thread(self._load)
        self._grace_from = utcnow()

    def _load(self) -> None:
        with session_scope(self.sessions) as db:
            self._fingerprint = store.devices_fingerprint(db)
            devices = store.load_devices(db)
            rows = store.load_presence(db)
            open_alarms = store.load_open_alarms(db)
            since = utcnow() - timedelta(seconds=self.settings.flapping_window_s)
            disconnects = store.load_disconnects(db, since=since)
        self._entries = {did: _Entry(info=info) for did, info in devices.items()}
        for row in rows:
            e = self._entries.get(row.device_id)
            if e is not None:
                e.status, e.session, e.since, e.last_seen = row.status, row.session, row.since, row.last_seen
                e.firmware, e.volume, e.telemetry = row.firmware, row.volume, row.telemetry
        self.alarms.load(open_alarms, disconnects)
        self._metrics_dirty = True

    async def _loop(self) -> None:
        last_refresh = last_sweep = time.monotonic()
        sweep_every = min(1.0, self.settings.inactivity_timeout_s / 4)
        while True:
            await asyncio.sleep(self.settings.presence_flush_s)
            try:
                mono = time.monotonic()
                self.settle(utcnow())
                if mono - last_sweep >= sweep_every:
                    last_sweep = mono
                    self.sweep(utcnow())
                if mono - last_refresh >= DEVICE_REFRESH_S:
                    last_refresh = mono
                    await self.refresh_devices()
                await self.flush()
            except Exception:
                log.exception("presence loop iteration failed; retrying")

    # --- queries ---------------------------------------------------------------------------------

    def knows(self, device_id: str) -> bool:
        """True for a registered device."""
        return device_id in self._entries

    def snapshot(self, device_id: str) -> PresenceView | None:
        """The in-memory view of one device, None if it is not registered."""
        e = self._entries.get(device_id)
        if e is None:
            return None
        return PresenceView(
            device_id, e.status, e.session, e.since, e.last_seen, e.firmware, e.info.kind, e.info.commune_code
        )

    @property
    def broker_up(self) -> bool:
        """True while the server is connected to the broker (presence is frozen otherwise)."""
        return self._broker_up

    @property
    def fence_sent(self) -> int:
        """Number of the latest fence handed to the sender (tests return it with ``on_fence``)."""
        return self._fence_sent

    def held(self) -> int:
        """Offline states waiting for their fence."""
        return len(self._held)

    def set_fence_sender(self, send: Callable[[int], None]) -> None:
        """``send(n)`` publishes fence ``n`` through the broker; the transport calls ``on_fence(n)`` when it is back."""
        self._fence_sender = send

    def add_online_listener(self, cb: Callable[[str], None]) -> None:
        """Call ``cb(device_id)`` whenever a device becomes online (connected or came back)."""
        self._listeners.append(cb)

    def add_offline_listener(self, cb: Callable[[str, datetime, datetime | None], None]) -> None:
        """Call ``cb(device_id, at, last_seen)`` whenever a device is marked offline (its last sign of life too)."""
        self._offline_listeners.append(cb)

    # --- ingestion -------------------------------------------------------------------------------

    def on_state(self, device_id: str, msg: StateMessage, now: datetime, *, retained: bool) -> None:
        """Apply a retained or live state message (rule 1)."""
        e = self._entries.get(device_id)
        if e is None or not self.session_guard.admits(device_id, msg.session, now, channel="state"):
            return
        if msg.session < e.session:
            MQTT_REJECTED.labels("stale_session").inc()
            log.info(
                "ignored %s state of %s: session %d < %d",
                "retained" if retained else "live",
                device_id,
                msg.session,
                e.session,
            )
            return
        at = now
        if not retained:
            e.last_seen = now
        elif msg.online and msg.at is not None:
            # A retained online says when that connection began (a Will's ``at`` would be its connect time: unused).
            at = min(max(msg.at, e.since or msg.at), now)
        if msg.firmware:
            e.firmware = msg.firmware
        if msg.online and (announced := encode_capabilities(msg.capabilities)) != e.info.capabilities:
            self._batch.capabilities[device_id] = announced  # a change only: a reconnect storm writes nothing
        newer = msg.session > e.session
        if newer and msg.online and not retained:
            self.alarms.note_session(device_id, at, status=e.status, since=e.since)  # a takeover? (alarms.py)
        previous_session = e.session
        e.session = msg.session
        if msg.online:
            self._held.pop(device_id, None)
            self._reconnecting.pop(device_id, None)
            unconfirmed = device_id in self._confirm
            self._confirm.discard(device_id)
            if e.status != "online":
                back = e.status in ("stale", "reconnecting") and not newer
                self._change(device_id, e, "online", "came_back" if back else "connected", at)
            elif newer:
                # Reconnected without us seeing the Will of the old session: one missed disconnect (unless we
                # were away ourselves: then the broker, not the device, may have dropped it).
                if not unconfirmed:
                    self.alarms.note_disconnect(device_id, at)
                self._record(device_id, e, "connected", at, f"session {previous_session} → {msg.session}")
                self._notify_online(device_id)
        elif e.status != "offline":
            if retained:
                self._confirm.discard(device_id)
                self._start_window(device_id, e, at, now)
            elif device_id not in self._held or self._held[device_id][0] != msg.session:
                self._held[device_id] = (msg.session, at, self._fence_sent + 1)
                self._want_fence()
        self._touch(device_id)

    def settle(self, now: datetime) -> None:
        """Mark offline the devices whose reconnect window ran out; re-send a fence that did not come back."""
        if not self._broker_up:
            return
        late = time.monotonic() - self._fence_sent_mono >= self.fence_retry_s
        if (self._held or self._barrier is not None) and self._fence_back < self._fence_sent and late:
            self._send_fence()
        for device_id, (began, due) in list(self._reconnecting.items()):
            if due > now:
                continue
            del self._reconnecting[device_id]
            e = self._entries.get(device_id)
            if e is not None and e.status != "offline":
                PRESENCE_RECONNECT_EXPIRED.inc()
                detail = f"not back within {self.window.total_seconds():.0f} s"
                self._change(device_id, e, "offline", "disconnected", began, detail)
                self._touch(device_id)

    def on_fence(self, number: int, now: datetime | None = None) -> None:
        """A fence came back through the broker: apply the offline states held before it was sent (rule 3)."""
        if not self._broker_up or not self._fence_back < number <= self._fence_sent:
            return  # of an earlier link, another process, or already passed
        now = now or utcnow()
        self._fence_back = number
        for device_id, (session, at, need) in list(self._held.items()):
            if need > number:
                continue
            del self._held[device_id]
            e = self._entries.get(device_id)
            if e is None or e.session != session or e.status == "offline":
                continue
            self._confirm.discard(device_id)
            if self._link_up_at is not None and now - self._link_up_at < self.window:
                # Settling after our link came back: a device that drops in the reconnect storm (or whose first
                # attempt failed) is still reconnecting; its window decides (rule 4).
                self._start_window(device_id, e, at, now)
            else:
                self._reconnecting.pop(device_id, None)
                self._change(device_id, e, "offline", "disconnected", at)
            self._touch(device_id)
        if self._barrier is not None and number >= self._barrier:
            self._barrier = None
            for device_id in self._confirm:
                e = self._entries.get(device_id)
                if e is not None and e.status == "online":
                    self._start_window(device_id, e, now, now)
                    self._touch(device_id)
            self._confirm.clear()
        PRESENCE_HELD.set(len(self._held))
        if self._held:
            self._want_fence()

    def on_telemetry(self, device_id: str, msg: Telemetry, now: datetime) -> None:
        """Apply a heartbeat (rule 2)."""
        e = self._entries.get(device_id)
        if e is None or not self.session_guard.admits(device_id, msg.session, now, channel="telemetry"):
            return
        if msg.session < e.session or (msg.session == e.session and e.status == "offline" and e.session > 0):
            MQTT_REJECTED.labels("stale_session").inc()
            return
        e.last_seen = now
        e.volume = msg.volume if msg.volume is not None else e.volume
        e.firmware = msg.firmware or e.firmware
        e.telemetry = msg.model_dump(mode="json", exclude_none=True)
        unconfirmed = device_id in self._confirm
        self._confirm.discard(device_id)
        self._reconnecting.pop(device_id, None)
        if msg.session > e.session:
            self.alarms.note_session(device_id, now, status=e.status, since=e.since)
            e.session = msg.session
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
        self._touch(device_id)

    def on_activity(self, device_id: str, now: datetime) -> None:
        """Any other sign of life (an ack): refresh ``last_seen``; a stale device comes back."""
        e = self._entries.get(device_id)
        if e is None:
            return
        e.last_seen = now
        self._confirm.discard(device_id)
        if e.status in ("stale", "reconnecting"):
            self._reconnecting.pop(device_id, None)
            self._change(device_id, e, "online", "came_back", now)
        self._touch(device_id)

    def on_broker_connection(self, connected: bool, now: datetime) -> None:
        """Freeze presence while we are away from the broker; on return a fresh window and a barrier (rule 4)."""
        self._broker_up = connected
        self.alarms.note_broker_link(connected, now)
        self._fence_back = self._fence_sent  # fences in flight belong to the old link: never wait for them
        self._metrics_dirty = True
        if not connected:
            if self._held:
                MQTT_REJECTED.labels("will_during_broker_outage").inc(len(self._held))
                log.info("discarded %d offline states whose fence the lost link never returned", len(self._held))
                self._held.clear()
            PRESENCE_HELD.set(0)
            self._barrier = None
            self._confirm.clear()
            return
        self._grace_from = self._link_up_at = now
        for device_id, (began, _) in list(self._reconnecting.items()):
            self._reconnecting[device_id] = (began, now + self.window)
        if self._fence_sender is not None:
            self._confirm = {d for d, e in self._entries.items() if e.status == "online"}
            self._barrier = self._fence_sent + 1
            self._send_fence()

    # --- periodic work ---------------------------------------------------------------------------

    def sweep(self, now: datetime) -> None:
        """Mark silent devices stale and re-evaluate alarms (frozen while the broker is unreachable)."""
        if not self._broker_up:
            return
        deadline = now - self.timeout
        for device_id, e in self._entries.items():
            if e.status == "online" and max(e.last_seen or e.since or self._grace_from, self._grace_from) < deadline:
                self._change(device_id, e, "stale", "went_stale", now)
                self._touch(device_id)
            self.alarms.check(device_id, e.status, e.since, now)

    async def refresh_devices(self) -> None:
        """Pick up devices registered, moved or deleted since the last look (rule 5)."""

        def read() -> dict[str, store.DeviceInfo] | None:
            with session_scope(self.sessions) as db:
                fp = store.devices_fingerprint(db)
                if fp == self._fingerprint:
                    return None
                self._fingerprint = fp
                return store.load_devices(db)

        devices = await asyncio.to_thread(read)
        if devices is None:
            return
        for did in [d for d in self._entries if d not in devices]:
            del self._entries[did]
            self._batch.presence.pop(did, None)
            self.alarms.forget(did)
        for did, info in devices.items():
            e = self._entries.get(did)
            if e is None:
                self._entries[did] = _Entry(info=info)
            else:
                e.info = info
        self._metrics_dirty = True

    async def flush(self) -> None:
        """Write buffered changes in one transaction; on failure keep them for the next try."""
        async with self._flush_lock:
            self._update_metrics()
            if not len(self._batch):
                return
            batch, self._batch = self._batch, store.Batch()
            oldest, self._oldest = self._oldest, None

            def write() -> int:
                with session_scope(self.sessions) as db:
                    return store.write_batch(db, batch)

            try:
                rows = await asyncio.to_thread(write)
            except Exception:
                log.exception("presence batch of %d changes failed; will retry", len(batch))
                batch.merge_newer(self._batch)
                self._batch = batch
                self._oldest = oldest
                return
            DB_BATCH_SIZE.labels("presence").observe(rows)
            if oldest is not None:
                DB_WRITE_LAG.labels("presence").observe(time.monotonic() - oldest)

    # --- internals -------------------------------------------------------------------------------

    def _touch(self, device_id: str) -> None:
        e = self._entries[device_id]
        self._batch.presence[device_id] = {
            "device_id": device_id,
            "status": e.status,
            "session": e.session,
            "since": e.since,
            "last_seen": e.last_seen,
            "firmware": e.firmware,
            "volume": e.volume,
            "telemetry": e.telemetry,
        }
        if self._oldest is None:
            self._oldest = time.monotonic()

    def _record(self, device_id: str, e: _Entry, kind: str, at: datetime, detail: str = "") -> None:
        self._batch.events.append(
            {
                "device_id": device_id,
                "kind": kind,
                "at": at,
                "session": e.session,
                "commune_code": e.info.commune_code,
                "detail": detail,
            }
        )
        if self._oldest is None:
            self._oldest = time.monotonic()

    def _start_window(self, device_id: str, e: _Entry, at: datetime, now: datetime) -> None:
        """Give a device that has not shown itself since our link came back ``reconnect_window_s`` (rule 4)."""
        if device_id not in self._reconnecting:
            self._reconnecting[device_id] = (at, now + self.window)
        if e.status == "online":
            self._change(device_id, e, "reconnecting", "reconnecting", at)

    def _want_fence(self) -> None:
        """Send a fence unless one is in flight (held offlines that came after it wait for the next one)."""
        if self._fence_back >= self._fence_sent:
            self._send_fence()
        PRESENCE_HELD.set(len(self._held))

    def _send_fence(self) -> int | None:
        if self._fence_sender is None or not self._broker_up:
            return None
        self._fence_sent += 1
        self._fence_sent_mono = time.monotonic()
        PRESENCE_FENCES.inc()
        try:
            self._fence_sender(self._fence_sent)
        except Exception:
            log.exception("could not send presence fence %d", self._fence_sent)
        return self._fence_sent

    def _change(self, device_id: str, e: _Entry, status: str, kind: str, at: datetime, detail: str = "") -> None:
        previous, e.status, e.since = e.status, status, at
        self._record(device_id, e, kind, at, detail)
        self._metrics_dirty = True
        self.hub.publish(
            {
                "type": "presence",
                "device_id": device_id,
                "status": status,
                "previous": previous,
                "at": at.isoformat(),
                "commune_code": e.info.commune_code,
                "province_code": e.info.province_code,
                "kind": e.info.kind,
                "event": kind,
                "session": e.session,
            }
        )
        if kind == "disconnected":
            self.alarms.note_disconnect(device_id, at)
        if self._broker_up or status == "online":
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
        self._batch.alarm_ops.append((op, device_id, kind, at, detail))
        e = self._entries.get(device_id)
        self.hub.publish(
            {
                "type": "alarm",
                "action": "opened" if op == "open" else "cleared",
                "device_id": device_id,
                "alarm": kind,
                "at": at.isoformat(),
                "detail": detail,
                "commune_code": e.info.commune_code if e else None,
                "province_code": e.info.province_code if e else None,
            }
        )
        if self._oldest is None:
            self._oldest = time.monotonic()

    def _update_metrics(self) -> None:
        if not self._metrics_dirty:
            return
        self._metrics_dirty = False
        up = self._broker_up
        counts = Counter(
            (e.status if up or e.status not in UNVERIFIABLE else UNVERIFIED, e.info.kind, e.info.commune_code)
            for e in self._entries.values()
        )
        for labels in self._metric_labels - set(counts):
            DEVICES.labels(*labels).set(0)
        for labels, n in counts.items():
            DEVICES.labels(*labels).set(n)
        self._metric_labels |= set(counts)
