"""One outbox, one lane per transport: each lane sends its own rows, oldest first, with its own retry and backoff.

A row is written in the same transaction as its cause (``enqueue``, or a bulk insert on the MQTT hot path) and
sent after commit by the lane of its ``transport``. Lanes share nothing but the table: a slow or dead endpoint of
one transport (the central system's HTTP gateway, say) never delays another's rows (an emergency over MQTT).
Delivery is at least once: a row is marked sent only after its transport said so, and a restart resumes each lane
from its oldest unsent row. Rows past ``not_after`` are never sent; they are marked ``EXPIRED_NOTE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from source_server.db import session_scope, utcnow
from source_server.dispatch.models import OutboxMessage
from source_server.metrics import OUTBOX_FAILURES, OUTBOX_OLDEST_AGE, OUTBOX_PENDING, OUTBOX_SEND_SECONDS, OUTBOX_SENT

log = logging.getLogger(__name__)

EXPIRED_NOTE = "expired before it could be published"
TRANSPORT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class OutboxRow(NamedTuple):
    """One row handed to a transport: where to (``topic``: an MQTT topic, or a path for HTTP) and what."""

    id: int
    topic: str
    payload: str
    qos: int
    retain: bool


@dataclass(frozen=True)
class Sent:
    """What a transport did with a batch: the first ``count`` rows went out; ``error`` says why the next did not."""

    count: int
    error: str | None = None


class Transport(Protocol):
    """A way out of the house for outbox rows; registered with ``Dispatcher.register`` under its ``name``."""

    @property
    def name(self) -> str: ...

    async def send(self, rows: Sequence[OutboxRow]) -> Sent:
        """Send ``rows`` in order, stopping at the first failure; never raise for a failed row (say it in ``Sent``)."""
        ...

    async def close(self) -> None:
        """Release connections (the lane has stopped)."""
        ...


@dataclass(frozen=True)
class LanePolicy:
    """How one lane paces its transport."""

    batch: int = 500
    """Rows fetched and handed to the transport at once."""
    poll_s: float = 5.0
    """Look at the table this often even when nobody wakes the lane (rows left by another process)."""
    max_backoff_s: float = 5.0
    """After a failure the lane waits 0.1 s, doubling up to this, before trying again."""
    send_timeout_s: float | None = None
    """A batch not sent within this long counts as failed (its rows are retried); None: the transport's own limits."""
    stop_grace_s: float = 5.0
    """On stop, how long a send in flight may take to finish so what it sent is recorded (then it is cancelled)."""


def check_transport_name(name: str) -> str:
    """``name`` if it is a valid transport name (lower-case letters, digits, ``-``, ``_``; at most 32), else ValueError."""
    if not TRANSPORT_NAME.match(name):
        raise ValueError(f"bad transport name {name!r}: lower-case letters, digits, '-' or '_', at most 32")
    return name


def enqueue(
    db: Session, *, transport: str, topic: str, payload: str, not_after: datetime | None = None, qos: int = 1
) -> OutboxMessage:
    """Queue one message for ``transport`` in the caller's transaction; its lane sends it after commit."""
    row = OutboxMessage(
        transport=check_transport_name(transport),
        topic=topic,
        payload=payload,
        qos=qos,
        retain=False,
        created_at=utcnow(),
        not_after=not_after,
    )
    db.add(row)
    return row


