"""The programme scheduler of one server process: APScheduler 3.x jobs, run only while this process leads.

A ``leader`` interval job tries to take the leader lock (``leader.py``) and, once leader, checks it still holds
it. The leader runs ``sync`` as an interval job (``coalesce``, ``max_instances=1``) starting at once — so a
restart syncs first thing and misses nothing — and again whenever ``wake()`` says a change was committed (the
runtime's commit signals call it after a commit that changed a programme, a slot or an item). A
follower does not sync; it takes over within ``programme_leader_retry_s`` when the leader goes away. A change
committed through a follower replica reaches devices at the leader's next interval (``programme_sync_interval_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey
from source_server.commit_signals import mute
from source_server.config import Settings
from source_server.db import session_scope, utcnow
from source_server.scheduling.leader import LeaderLock
from source_server.scheduling.tasks import SyncReport, sync_programmes

log = logging.getLogger(__name__)
_JOB = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


class ProgrammeScheduler:
    """Start, stop, wake; ``is_leader`` and ``last_report`` for status pages and tests."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: Settings,
        signer: SigningKey,
        on_sent: Callable[[], None] | None = None,
        lock: LeaderLock | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.signer = signer
        self.on_sent = on_sent
        self.lock = lock or LeaderLock(settings.db_url)
        self.is_leader = False
        self.last_report: SyncReport | None = None
        self.syncs = 0
        self._scheduler: AsyncIOScheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = threading.Lock()
        self._running = False
        self._dirty = False
        self._stopping = False

    async def start(self) -> None:
        """Begin trying to lead (at once, then every ``programme_leader_retry_s``)."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.start()
        self._scheduler.add_job(
            self._lead,
            "interval",
            seconds=self.settings.programme_leader_retry_s,
            id="leader",
            next_run_time=utcnow(),
            **_JOB,
        )

    async def stop(self) -> None:
        """Stop the jobs, wait for a sync in progress to commit, give up leadership."""
        self._stopping = True
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        got = await asyncio.to_thread(self._busy.acquire, True, 30)
        if got:
            self._busy.release()
        self.is_leader = False
        await asyncio.to_thread(self.lock.dispose)

    def wake(self) -> None:
        """A programme change was committed: sync soon (thread-safe; on a follower the leader's interval does it)."""
        self._dirty = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._kick)

    def _kick(self) -> None:
        if not self.is_leader or self._running or self._scheduler is None or self._stopping:
            return
        job = self._scheduler.get_job("sync")
        if job is not None:
            job.modify(next_run_time=utcnow())

    async def _lead(self) -> None:
        if self._stopping or self._scheduler is None:
            return
        if self.is_leader:
            if not await asyncio.to_thread(self.lock.still_held):
                log.warning("programme scheduler: lost the leader lock; stepping down")
                self.is_leader = False
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job("sync")
            return
        if not await asyncio.to_thread(self.lock.try_acquire):
            return
        if self._stopping or self._scheduler is None:
            # stop() ran while the lock was being taken: give it back (else its connection outlives the scheduler)
            await asyncio.to_thread(self.lock.dispose)
            return
        self.is_leader = True
        log.info("programme scheduler: this process leads")
        self._scheduler.add_job(
            self._sync_job,
            "interval",
            seconds=self.settings.programme_sync_interval_s,
            id="sync",
            next_run_time=utcnow(),
            replace_existing=True,
            **_JOB,
        )

    async def _sync_job(self) -> None:
        self._running = True
        try:
            while self.is_leader and not self._stopping:
                self._dirty = False
                report = await asyncio.to_thread(self.sync_once)
                if report is not None and report.commands and self.on_sent is not None:
                    self.on_sent()
                if not self._dirty:
                    break
        except Exception:
            log.exception("programme sync failed; retrying at the next interval")
        finally:
            self._running = False

    def sync_once(self) -> SyncReport | None:
        """One sync in its own transaction (blocking; None when stopping)."""
        with self._busy:
            if self._stopping:
                return None
            with session_scope(self.sessions) as db:
                mute(db, self.wake)  # its own writes to the items are not a change to sync again
                report = sync_programmes(db, settings=self.settings, signer=self.signer, now=utcnow())
            self.last_report = report
            self.syncs += 1
            return report
