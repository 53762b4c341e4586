"""Keep a private Mosquitto's password file and ACL equal to the registry, whoever changes it.

Session events on the runtime's session factory notice every flush that issues or revokes credentials, adds,
moves or removes a device, or changes its groups; once such a transaction commits, the files are rewritten
(atomically) and the broker reloaded (SIGHUP) from a background task, a few changes coalesced into one
rewrite. Callers issue credentials or move devices as usual: nothing is left for them to remember.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from source_server.fleet.models import Device, DeviceGroup

if TYPE_CHECKING:
    from source_server.broker import MosquittoBroker

log = logging.getLogger(__name__)

WATCHED = ("mqtt_password_hash", "province_code", "commune_code", "village_code")
"""Device columns the password file and ACL are made of (with the device's groups)."""
FLAG = "nguon.broker_files_stale"
"""``Session.info`` key set by a flush that touched what the broker files hold."""


def touches_broker_files(session: Session) -> bool:
    """True when the pending flush of ``session`` changes credentials, area or groups of some device."""
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Device | DeviceGroup):
            return True
    for obj in session.dirty:
        if isinstance(obj, Device):
            state: Any = obj.__dict__.get("_sa_instance_state")
            if state is not None and any(state.attrs[name].history.has_changes() for name in WATCHED):
                return True
            if state is not None and state.attrs["groups"].history.has_changes():
                return True
    return False


class RegistrySync:
    """Rewrites ``broker``'s login files after each commit on ``sessions`` that changed them, then reloads it."""

    def __init__(self, *, sessions: sessionmaker[Session], broker: MosquittoBroker, debounce_s: float = 0.05) -> None:
        self.sessions = sessions
        self.broker = broker
        self.debounce_s = debounce_s
        self.syncs = 0
        """How many rewrites were done (tests, logs)."""
        self._wanted = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # -- session events (any thread) --------------------------------------------------------------------

    def _after_flush(self, session: Session, _context: object) -> None:
        if not session.info.get(FLAG) and touches_broker_files(session):
            session.info[FLAG] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(FLAG, False):
            self.request()

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop(FLAG, None)

    def request(self) -> None:
        """Ask for a rewrite soon (thread-safe: commits happen in request threads)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wanted.set)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Write the files from the registry now, then follow commits."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._write)
        event.listen(self.sessions, "after_flush", self._after_flush)
        event.listen(self.sessions, "after_commit", self._after_commit)
        event.listen(self.sessions, "after_rollback", self._after_rollback)
        self._task = asyncio.create_task(self._run(), name="mosquitto-registry-sync")

    async def stop(self) -> None:
        for name, fn in (
            ("after_flush", self._after_flush),
            ("after_commit", self._after_commit),
            ("after_rollback", self._after_rollback),
        ):
            if event.contains(self.sessions, name, fn):
                event.remove(self.sessions, name, fn)
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loop = None

    async def sync(self) -> None:
        """Rewrite and reload now."""
        async with self._lock:
            self._wanted.clear()
            await asyncio.to_thread(self._write)
            self.broker.reload()

    async def _run(self) -> None:
        while True:
            await self._wanted.wait()
            await asyncio.sleep(self.debounce_s)  # a burst of commits (a CSV import, a demo seed) → one rewrite
            try:
                await self.sync()
            except Exception:
                log.exception("could not rewrite the private Mosquitto's password file and ACL; retrying in 5 s")
                await asyncio.sleep(5)
                self._wanted.set()

    def _write(self) -> None:
        with self.sessions() as db:
            result = self.broker.write_registry(db)
        self.syncs += 1
        log.info("private Mosquitto logins rewritten: %d devices", result.devices)
