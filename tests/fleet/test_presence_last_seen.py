"""Acks that change nothing visible do not rewrite the presence row, and presence stays right (issue 9's CPU cut).

Before: every ack rewrote the device's row (10,000 devices x 4 acks = 40,000 row writes in an emergency, see
``bench/presence_acks.py``). Now the stored ``last_seen`` lags the exact one by less than ``last_seen_write_s``
(30 s by default); staleness, offline listeners and the in-memory view use the exact value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from source_server.fleet import presence_queries as queries
from source_server.fleet.models import Presence
from source_server.fleet.presence_journal import last_seen_write_s
from source_server.metrics import DB_BATCH_SIZE
from tests.support.presence import T0, seed, state, tracker


def stored_seen(db: sessionmaker[Session], device_id: str) -> datetime | None:
    with db() as s:
        row = s.get(Presence, device_id)
        return row.last_seen if row else None


def rows_written() -> float:
    return DB_BATCH_SIZE.labels("presence")._sum.get()


def test_the_bound_stays_below_the_heartbeat_and_the_inactivity_timeout(settings) -> None:
    assert last_seen_write_s(settings.model_copy(update={"heartbeat_s": 30, "inactivity_timeout_s": 90})) == 30
    assert last_seen_write_s(settings.model_copy(update={"heartbeat_s": 10, "inactivity_timeout_s": 90})) == 10
    assert last_seen_write_s(settings.model_copy(update={"heartbeat_s": 30, "inactivity_timeout_s": 6})) == 2


async def test_acks_write_last_seen_at_most_every_n_seconds_and_staleness_uses_the_exact_time(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings, heartbeat_s=30, inactivity_timeout_s=90)
    n = timedelta(seconds=last_seen_write_s(t.settings))
    t.on_state(d, state(True, 1), T0, retained=False)
    await t.flush()
    assert stored_seen(db, d) == T0
    before = rows_written()
    for s in range(1, 30):  # an ack a second: nothing visible changes but last_seen
        t.on_activity(d, T0 + timedelta(seconds=s))
        await t.flush()
    assert rows_written() == before  # the failure this guards against: 29 row writes
    assert t.snapshot(d).last_seen == T0 + timedelta(seconds=29)  # type: ignore[union-attr]  # exact in memory
    assert stored_seen(db, d) == T0  # stored: within n of the exact time
    with db() as s:
        (item,), _ = queries.list_devices(s, areas={"p"})
    assert T0 + timedelta(seconds=29) - item["last_seen"] < n

    t.on_activity(d, T0 + timedelta(seconds=30))  # n since the stored value: written
    await t.flush()
    assert stored_seen(db, d) == T0 + timedelta(seconds=30) and rows_written() == before + 1

    # Staleness runs on the exact time: 90 s after the last ack, not after the stored last_seen.
    t.on_activity(d, T0 + timedelta(seconds=50))
    t.sweep(T0 + timedelta(seconds=139))
    assert t.snapshot(d).status == "online"  # type: ignore[union-attr]  # 120 s after the stored 30 s: not stale
    t.sweep(T0 + timedelta(seconds=141))
    assert t.snapshot(d).status == "stale"  # type: ignore[union-attr]
    await t.flush()
    with db() as s:
        row = s.get(Presence, d)
        assert row is not None and (row.status, row.last_seen) == ("stale", T0 + timedelta(seconds=50))
    # A status change is written at once, with the exact last_seen.
    t.on_activity(d, T0 + timedelta(seconds=142))
    await t.flush()
    with db() as s:
        row = s.get(Presence, d)
        assert row is not None and (row.status, row.last_seen) == ("online", T0 + timedelta(seconds=142))


async def test_offline_after_lagging_acks_reports_the_exact_last_sign_and_stop_writes_it(db, settings) -> None:
    a, b = seed(db, 2)
    t, _ = await tracker(db, settings, heartbeat_s=30, inactivity_timeout_s=90)
    gone: list[tuple[str, datetime | None]] = []
    t.add_offline_listener(lambda d, at, seen: gone.append((d, seen)))
    for d in (a, b):
        t.on_state(d, state(True, 1), T0, retained=False)
    await t.flush()
    t.on_activity(a, T0 + timedelta(seconds=5))
    t.on_activity(b, T0 + timedelta(seconds=7))
    t.on_state(a, state(False, 1), T0 + timedelta(seconds=8), retained=False)  # its Will (the fence echoes)
    assert gone == [(a, T0 + timedelta(seconds=8))]
    await t.flush()
    assert stored_seen(db, a) == T0 + timedelta(seconds=8)
    assert stored_seen(db, b) == T0  # lagging, within n
    await t.stop()
    assert stored_seen(db, b) == T0 + timedelta(seconds=7)  # exact once the server stops
