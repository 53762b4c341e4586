"""Shared parts of the benchmarks: arguments, a private broker, a seeded server, the fleet subprocess."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from simulators.fleet import raise_fd_limit
from simulators.layout import DeviceSpec
from source_server.accounts.service import Role, create_user, issue_token
from source_server.broker import free_port
from source_server.config import Settings
from source_server.db import utcnow
from source_server.fleet.models import Area, Device, Presence
from source_server.serve import LiveServer, live_server
from tests.support.brokers import MosquittoProcess

PROVINCE = "64"
PER_COMMUNE = 36
RAMP_PER_S = 1000.0
"""New simulated connections per second, over all fleet processes."""
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def parser(description: str) -> argparse.ArgumentParser:
    """The arguments every benchmark takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--devices", type=int, default=10000)
    p.add_argument("--broker", choices=("mosquitto", "embedded"), default="mosquitto")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg-url", default=os.environ.get("NGUON_BENCH_PG_URL", PG_DEFAULT), help="admin URL (postgresql)")
    p.add_argument("--quick", action="store_true", help="500 devices, shorter waits")
    p.add_argument("--procs", type=int, default=1, help="fleet simulator processes (devices split evenly)")
    p.add_argument("--timeout", type=float, default=180.0, help="bound of each waiting phase (s)")
    return p


def finish_args(args: argparse.Namespace) -> argparse.Namespace:
    """Apply ``--quick``."""
    if args.quick:
        args.devices = 500
        args.timeout = min(args.timeout, 40.0)
    return args


def device_id(i: int) -> str:
    return f"sim-{i:05d}"


def commune_code(i: int) -> str:
    return f"{25000 + i // PER_COMMUNE:05d}"


def specs(n: int) -> list[DeviceSpec]:
    """The simulated devices: ``PER_COMMUNE`` to a generated commune of province 64, no village."""
    return [DeviceSpec(device_id(i), (PROVINCE, commune_code(i))) for i in range(n)]


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def stats(values: Sequence[float]) -> dict[str, float]:
    """Min, median, p95, p99 and max, in seconds rounded to ms."""
    if not values:
        return {}
    return {
        "n": len(values),
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "p95": round(pct(values, 95), 3),
        "p99": round(pct(values, 99), 3),
        "max": round(max(values), 3),
    }


def emit(**fields: Any) -> None:
    """One result line (JSON) on stdout."""
    print(json.dumps(fields, default=str), flush=True)


@contextlib.contextmanager
def database(args: argparse.Namespace, data_dir: Path) -> Any:
    """A fresh database URL: a SQLite file, or a throw-away PostgreSQL database dropped afterwards."""
    if args.db == "sqlite":
        yield f"sqlite:///{data_dir / 'bench.db'}"
        return
    name = f"nguon_bench_{os.getpid()}"
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield args.pg_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Bench:
    """A running server with ``n`` registered devices, its broker, and an admin token."""

    srv: LiveServer
    n: int
    broker_url: str
    token: str
    mosquitto: MosquittoProcess | None
    ids: list[str] = field(default_factory=list)
    procs: int = 1

    @property
    def runtime(self) -> Any:
        return self.srv.runtime


def seed(bench_srv: LiveServer, n: int) -> str:
    """Bulk-insert the province, communes, ``n`` devices and their presence rows; returns an admin token."""
    now = utcnow()
    communes = sorted({commune_code(i) for i in range(n)})
    with bench_srv.runtime.sessions.begin() as db:
        db.execute(insert(Area), [{"code": PROVINCE, "name": "Gia Lai", "level": "province", "parent_code": None,
                                   "active": True, "created_at": now}])  # fmt: skip
        db.execute(insert(Area), [{"code": c, "name": f"Xã {c}", "level": "commune", "parent_code": PROVINCE,
                                   "active": True, "created_at": now} for c in communes])  # fmt: skip
        rows = [{"id": device_id(i), "kind": "speaker", "name": "", "vendor": "", "model": "",
                 "province_code": PROVINCE, "commune_code": commune_code(i), "village_code": None, "tags": [],
                 "created_at": now, "updated_at": now} for i in range(n)]  # fmt: skip
        for i in range(0, n, 2000):
            db.execute(insert(Device), rows[i : i + 2000])
            db.execute(insert(Presence), [{"device_id": r["id"], "status": "never_seen", "session": 0}
                                          for r in rows[i : i + 2000]])  # fmt: skip
        admin = create_user(db, username="bench-admin", grants=[(Role.PROVINCE_ADMIN, PROVINCE)])
        return issue_token(db, user=admin)


