"""Device presence you can trust: the tracker the runtime holds (see :mod:`source_server.fleet.presence_rules`).

The tracker loads presence from the database at start, runs the flush/sweep loop, adapts the broker's messages to
the source-neutral :meth:`~source_server.fleet.presence_rules.PresenceRules.observe`, and writes changes in batches.
Its parts, one concern each: the rules (``presence_rules``), sources and their liveness (``presence_sources``), the
fence (``presence_fence``), the reconnect storm (``presence_storm``), the journal of writes, hub events and the
gauge (``presence_journal``), the database side (``presence_store``) and the per-device state (``presence_state``).

Measured: a burst of 10,000 state messages is in memory at once and committed within about a
second on SQLite (``tests/fleet/test_presence_burst.py`` asserts < 2 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from protocols import StateMessage, Telemetry
from source_server.config import Settings
from source_server.db import session_scope, utcnow
from source_server.events import EventHub
from source_server.fleet import presence_store as store
from source_server.fleet.kinds import encode_capabilities
from source_server.fleet.presence_fence import FENCE_RETRY_S
from source_server.fleet.presence_journal import PresenceJournal, last_seen_write_s
from source_server.fleet.presence_rules import PresenceRules
from source_server.fleet.presence_sources import Source
from source_server.fleet.presence_state import MQTT, STATUSES, UNVERIFIABLE, UNVERIFIED, Entry, PresenceView

__all__ = [
    "DEVICE_REFRESH_S",
    "FENCE_RETRY_S",
    "MQTT",
    "STATUSES",
    "UNVERIFIABLE",
    "UNVERIFIED",
    "PresenceTracker",
    "PresenceView",
]

log = logging.getLogger(__name__)

DEVICE_REFRESH_S = 2.0
_Entry = Entry  # the name before the split


class PresenceTracker(PresenceRules):
    """Ingests observations from every source; keeps presence in memory and flushes it in batches."""

    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings, hub: EventHub) -> None:
        journal = PresenceJournal(sessions=sessions, hub=hub, last_seen_lag_s=last_seen_write_s(settings))
        super().__init__(settings=settings, journal=journal)
        self.sessions = sessions
        self.hub = hub
        self._fingerprint: tuple[int, datetime | None] | None = None
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load devices, the presence table and open alarms, then run the flush/sweep loop."""
        await self.load()
        self._task = asyncio.create_task(self._loop(), name="presence")

    async def stop(self) -> None:
        """Stop the loop and write what is still buffered (every ``last_seen`` exact)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.journal.catch_up(self._entries.items())
        await self.flush()

    async def load(self) -> None:
        """Rebuild memory from the database (rule 5); the staleness grace window starts now."""
        await asyncio.to_thread(self._load)
        self.sources.get(MQTT).up_since = utcnow()

    def _load(self) -> None:
        with session_scope(self.sessions) as db:
            self._fingerprint = store.devices_fingerprint(db)
            devices = store.load_devices(db)
            rows = store.load_presence(db)
            open_alarms = store.load_open_alarms(db)
            since = utcnow() - timedelta(seconds=self.settings.flapping_window_s)
            disconnects = store.load_disconnects(db, since=since)
        self._entries = {did: Entry(info=info) for did, info in devices.items()}
        for row in rows:
            e = self._entries.get(row.device_id)
            if e is not None:
                e.status, e.session, e.since, e.last_seen = row.status, row.session, row.since, row.last_seen
                e.firmware, e.volume, e.telemetry = row.firmware, row.volume, row.telemetry
                e.source, e.written_seen = row.source or MQTT, row.last_seen
        self.alarms.load(open_alarms, disconnects)
        self.journal.metrics_dirty = True

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

    # --- queries and wiring ----------------------------------------------------------------------

    def knows(self, device_id: str) -> bool:
        """True for a registered device."""
        return device_id in self._entries

    def snapshot(self, device_id: str) -> PresenceView | None:
        """The in-memory view of one device, None if it is not registered."""
        e = self._entries.get(device_id)
        return None if e is None else e.view(device_id)

    def frozen_sources(self) -> frozenset[str]:
        """Sources the server cannot hear now: devices hanging on them are shown ``unverified``."""
        return self.sources.frozen()

    @property
    def fence_sent(self) -> int:
        """Number of the latest fence handed to the sender (tests return it with ``on_fence``)."""
        return self.fence.sent

    @property
    def fence_retry_s(self) -> float:
        """How long a fence may stay away before another is sent."""
        return self.fence.retry_s

    @fence_retry_s.setter
    def fence_retry_s(self, value: float) -> None:
        self.fence.retry_s = value

    @property
    def window(self) -> timedelta:
        """The reconnect window (rule 4)."""
        return self.storm.window

    def held(self) -> int:
        """Offline states waiting for their fence."""
        return len(self.fence.held)

    def set_fence_sender(self, send: Callable[[int], None]) -> None:
        """``send(n)`` publishes fence ``n`` through the broker; the transport calls ``on_fence(n)`` when it is back."""
        self.fence.sender = send

    def add_source(self, name: str, *, timeout_s: float) -> Source:
        """Register a presence source other than the broker (down until ``on_source_link(name, True, ...)``)."""
        return self.sources.add(name, timeout_s=timeout_s)

    def add_online_listener(self, cb: Callable[[str], None]) -> None:
        """Call ``cb(device_id)`` whenever a device becomes online (connected or came back)."""
        self._listeners.append(cb)

    def add_offline_listener(self, cb: Callable[[str, datetime, datetime | None], None]) -> None:
        """Call ``cb(device_id, at, last_seen)`` whenever a device is marked offline (its last sign of life too)."""
        self._offline_listeners.append(cb)

    # --- the broker's adapters ---------------------------------------------------------------------

    def on_state(self, device_id: str, msg: StateMessage, now: datetime, *, retained: bool) -> None:
        """Apply a retained or live state message from the broker (rule 1); keep what an online state announces it
        can render (``fleet.kinds``), writing only a change: a reconnect storm writes nothing."""
        admitted = self.observe(device_id, msg.online, now, MQTT, session=msg.session, retained=retained,
                                began=msg.at if msg.online else None, firmware=msg.firmware)  # fmt: skip
        if admitted and msg.online:
            e = self._entries[device_id]
            announced = encode_capabilities(msg.capabilities)
            if announced != e.info.capabilities:
                self.journal.batch.capabilities[device_id] = announced
                e.info = replace(e.info, capabilities=announced)

    def on_telemetry(self, device_id: str, msg: Telemetry, now: datetime) -> None:
        """Apply a heartbeat from the broker (rule 2)."""
        self.observe(device_id, True, now, MQTT, session=msg.session, heartbeat=True, firmware=msg.firmware,
                     volume=msg.volume, telemetry=msg.model_dump(mode="json", exclude_none=True))  # fmt: skip

    def on_activity(self, device_id: str, now: datetime) -> None:
        """Any other sign of life over the broker (an ack): refresh ``last_seen``; a stale device comes back."""
        self.observe(device_id, True, now, MQTT, heartbeat=True)

    # --- periodic I/O ----------------------------------------------------------------------------

    async def refresh_devices(self) -> None:
        """Pick up devices registered, moved or deleted since the last look (rule 6)."""

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
            self.journal.forget(did)
            self.alarms.forget(did)
        for did, info in devices.items():
            e = self._entries.get(did)
            if e is None:
                self._entries[did] = Entry(info=info)
            else:
                e.info = info
        self.journal.metrics_dirty = True

    async def flush(self) -> None:
        """Write buffered changes in one transaction; on failure keep them for the next try."""
        await self.journal.flush(self._entries, self.sources.frozen())