class Lane:
    """The sending loop of one transport over its rows of the outbox."""

    def __init__(
        self,
        *,
        transport: Transport,
        sessions: sessionmaker[Session],
        policy: LanePolicy,
        before_pass: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.transport = transport
        self.name = check_transport_name(transport.name)
        self.sessions = sessions
        self.policy = policy
        self.before_pass = before_pass
        """Work to do at the start of each pass, e.g. queue re-sends for devices back online."""
        self._pending = OUTBOX_PENDING.labels(self.name)
        self._oldest = OUTBOX_OLDEST_AGE.labels(self.name)
        self._sent = OUTBOX_SENT.labels(self.name)
        self._failures = OUTBOX_FAILURES.labels(self.name)
        self._send_seconds = OUTBOX_SEND_SECONDS.labels(self.name)
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop; whatever this transport's rows still hold unsent goes first."""
        self._stopping = False
        self._wake.set()
        self._task = asyncio.create_task(self._loop(), name=f"outbox-{self.name}")

    async def stop(self) -> None:
        """Stop after the send in flight (within ``stop_grace_s``), then close the transport."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            await asyncio.wait([task], timeout=self.policy.stop_grace_s)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self.transport.close()
        except Exception:
            log.exception("closing transport %s failed", self.name)

    def wake(self) -> None:
        """Look now (call on the event loop's thread)."""
        self._wake.set()

    async def send_pending(self) -> bool:
        """Send this transport's unsent rows, a batch at a time; False when a send failed (retry later)."""
        if self.before_pass is not None:
            await self.before_pass()
        while True:
            rows = await asyncio.to_thread(self._next_batch)
            if not rows:
                return True
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.policy.send_timeout_s):
                    result = await self.transport.send(rows)
            except TimeoutError:
                result = Sent(0, f"no answer within {self.policy.send_timeout_s} s")
            except Exception as exc:  # a transport should not raise; when it does, the batch is retried
                log.exception("transport %s raised", self.name)
                result = Sent(0, f"{type(exc).__name__}: {exc}")
            self._send_seconds.observe(time.perf_counter() - started)
            count = max(0, min(result.count, len(rows)))
            sent = [row.id for row in rows[:count]]
            failed = rows[count].id if count < len(rows) else None
            if failed is not None:
                log.warning("%s: sending outbox row %s failed: %s", self.name, failed, result.error)
                self._failures.inc()
            if sent:
                self._sent.inc(len(sent))
            await asyncio.to_thread(self._mark, sent, failed, result.error or "failed, no reason given")
            if failed is not None:
                return False
            if self._stopping:
                return True

    def _next_batch(self) -> list[OutboxRow]:
        now = utcnow()
        mine = OutboxMessage.transport == self.name
        unsent = mine & OutboxMessage.sent_at.is_(None)
        with session_scope(self.sessions) as db:
            db.execute(
                update(OutboxMessage)
                .where(unsent, OutboxMessage.not_after <= now, OutboxMessage.last_error.is_distinct_from(EXPIRED_NOTE))
                .values(last_error=EXPIRED_NOTE)
            )
            live = unsent & (OutboxMessage.not_after.is_(None) | (OutboxMessage.not_after > now))
            rows = db.execute(
                select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.payload, OutboxMessage.qos,
                       OutboxMessage.retain, OutboxMessage.created_at)
                .where(live).order_by(OutboxMessage.id).limit(self.policy.batch)
            ).all()  # fmt: skip
            self._pending.set(db.scalar(select(func.count()).select_from(OutboxMessage).where(live)) or 0)
        self._oldest.set(max(0.0, (now - rows[0][5]).total_seconds()) if rows else 0.0)  # ids grow with time
        return [OutboxRow(*row[:5]) for row in rows]

    def _mark(self, sent: list[int], failed: int | None, error: str) -> None:
        now = utcnow()
        with session_scope(self.sessions) as db:
            if sent:
                db.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(sent))
                    .values(sent_at=now, attempts=OutboxMessage.attempts + 1)
                )
            if failed is not None:
                db.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == failed)
                    .values(attempts=OutboxMessage.attempts + 1, last_error=error[:500])
                )

    async def _loop(self) -> None:
        backoff = 0.0
        while not self._stopping:
            timeout = backoff or self.policy.poll_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if self._stopping:
                return
            try:
                ok = await self.send_pending()
            except Exception:
                log.exception("%s: outbox pass failed", self.name)
                ok = False
            backoff = 0.0 if ok else min(self.policy.max_backoff_s, max(0.1, backoff * 2))
