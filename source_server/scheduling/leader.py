"""Who runs the programme sync: one leader among server processes sharing a database.

PostgreSQL: the process holding the advisory lock ``(LEADER_KEY, hashtext(database/schema))`` on a dedicated
connection (one leader per installation, also when several share a database in separate schemas; its own
``NullPool`` engine in autocommit, so the lock dies with the connection and never lingers in a pool). SQLite:
the single process is the leader; an exclusive ``flock`` on ``<database>.scheduler-lock`` makes a second
scheduler on the same file (another process by mistake, or a test) a follower. In-memory SQLite: always leader.
Blocking calls: run them in a thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

LEADER_KEY = 0x4E47_0001
"""First half of the scheduler leader's advisory lock id ("NG" 1); the second is the installation's schema."""
SYNC_KEY = 0x4E47_0002
"""Transaction-level advisory lock every sync takes: two syncs never interleave, even across a hand-over."""
SCOPE_SQL = "hashtext(current_database() || '/' || current_schema())"


class LeaderLock:
    """Try to become leader, check the lock is still held, let it go."""

    def __init__(self, db_url: str) -> None:
        url = make_url(db_url)
        self.backend = url.get_backend_name()
        self._url = db_url
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._fd: int | None = None
        self._file: Path | None = None
        if self.backend == "sqlite" and url.database and url.database != ":memory:":
            self._file = Path(url.database).with_name(Path(url.database).name + ".scheduler-lock")

    @property
    def held(self) -> bool:
        """True while this lock object holds leadership."""
        if self.backend == "postgresql":
            return self._conn is not None
        return self._fd is not None or self._file is None

    def try_acquire(self) -> bool:
        """Become leader if nobody else is; True when this object holds the lock now."""
        if self.held:
            return True
        if self.backend == "postgresql":
            return self._try_pg()
        assert self._file is not None
        fd = os.open(self._file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _try_pg(self) -> bool:
        if self._engine is None:
            self._engine = create_engine(self._url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            conn = self._engine.connect()
        except Exception as exc:
            log.warning("scheduler leader lock: cannot connect: %s", exc)
            return False
        try:
            got = bool(conn.execute(text(f"SELECT pg_try_advisory_lock(:k, {SCOPE_SQL})"), {"k": LEADER_KEY}).scalar())
        except Exception as exc:
            log.warning("scheduler leader lock: %s", exc)
            got = False
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        """Check the dedicated connection is alive (PostgreSQL); False (and released) when it is not."""
        if self.backend != "postgresql":
            return self.held
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.warning("scheduler leader lock lost: %s", exc)
            self.release()
            return False

    def release(self) -> None:
        """Give leadership up (closing the connection or file frees the lock)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                conn.execute(text(f"SELECT pg_advisory_unlock(:k, {SCOPE_SQL})"), {"k": LEADER_KEY})
            with contextlib.suppress(Exception):
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def dispose(self) -> None:
        """Release and drop the dedicated engine."""
        self.release()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def serialise_sync(conn: Connection) -> None:
    """Wait for any other sync of this installation to finish (PostgreSQL; held until the transaction ends)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock(:k, {SCOPE_SQL})"), {"k": SYNC_KEY})
