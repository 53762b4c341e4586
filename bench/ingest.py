"""Ingest: a burst of N state messages and of N acks for a real command, lag to the database and loss;
and the per-area summary query over N devices."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench._common import Bench, bench_server, emit, finish_args, parser, wait_until
from bench.emergency import tone
from source_server.dispatch.models import Delivery
from source_server.fleet.models import Presence
from source_server.fleet.presence_queries import summary


async def burst(bench: Bench, kind: str, command_id: str = "", max_s: float = 120) -> dict[str, float]:
    host, port = bench.broker_url.removeprefix("mqtt://").rsplit(":", 1)
    cmd = [sys.executable, "-m", "bench._publisher", "--host", host, "--port", port, "--kind", kind,
           "--devices", str(bench.n), "--command-id", command_id, "--max-s", str(max_s)]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE, cwd=Path(__file__).parents[1])
    out, _ = await asyncio.wait_for(proc.communicate(), max_s + 30)
    return json.loads(out)  # type: ignore[no-any-return]


def count(bench: Bench, query: object) -> int:
    with bench.runtime.sessions() as db:
        return db.scalar(query) or 0  # type: ignore[arg-type]


async def measure(bench: Bench, kind: str, query: object, timeout: float, command_id: str = "") -> None:
    pub = await burst(bench, kind, command_id)
    t_db = await wait_until(lambda: count(bench, query) >= bench.n, timeout, poll_s=0.05)
    t_done = time.time()
    got = count(bench, query)
    lag = None if t_db is None else round(t_done - pub["last_puback"], 3)
    emit(phase=f"ingest_{kind}", devices=bench.n, publish_s=round(pub["last_puback"] - pub["first"], 3),
         pubacks=pub["pubacks"], lag_after_last_puback_s=lag, committed=got, lost=bench.n - got)  # fmt: skip


async def run(args: object) -> None:
    a = finish_args(args)  # type: ignore[arg-type]
    audio = tone(0.5)
    async with bench_server(a) as bench:
        n = bench.n
        online = select(func.count()).select_from(Presence).where(Presence.status == "online")
        await measure(bench, "state", online, a.timeout)
        headers = {"Authorization": f"Bearer {bench.token}"}
        async with httpx.AsyncClient(base_url=bench.srv.url, timeout=60) as http:
            resp = await http.post(
                "/api/v1/broadcasts", headers=headers,
                data={"title": "Bench", "target_type": "province", "target": "64", "priority": "normal"},
                files={"file": ("tone.wav", audio, "audio/wav")},
            )  # fmt: skip
            resp.raise_for_status()
            cid = resp.json()["id"]
        received = select(func.count()).where(Delivery.command_id == cid, Delivery.received_at.is_not(None))
        await measure(bench, "ack", received, a.timeout, cid)
        times = []
        with bench.runtime.sessions() as db:
            for _ in range(21):
                t0 = time.perf_counter()
                result = summary(db, areas=["64"], level="commune")
                times.append(time.perf_counter() - t0)
        times = times[1:]  # first call warms caches
        emit(phase="summary_query", devices=n, areas=len(result["areas"]), calls=len(times),
             median_ms=round(statistics.median(times) * 1000, 1), max_ms=round(max(times) * 1000, 1),
             totals=result["totals"])  # fmt: skip


def main() -> None:
    asyncio.run(run(parser(__doc__ or "").parse_args()))


if __name__ == "__main__":
    main()
