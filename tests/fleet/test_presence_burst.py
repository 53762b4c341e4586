"""A burst of 10,000 state messages (a whole province reconnecting) is in the database within 2 s."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, insert, select

from protocols import StateMessage
from source_server.db import session_scope, utcnow
from source_server.events import EventHub
from source_server.fleet.models import Area, Device, DeviceEvent, Presence
from source_server.fleet.presence import PresenceTracker
from source_server.metrics import DB_WRITE_LAG

N = 10_000


async def test_ten_thousand_states_are_committed_within_two_seconds(db, settings) -> None:
    with session_scope(db) as s:
        s.add(Area(code="p", name="Tỉnh", level="province"))
        s.flush()
        s.add_all(Area(code=f"c{i}", name=f"Xã {i}", level="commune", parent_code="p") for i in range(100))
        s.flush()
        now = utcnow()
        s.execute(
            insert(Device),
            [
                {
                    "id": f"d{i:05d}",
                    "kind": "speaker",
                    "name": "",
                    "vendor": "",
                    "model": "",
                    "province_code": "p",
                    "commune_code": f"c{i % 100}",
                    "tags": [],
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(N)
            ],
        )
    tracker = PresenceTracker(sessions=db, settings=settings, hub=EventHub())
    await tracker.start()
    try:
        tracker.on_broker_connection(True, utcnow())
        online: list[str] = []
        tracker.add_online_listener(online.append)
        lag_before = DB_WRITE_LAG.labels("presence")._sum.get()
        t0 = time.monotonic()
        msgs = [StateMessage(online=True, session=1) for _ in range(N)]
        for i, msg in enumerate(msgs):
            tracker.on_state(f"d{i:05d}", msg, utcnow(), retained=True)
        ingest_s = time.monotonic() - t0
        count = 0
        while time.monotonic() - t0 < 5:
            await asyncio.sleep(0.05)
            with db() as s:
                count = s.scalar(select(func.count()).where(Presence.status == "online"))
            if count == N:
                break
        lag = time.monotonic() - t0
        print(f"ingest {ingest_s:.3f} s, committed after {lag:.3f} s")
        assert count == N
        assert lag < 2.0, f"10,000 states took {lag:.2f} s to reach the database"
        assert len(online) == N
        with db() as s:
            assert s.scalar(select(func.count()).select_from(DeviceEvent)) == N
        await tracker.flush()  # the batch is committed before its metrics are recorded: let that finish
        assert DB_WRITE_LAG.labels("presence")._sum.get() > lag_before
    finally:
        await tracker.stop()
