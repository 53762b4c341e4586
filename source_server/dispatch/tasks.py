"""The dispatcher: sends the outbox (one lane per transport), absorbs acks in batches, re-sends to returning devices."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from protocols import Ack, AckStatus, SigningKey
from source_server.config import Settings
from source_server.db import session_scope, utcnow
from source_server.dispatch.acks import AckIn, OfflineIn, apply_acks, is_refused_copy, mark_interrupted, resend_pending
from source_server.dispatch.clock import ClockSkews
from source_server.dispatch.media import MediaStore
from source_server.dispatch.outbox import EXPIRED_NOTE, Lane, LanePolicy, Transport
from source_server.dispatch.transports import MqttTransport, Publisher
from source_server.fleet.service import record_refused_copies
from source_server.metrics import DB_BATCH_SIZE, DB_WRITE_LAG, DELIVERIES_INTERRUPTED, REFUSED_COPIES

log = logging.getLogger(__name__)

__all__ = ["EXPIRED_NOTE", "REFUSED_EVENTS_PER_MINUTE", "Dispatcher", "Publisher"]

REFUSED_EVENTS_PER_MINUTE = 10
"""Refused copies recorded per device and minute (all are counted): a device flooding them fills no table."""


class Dispatcher:
    """Background work of dispatch; sync hooks (``on_ack``, ``on_device_online``, ``wake``) only buffer and signal."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: Settings,
        mqtt: Publisher,
        signer: SigningKey,
        media: MediaStore,
        ack_flush_s: float = 0.1,
        batch: int = 500,
        poll_s: float = 5.0,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.mqtt = mqtt
        self.signer = signer
        self.media = media
        self.ack_flush_s = ack_flush_s
        self.batch = batch
        self.poll_s = poll_s
        self.max_backoff_s = max_backoff_s
        self._acks: list[AckIn] = []
        self._ack_listeners: list[Callable[[str, datetime], None]] = []
        self._offline: list[OfflineIn] = []
        self._online: set[str] = set()
        self.clocks = ClockSkews()
        """Each device's clock skew, from its telemetry (R5): ack times are put on the server's timeline."""
        self._refused_window: dict[str, tuple[datetime, int]] = {}
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.lanes: dict[str, Lane] = {}
        """One lane per registered transport; ``mqtt`` (device commands) is always there."""
        self.register(
            MqttTransport(mqtt),
            LanePolicy(batch=batch, poll_s=poll_s, max_backoff_s=max_backoff_s),
            before_pass=self._queue_resends,
        )

    def register(
        self,
        transport: Transport,
        policy: LanePolicy | None = None,
        *,
        before_pass: Callable[[], Awaitable[object]] | None = None,
    ) -> Lane:
        """Send the outbox rows of ``transport.name`` through ``transport``, in a lane of their own.

        The plug-in point of every way out besides MQTT (the central relay's ``central`` transport): rows written
        with ``outbox.enqueue(db, transport=<name>, ...)`` are sent by this lane; a lane registered while the
        dispatcher runs starts at once."""
        if transport.name in self.lanes:
            raise ValueError(f"transport {transport.name!r} is already registered")
        lane = Lane(transport=transport, sessions=self.sessions, policy=policy or LanePolicy(), before_pass=before_pass)
        self.lanes[lane.name] = lane
        if self._loop is not None and not self._stopping:
            lane.start()
        return lane

    async def start(self) -> None:
        """Start the loops; whatever the outbox still holds unsent is sent first, each transport in its lane."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        for lane in self.lanes.values():
            lane.start()
        self._tasks = [asyncio.create_task(self._ack_loop(), name="dispatch-acks")]

    async def stop(self) -> None:
        """Stop the lanes (each may finish recording what it sent) and the loops; write the acks still buffered."""
        self._stopping = True
        await asyncio.gather(*(lane.stop() for lane in self.lanes.values()))
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.flush_acks()

    def wake(self, transport: str | None = None) -> None:
        """New outbox rows, devices back online, or the broker reconnected: ``transport``'s lane (default: all) looks now."""
        if self._loop is None:
            return
        lanes = (
            list(self.lanes.values())
            if transport is None
            else [self.lanes[transport]]
            if transport in self.lanes
            else []
        )
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for lane in lanes:
            if running is self._loop:
                lane.wake()
            else:
                self._loop.call_soon_threadsafe(lane.wake)

    def on_ack(self, device_id: str, ack: Ack, now: datetime) -> None:
        """Buffer one ack; the flush loop writes it within ``ack_flush_s``."""
        self._acks.append(AckIn(device_id, ack, now))

    def add_ack_listener(self, cb: Callable[[str, datetime], None]) -> None:
        """Call ``cb(device_id, received_at)`` once written, for each device whose acks matched a delivery."""
        self._ack_listeners.append(cb)

    def on_device_offline(self, device_id: str, at: datetime, last_seen: datetime | None) -> None:
        """Buffer a device gone offline: its plays still ``started`` become ``interrupted`` with the next acks."""
        self._offline.append(OfflineIn(device_id, at, last_seen))

    def on_clock(self, device_id: str, device_at: datetime, now: datetime) -> None:
        """A live message stamped by the device clock (telemetry): refine the device's skew."""
        self.clocks.observe(device_id, device_at, now)

    def on_device_online(self, device_id: str) -> None:
        """Schedule a re-send of the device's unexpired pending commands to its own topic."""
        self._online.add(device_id)
        self.wake("mqtt")

    @property
    def buffered_acks(self) -> int:
        """Acks received and not yet written."""
        return len(self._acks)

    async def flush_acks(self) -> int:
        """Write buffered acks and offline marks in one transaction; returns how many acks were taken."""
        batch, self._acks = self._acks, []
        offline, self._offline = self._offline, []
        if not batch and not offline:
            return 0
        refused = self._refused_events(batch)
        known: list[AckIn] = []
        try:
            await asyncio.to_thread(self._write_acks, batch, offline, refused, known)
        except Exception:
            log.exception("writing %d acks failed; retrying", len(batch))
            self._acks[:0] = batch
            self._offline[:0] = offline
            raise
        if batch:
            oldest = min(item.at for item in batch)
            DB_BATCH_SIZE.labels("acks").observe(len(batch))
            DB_WRITE_LAG.labels("acks").observe(max(0.0, (utcnow() - oldest).total_seconds()))
        self._notify_acks(known)
        return len(batch)

    def _notify_acks(self, known: list[AckIn]) -> None:
        if not self._ack_listeners or not known:
            return
        latest: dict[str, datetime] = {}
        for item in known:
            latest[item.device_id] = max(item.at, latest.get(item.device_id, item.at))
        for cb in self._ack_listeners:
            for device_id, at in latest.items():
                try:
                    cb(device_id, at)
                except Exception:
                    log.exception("ack listener failed for %s", device_id)

    def _refused_events(self, batch: list[AckIn]) -> list[tuple[str, datetime, str]]:
        """Count interrupted plays and every refused copy (R2); keep, per device, at most ``REFUSED_EVENTS_PER_MINUTE`` to record."""
        events: list[tuple[str, datetime, str]] = []
        for item in batch:
            if item.ack.status is AckStatus.INTERRUPTED:
                DELIVERIES_INTERRUPTED.labels("device").inc()
            if item.ack.status is not AckStatus.REJECTED or not is_refused_copy(item.ack):
                continue
            reason = (item.ack.reason or "").split(":", 1)[0].strip()
            REFUSED_COPIES.labels(reason).inc()
            start, n = self._refused_window.get(item.device_id, (item.at, 0))
            if (item.at - start).total_seconds() >= 60:
                start, n = item.at, 0
            self._refused_window[item.device_id] = (start, n + 1)
            if n < REFUSED_EVENTS_PER_MINUTE:
                events.append((item.device_id, item.at, f"{reason} {item.ack.command_id}"))
            if n == 0:
                log.warning(
                    "device %s refused a copy of command %s (%s): someone publishes on its command topic, "
                    "or it lacks the key", item.device_id, item.ack.command_id, reason,
                )  # fmt: skip
        return events

    def _write_acks(
        self,
        batch: list[AckIn],
        offline: list[OfflineIn],
        refused: list[tuple[str, datetime, str]],
        known: list[AckIn],
    ) -> None:
        with session_scope(self.sessions) as db:
            if refused:
                record_refused_copies(db, events=refused)
            if batch:
                apply_acks(db, batch, skews=self.clocks.skews, known=known)
            if offline:
                marked = mark_interrupted(db, offline, now=utcnow())
                if marked:
                    DELIVERIES_INTERRUPTED.labels("server").inc(marked)

    async def _ack_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ack_flush_s)
            try:
                await self.flush_acks()
            except Exception:
                await asyncio.sleep(min(1.0, self.max_backoff_s))

    async def _queue_resends(self) -> None:
        """Before each MQTT pass: queue the pending commands of devices back online on their own topics."""
        online, self._online = self._online, set()
        if online:
            await asyncio.to_thread(self._write_resends, sorted(online))

    def _write_resends(self, devices: list[str]) -> int:
        try:
            with session_scope(self.sessions) as db:
                return resend_pending(db, device_ids=devices, now=utcnow())
        except Exception:
            self._online.update(devices)
            raise

    async def publish_pending(self) -> bool:
        """One pass of the MQTT lane: publish its outbox rows, oldest first; False when a publish failed."""
        return await self.lanes["mqtt"].send_pending()
