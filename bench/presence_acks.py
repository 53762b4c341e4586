"""Presence work per ack in an emergency: CPU seconds of the tracker (ingest and batch writes) for N online devices
each acking K times (received, downloaded, started, done), one flush per ack round, as the server's loop does;
each device was last heard 0-29 s before (the 30 s heartbeat).

Counts the CPU of this process (``time.process_time``, every thread: the writes run in a worker thread), not wall
time, and the presence rows written. Runs against a SQLite file by default, or ``--db-url``. Only public tracker
methods are used, so the same script measures an older tree (``cd old-tree && python -m bench.presence_acks``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from protocols import StateMessage
from source_server.config import Settings
from source_server.db import make_engine, make_sessionmaker, session_scope, utcnow
from source_server.events import EventHub
from source_server.fleet.models import Area, Device
from source_server.fleet.presence import PresenceTracker
from source_server.metrics import DB_BATCH_SIZE
from source_server.migrate import upgrade


async def run(url: str, devices: int, acks: int, gap_s: float) -> dict[str, object]:
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    ids = [f"d{i:05d}" for i in range(devices)]
    with session_scope(sessions) as s:
        s.add(Area(code="p", name="Tỉnh", level="province"))
        s.flush()
        s.add_all(Area(code=f"c{i}", name=f"Xã {i}", level="commune", parent_code="p") for i in range(100))
        s.flush()
        now = utcnow()
        s.execute(insert(Device), [{"id": d, "kind": "speaker", "name": "", "vendor": "", "model": "",
                                    "province_code": "p", "commune_code": f"c{i % 100}", "tags": [],
                                    "created_at": now, "updated_at": now} for i, d in enumerate(ids)])  # fmt: skip
    tracker = PresenceTracker(sessions=sessions, settings=Settings(), hub=EventHub())
    await tracker.load()
    t0 = utcnow()
    tracker.on_broker_connection(True, t0)
    for i, d in enumerate(ids):  # last heard 0-29 s before the emergency (heartbeats every 30 s)
        tracker.on_state(d, StateMessage(online=True, session=1), t0 - timedelta(seconds=i % 30), retained=False)
    await tracker.flush()
    rows0 = DB_BATCH_SIZE.labels("presence")._sum.get()
    cpu0, wall0 = time.process_time(), time.monotonic()
    for k in range(1, acks + 1):
        at = t0 + timedelta(seconds=k * gap_s)
        for d in ids:
            tracker.on_activity(d, at)
        await tracker.flush()
    cpu = time.process_time() - cpu0
    return {
        "devices": devices,
        "acks_per_device": acks,
        "ack_gap_s": gap_s,
        "cpu_s": round(cpu, 3),
        "wall_s": round(time.monotonic() - wall0, 3),
        "rows_written": int(DB_BATCH_SIZE.labels("presence")._sum.get() - rows0),
        "backend": url.split(":", 1)[0],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=10_000)
    p.add_argument("--acks", type=int, default=4)
    p.add_argument("--gap-s", type=float, default=1.0, help="simulated seconds between a device's acks")
    p.add_argument("--db-url", default="")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = a.db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(json.dumps(asyncio.run(run(url, a.devices, a.acks, a.gap_s))))


if __name__ == "__main__":
    main()
