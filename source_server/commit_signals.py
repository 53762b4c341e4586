"""Wake background work when a commit changed the tables it watches, so no caller has to "commit, then wake".

``CommitSignals`` listens on one sessionmaker. While a transaction runs it notes, in ``session.info``, which
watches its changes concern: rows of a watched table inserted, updated or deleted by a flush of ORM objects or by
an ORM statement (``session.execute(insert(OutboxMessage), rows)``). After the commit it calls each concerned
watch's callback once; a rollback forgets them. Statements outside the session (a raw connection) are not seen.

A session may mute a callback (``mute(session, callback)``): the programme sync's own commits write schedule
items and must not wake the sync again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

log = logging.getLogger(__name__)

INSERT, UPDATE, DELETE = "insert", "update", "delete"
ALL = frozenset({INSERT, UPDATE, DELETE})
_PENDING = "commit_signals.pending"
_MUTED = "commit_signals.muted"


@dataclass(frozen=True)
class _Watch:
    callback: Callable[[], None]
    ops: frozenset[str]


def mute(session: Session, callback: Callable[[], None]) -> None:
    """This session's commits do not call ``callback`` (its own writes are not news to it)."""
    session.info.setdefault(_MUTED, set()).add(callback)


class CommitSignals:
    """Callbacks called after commits that changed rows of the tables each one watches (a runtime part)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._by_table: dict[str, list[_Watch]] = {}
        self._listening = False

    def watch(
        self, tables: Iterable[type[Any] | Table], callback: Callable[[], None], *, ops: Iterable[str] = ALL
    ) -> None:
        """Call ``callback`` (thread-safe, cheap: it only signals) after a commit that did one of ``ops`` on ``tables``
        (mapped classes or tables)."""
        w = _Watch(callback, frozenset(ops))
        if not w.ops <= ALL:
            raise ValueError(f"unknown operations {sorted(w.ops - ALL)}; known: {sorted(ALL)}")
        for t in tables:
            table = t if isinstance(t, Table) else t.__table__
            self._by_table.setdefault(table.name, []).append(w)

    async def start(self) -> None:
        """Begin listening on the sessionmaker."""
        if not self._listening:
            for name, fn in self._listeners():
                event.listen(self.sessions, name, fn)
            self._listening = True

    async def stop(self) -> None:
        """Stop listening: commits after the parts stopped wake nobody."""
        if self._listening:
            for name, fn in self._listeners():
                event.remove(self.sessions, name, fn)
            self._listening = False

    def _listeners(self) -> list[tuple[str, Callable[..., None]]]:
        return [
            ("after_flush", self._after_flush),
            ("do_orm_execute", self._on_execute),
            ("after_commit", self._after_commit),
            ("after_rollback", self._after_rollback),
        ]

    def _note(self, session: Session, table: str, op: str) -> None:
        watches = self._by_table.get(table)
        if watches:
            pending: set[_Watch] | None = session.info.get(_PENDING)
            for w in watches:
                if op in w.ops:
                    if pending is None:
                        pending = session.info[_PENDING] = set()
                    pending.add(w)

    def _after_flush(self, session: Session, _flush: UOWTransaction) -> None:
        by_table = self._by_table
        for objects, op in ((session.new, INSERT), (session.dirty, UPDATE), (session.deleted, DELETE)):
            for obj in objects:
                table = getattr(type(obj), "__tablename__", None)
                if table in by_table:
                    self._note(session, table, op)

    def _on_execute(self, state: ORMExecuteState) -> None:
        if state.is_select:
            return
        op = INSERT if state.is_insert else UPDATE if state.is_update else DELETE if state.is_delete else None
        table = getattr(state.statement, "table", None)
        if op is not None and isinstance(table, Table):
            self._note(state.session, table.name, op)

    def _after_commit(self, session: Session) -> None:
        pending: set[_Watch] | None = session.info.pop(_PENDING, None)
        if not pending:
            return
        muted = session.info.get(_MUTED, ())
        for callback in {w.callback for w in pending} - set(muted):
            try:
                callback()
            except Exception:  # the commit happened: a failed wake must not turn it into an error
                log.exception("waking %r after a commit failed", callback)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_PENDING, None)
