"""Commit signals: a commit that changed watched rows calls the watch's callback once, after the commit, and only then.

Against the real database of the session (SQLite or PostgreSQL): ORM objects flushed and ORM statements
(``session.execute(insert(...), rows)``, the way outbox rows are written) both count; a rollback, a muted session,
an operation not watched and a stopped part call nobody.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session, sessionmaker

from source_server.bulletins.models import Category
from source_server.commit_signals import INSERT, CommitSignals, mute
from source_server.db import utcnow
from source_server.dispatch.models import OutboxMessage


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def _outbox_row(topic: str = "nguon/v1/grp/g/cmd") -> dict[str, object]:
    return {"topic": topic, "payload": "{}", "qos": 1, "retain": False, "created_at": utcnow(), "not_after": None}


@pytest.fixture
async def signals(db: sessionmaker[Session]):
    signals = CommitSignals(db)
    await signals.start()
    yield signals
    await signals.stop()


async def test_an_orm_insert_statement_wakes_after_the_commit_not_before(db, signals) -> None:
    woke = Counter()
    signals.watch([OutboxMessage], woke, ops=[INSERT])
    with db() as s:
        s.execute(insert(OutboxMessage), [_outbox_row(), _outbox_row()])
        s.flush()
        assert woke.calls == 0, "nothing is visible to the dispatcher before the commit"
        s.commit()
        assert woke.calls == 1, "once per commit, however many rows"
        s.execute(update(OutboxMessage).values(attempts=1))  # an update is not a new row
        s.commit()
    assert woke.calls == 1


async def test_flushed_objects_count_by_operation(db, signals) -> None:
    changed = Counter()
    signals.watch([Category], changed)
    with db.begin() as s:
        s.add(Category(code="x-test", name_vi="Thử", name_en="Test"))
    assert changed.calls == 1
    with db.begin() as s:
        category = s.get(Category, "x-test")
        assert category is not None
        category.name_en = "Tested"
    assert changed.calls == 2
    with db.begin() as s:
        s.execute(delete(Category).where(Category.code == "x-test"))
    assert changed.calls == 3
    with db.begin() as s:  # a commit that touches other tables only
        s.execute(insert(OutboxMessage), [_outbox_row()])
    assert changed.calls == 3


async def test_a_rollback_a_muted_session_and_a_stopped_part_wake_nobody(db, signals) -> None:
    woke = Counter()
    signals.watch([OutboxMessage], woke)
    with db() as s:
        s.execute(insert(OutboxMessage), [_outbox_row()])
        s.rollback()
        s.commit()  # nothing left to report from the rolled-back work
    assert woke.calls == 0
    with db.begin() as s:
        mute(s, woke)
        s.execute(insert(OutboxMessage), [_outbox_row()])
    assert woke.calls == 0
    await signals.stop()
    with db.begin() as s:
        s.execute(insert(OutboxMessage), [_outbox_row()])
    assert woke.calls == 0
    await signals.start()
    with db.begin() as s:
        s.execute(insert(OutboxMessage), [_outbox_row()])
    assert woke.calls == 1


async def test_a_failing_callback_does_not_undo_or_fail_the_commit(db, signals, caplog) -> None:
    def broken() -> None:
        raise RuntimeError("event loop is closed")

    after: Callable[[], None] = Counter()
    signals.watch([OutboxMessage], broken)
    signals.watch([OutboxMessage], after)
    with db.begin() as s:
        s.execute(insert(OutboxMessage), [_outbox_row("nguon/v1/grp/kept/cmd")])
    with db() as s:
        assert s.query(OutboxMessage).filter_by(topic="nguon/v1/grp/kept/cmd").count() == 1
    assert isinstance(after, Counter) and after.calls == 1
    assert "waking" in caplog.text


def test_an_unknown_operation_is_refused(db) -> None:
    with pytest.raises(ValueError, match="unknown operations"):
        CommitSignals(db).watch([OutboxMessage], Counter(), ops=["upsert"])
