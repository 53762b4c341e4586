"""Presence changes on their way out: the batch for the database, hub events, and the devices gauge.

Rows are written in batches (one transaction per flush). A sign of life that changes nothing but ``last_seen`` (an
ack, a poll of a stream source) does not rewrite the row each time: the stored ``last_seen`` may lag the exact one
in memory by at most ``last_seen_write_s`` (see :func:`last_seen_write_s`). Staleness, offline listeners and the
in-memory view all use the exact value; only the stored copy (what the API and pages show) is coarser.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from source_server.config import Settings
from source_server.db import session_scope
from source_server.events import EventHub
from source_server.fleet import presence_store as store
from source_server.fleet.presence_state import UNVERIFIABLE, UNVERIFIED, Entry
from source_server.metrics import DB_BATCH_SIZE, DB_WRITE_LAG, DEVICES

log = logging.getLogger(__name__)

LAST_SEEN_WRITE_S = 30.0


def last_seen_write_s(settings: Settings) -> float:
    """How far the stored ``last_seen`` may lag: 30 s, at most a third of the inactivity timeout.

    Nothing decides on the stored value while the server runs (staleness uses memory); after a restart every device
    gets a fresh inactivity window anyway. So the bound only says how fresh "last seen" is on a page: no coarser
    than the telemetry heartbeat (30 s by default) already makes it for a quiet device.
    """
    return min(LAST_SEEN_WRITE_S, settings.heartbeat_s, settings.inactivity_timeout_s / 3)


class PresenceJournal:
    """Buffers presence rows, events and alarm operations; flushes them in one transaction; keeps the gauge."""

    def __init__(self, *, sessions: sessionmaker[Session], hub: EventHub, last_seen_lag_s: float) -> None:
        self.sessions = sessions
        self.hub = hub
        self.last_seen_lag = timedelta(seconds=last_seen_lag_s)
        self.batch = store.Batch()
        self._oldest: float | None = None
        self.metrics_dirty = True
        self._metric_labels: set[tuple[str, str, str]] = set()
        self._lock = asyncio.Lock()

    def _started(self) -> None:
        if self._oldest is None:
            self._oldest = time.monotonic()

    def touch(self, device_id: str, e: Entry) -> None:
        """Write the device's row with the next batch."""
        self.batch.presence[device_id] = e.row(device_id)
        e.written_seen = e.last_seen
        self._started()

    def touch_seen(self, device_id: str, e: Entry) -> None:
        """Only ``last_seen`` moved: write the row when the stored copy would lag by ``last_seen_lag`` or more."""
        pending = self.batch.presence.get(device_id)
        if pending is not None:
            pending["last_seen"] = e.written_seen = e.last_seen
        elif e.written_seen is None or e.last_seen is None or e.last_seen - e.written_seen >= self.last_seen_lag:
            self.touch(device_id, e)

    def catch_up(self, entries: Iterable[tuple[str, Entry]]) -> None:
        """Write every row whose stored ``last_seen`` lags (at shutdown: the table is then exact)."""
        for device_id, e in entries:
            if e.last_seen is not None and e.written_seen != e.last_seen:
                self.touch(device_id, e)

    def forget(self, device_id: str) -> None:
        """A deleted device: drop its pending row."""
        self.batch.presence.pop(device_id, None)

    def record(self, device_id: str, e: Entry, kind: str, at: datetime, detail: str = "") -> None:
        """Add a ``DeviceEvent`` (with the commune of this moment and the session)."""
        self.batch.events.append({"device_id": device_id, "kind": kind, "at": at, "session": e.session,
                                  "commune_code": e.info.commune_code, "detail": detail})  # fmt: skip
        self._started()

    def changed(self, device_id: str, e: Entry, previous: str, kind: str, at: datetime) -> None:
        """Tell the hub a device changed status (the event row is ``record``'s)."""
        self.metrics_dirty = True
        self.hub.publish(
            {
                "type": "presence",
                "device_id": device_id,
                "status": e.status,
                "previous": previous,
                "at": at.isoformat(),
                "commune_code": e.info.commune_code,
                "province_code": e.info.province_code,
                "kind": e.info.kind,
                "event": kind,
                "session": e.session,
            }
        )

    def alarm(self, op: str, device_id: str, kind: str, at: datetime, detail: str, e: Entry | None) -> None:
        """An alarm opened or cleared: buffer the write and tell the hub."""
        self.batch.alarm_ops.append((op, device_id, kind, at, detail))
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
        self._started()

    async def flush(self, entries: dict[str, Entry], frozen: frozenset[str]) -> None:
        """Write buffered changes in one transaction; on failure keep them for the next try."""
        async with self._lock:
            self.update_metrics(entries, frozen)
            if not len(self.batch):
                return
            batch, self.batch = self.batch, store.Batch()
            oldest, self._oldest = self._oldest, None

            def write() -> int:
                with session_scope(self.sessions) as db:
                    return store.write_batch(db, batch)

            try:
                rows = await asyncio.to_thread(write)
            except Exception:
                log.exception("presence batch of %d changes failed; will retry", len(batch))
                batch.merge_newer(self.batch)
                self.batch = batch
                self._oldest = oldest
                return
            DB_BATCH_SIZE.labels("presence").observe(rows)
            if oldest is not None:
                DB_WRITE_LAG.labels("presence").observe(time.monotonic() - oldest)

    def update_metrics(self, entries: dict[str, Entry], frozen: frozenset[str]) -> None:
        """Recount ``nguon_devices`` from memory when something changed (``unverified`` where the source is frozen)."""
        if not self.metrics_dirty:
            return
        self.metrics_dirty = False
        counts = Counter(
            (
                UNVERIFIED if e.status in UNVERIFIABLE and e.source in frozen else e.status,
                e.info.kind,
                e.info.commune_code,
            )
            for e in entries.values()
        )
        for labels in self._metric_labels - set(counts):
            DEVICES.labels(*labels).set(0)
        for labels, n in counts.items():
            DEVICES.labels(*labels).set(n)
        self._metric_labels |= set(counts)