@asynccontextmanager
async def bench_server(
    args: argparse.Namespace, *, persistence: bool = False, **overrides: Any
) -> AsyncIterator[Bench]:
    """Broker + database + live server with ``args.devices`` registered devices; everything removed afterwards.

    ``persistence``: Mosquitto keeps retained messages across restarts, as the production configuration does."""
    raise_fd_limit()
    data_dir = Path(tempfile.mkdtemp(prefix="nguon-bench-"))
    mosq = None
    try:
        if args.broker == "mosquitto":
            mosq = MosquittoProcess(extra_config="max_connections -1\n", workdir=data_dir, persistence=persistence)
            mosq.start()
        with database(args, data_dir) as db_url:
            settings = Settings(
                data_dir=data_dir, database_url=db_url, mqtt_url=mosq.url if mosq else None,
                embedded_broker="amqtt", embedded_broker_port=free_port(), mqtt_client_id="nguon-bench",
                http_port=free_port(),
                heartbeat_s=30, inactivity_timeout_s=90, presence_flush_s=0.2,
            )  # fmt: skip
            settings = settings.model_copy(update=overrides)
            async with live_server(settings) as srv:
                token = await asyncio.to_thread(seed, srv, args.devices)
                await srv.runtime.presence.refresh_devices()
                ids = [device_id(i) for i in range(args.devices)]
                yield Bench(srv, args.devices, srv.runtime.broker.url, token, mosq, ids, max(1, args.procs))
    finally:
        if mosq is not None:
            mosq.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


class FleetProc:
    """The fleet simulator in ``bench.procs`` processes (``python -m bench._fleet``), driven by JSON lines.

    Each process runs a contiguous slice of the devices at its share of the 1000/s connection ramp; ``call``
    sends an operation to the processes concerned and merges their answers.
    """

    def __init__(self, procs: list[asyncio.subprocess.Process], firsts: list[int]) -> None:
        self.procs = procs
        self.firsts = firsts

    @classmethod
    async def start(
        cls,
        bench: Bench,
        *,
        keepalive_s: int,
        heartbeat_s: float,
        max_s: float,
        skew_ms: int = 0,
        backoff_cap_s: float = 10,
    ) -> FleetProc:
        signer = bench.runtime.signer
        host, port = bench.broker_url.removeprefix("mqtt://").rsplit(":", 1)
        n, k = bench.n, max(1, min(bench.procs, bench.n))
        firsts = [i * n // k for i in range(k)]
        procs = []
        for i, first in enumerate(firsts):
            count = (firsts[i + 1] if i + 1 < k else n) - first
            cmd = [sys.executable, "-m", "bench._fleet", "--host", host, "--port", port, "--devices", str(count),
                   "--first", str(first), f"--kid={signer.kid}", f"--pub={signer.public_b64()}",
                   "--keepalive", str(keepalive_s), "--heartbeat", str(heartbeat_s), "--max-s", str(max_s),
                   "--ramp", str(RAMP_PER_S / k), "--skew-ms", str(skew_ms), "--backoff-cap", str(backoff_cap_s)]  # fmt: skip
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, limit=1 << 28, cwd=Path(__file__).parents[1]
            )
            procs.append(proc)
        return cls(procs, firsts)

    def _owner(self, device: str) -> int:
        index = int(device.removeprefix("sim-"))
        return max(i for i, first in enumerate(self.firsts) if first <= index)

    @staticmethod
    async def _read(proc: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"fleet process exited ({proc.returncode})")
        return json.loads(line)  # type: ignore[no-any-return]

    @classmethod
    async def _ask(cls, proc: asyncio.subprocess.Process, op: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(op) + "\n").encode())
        await proc.stdin.drain()
        return await cls._read(proc, timeout)

    async def call(self, timeout: float = 60, **op: Any) -> dict[str, Any]:
        """Send ``op`` (``kill`` only to the owners of its ids) and merge the answers."""
        if op["op"] in ("kill", "cut", "revive"):
            share: dict[int, list[str]] = {}
            for device in op["ids"]:
                share.setdefault(self._owner(device), []).append(device)
            asks = [(self.procs[i], {**op, "ids": ids}) for i, ids in share.items()]
        elif op["op"] == "profile":
            asks = [(p, {**op, "path": f"{op['path']}.{i}"}) for i, p in enumerate(self.procs)]
        else:
            asks = [(p, op) for p in self.procs]
        replies = await asyncio.gather(*(self._ask(p, o, timeout) for p, o in asks))
        merged: dict[str, Any] = {}
        for reply in replies:
            for key, value in reply.items():
                if key not in merged:
                    merged[key] = value
                elif isinstance(value, dict):
                    merged[key] = {**merged[key], **value}
                elif key == "t":
                    merged[key] = min(merged[key], value)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    merged[key] = merged[key] + value
        return merged

    async def stop(self) -> None:
        await asyncio.gather(*(self._stop(p) for p in self.procs))

    @classmethod
    async def _stop(cls, proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is None:
            with contextlib.suppress(Exception):
                await cls._ask(proc, {"op": "stop"}, 60)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def wait_until(cond: Any, timeout: float, poll_s: float = 0.05) -> float | None:
    """Seconds until ``cond()`` is true (monotonic), or None after ``timeout``."""
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            return None
        await asyncio.sleep(poll_s)
    return time.monotonic() - t0
