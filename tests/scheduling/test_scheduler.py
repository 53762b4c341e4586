"""The scheduler: one leader among processes sharing the database, a sync on start and on every change, and
restarts that neither repeat nor miss a send. Runs on both backends: on PostgreSQL the leader holds an advisory
lock on its own connection; on SQLite an exclusive lock on a file next to the database does that job."""

from __future__ import annotations

import asyncio
import time as clock
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey
from source_server.config import Settings
from source_server.scheduling import service
from source_server.scheduling.leader import LEADER_KEY, SCOPE_SQL, LeaderLock
from source_server.scheduling.scheduler import ProgrammeScheduler
from tests.scheduling.support import GAP, A, bulletin, commands, future_day, slot, who
from tests.support.databases import backend


@pytest.fixture
def fast(conf: Settings) -> Settings:
    """Leadership retried every 0.1 s; syncs only on start and on wake (the interval is an hour)."""
    return conf.model_copy(
        update={"programme_horizon_s": 3 * 86400, "programme_leader_retry_s": 0.1, "programme_sync_interval_s": 3600}
    )


async def until(cond: Callable[[], bool], timeout: float = 10, what: str = "condition") -> None:
    deadline = clock.monotonic() + timeout
    while not cond():
        if clock.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def place(db: sessionmaker[Session], *, title: str) -> int:
    """A bulletin placed last in the 06:00 slot (created with the first placement) the day after tomorrow."""
    with db() as s:
        slots = service.list_slots(s, principal=who("viewer-a"), area_code=A)
    sid = slots[0].id if slots else slot(db, start=time(6, 0))
    bid = bulletin(db, duration_ms=30_000, title=title)
    with db.begin() as s:
        return service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, slot_id=sid,
                             day=future_day(), gap=GAP).id  # fmt: skip


def plays_per_title(db: sessionmaker[Session]) -> Counter[str]:
    return Counter(c.title for c in commands(db) if c.type == "play")


@pytest.fixture
async def schedulers(
    seeded: sessionmaker[Session], fast: Settings, signer: SigningKey
) -> AsyncIterator[Callable[[], ProgrammeScheduler]]:
    made: list[ProgrammeScheduler] = []

    def make() -> ProgrammeScheduler:
        made.append(ProgrammeScheduler(sessions=seeded, settings=fast, signer=signer))
        return made[-1]

    yield make
    for s in made:
        await s.stop()


def test_the_leader_lock_is_exclusive_and_passes_on_when_released(db_url: str) -> None:
    first, second = LeaderLock(db_url), LeaderLock(db_url)
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire()  # a second holder on its own connection (or file descriptor)
        first.release()
        assert second.try_acquire() and not first.try_acquire()
    finally:
        first.dispose()
        second.dispose()


async def test_of_two_schedulers_only_the_leader_sends_and_the_other_takes_over(
    seeded: sessionmaker[Session], schedulers: Callable[[], ProgrammeScheduler]
) -> None:
    place(seeded, title="Tin 1")
    one, two = schedulers(), schedulers()
    await one.start()
    await until(lambda: one.syncs >= 1, what="first leader's sync")
    await two.start()
    await asyncio.sleep(0.5)  # five retry periods: the follower keeps trying and failing
    assert (one.is_leader, two.is_leader, two.syncs) == (True, False, 0)
    place(seeded, title="Tin 2")
    one.wake()
    two.wake()  # a follower ignores a wake: only the leader sends
    await until(lambda: plays_per_title(seeded)["Tin 2"] == 1, what="Tin 2 sent")
    await one.stop()
    await until(lambda: two.is_leader and two.syncs >= 1, what="take-over")
    place(seeded, title="Tin 3")
    two.wake()
    await until(lambda: plays_per_title(seeded)["Tin 3"] == 1, what="Tin 3 sent by the new leader")
    await asyncio.sleep(0.2)
    assert plays_per_title(seeded) == Counter({"Tin 1": 1, "Tin 2": 1, "Tin 3": 1})


async def test_a_restart_neither_repeats_nor_misses(
    seeded: sessionmaker[Session], schedulers: Callable[[], ProgrammeScheduler]
) -> None:
    place(seeded, title="Trước")
    before = schedulers()
    await before.start()
    await until(lambda: before.syncs >= 1, what="sync on start")
    await before.stop()
    place(seeded, title="Trong lúc dừng")  # placed while no scheduler runs (and nobody wakes one)
    after = schedulers()
    await after.start()
    await until(lambda: after.syncs >= 1, what="sync on restart")
    assert after.last_report is not None and after.last_report.sent == 1
    assert plays_per_title(seeded) == Counter({"Trước": 1, "Trong lúc dừng": 1})


async def test_a_leader_that_loses_its_database_connection_steps_down(
    db_url: str, seeded: sessionmaker[Session], schedulers: Callable[[], ProgrammeScheduler]
) -> None:
    if backend() != "postgresql":
        pytest.skip("only PostgreSQL leadership lives on a connection that can be lost; SQLite's is a file lock")
    one, two = schedulers(), schedulers()
    await one.start()
    await until(lambda: one.is_leader, what="leader")
    await two.start()
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # kill the leader's lock connection (this schema's), as a network cut would
        killed = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
                f" AND classid::bigint = :k AND objid::bigint = ({SCOPE_SQL})::bigint & 4294967295"
            ),
            {"k": LEADER_KEY},
        ).all()
    assert killed == [(True,)]
    admin.dispose()
    await until(lambda: two.is_leader and not one.is_leader, what="hand-over after the lost connection")
