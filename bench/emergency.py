"""Emergency fan-out: one province-wide broadcast; latency from the API call to each device's ``received`` ack."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench._common import FleetProc, bench_server, emit, finish_args, parser, stats, wait_until
from source_server.dispatch.audio import ffmpeg_exe
from source_server.dispatch.models import Delivery


def tone(seconds: float = 1.0) -> bytes:
    """A short sine tone as WAV, made by ffmpeg."""
    path = Path(tempfile.mkdtemp()) / "tone.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}",
                    "-y", str(path)], check=True)  # fmt: skip
    return path.read_bytes()


async def run(args: object) -> None:
    a = finish_args(args)  # type: ignore[arg-type]
    audio = tone()
    async with bench_server(a) as bench:
        n = bench.n
        fleet = await FleetProc.start(bench, keepalive_s=60, heartbeat_s=30, max_s=a.timeout * 3 + 120)
        try:

            def online() -> int:
                return sum(1 for d in bench.ids if bench.runtime.presence.snapshot(d).status == "online")

            t_conn = await wait_until(lambda: online() == n, a.timeout, poll_s=0.2)
            if t_conn is None:
                emit(phase="connect", error="not all online", online=online())
                return
            await asyncio.sleep(2)  # let the connect burst settle
            headers = {"Authorization": f"Bearer {bench.token}"}
            host, port = bench.broker_url.removeprefix("mqtt://").rsplit(":", 1)
            observer = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench._observer", "--host", host, "--port", port,
                "--topic", "nguon/v1/area/64/cmd", "--max-s", str(a.timeout),
                stdout=subprocess.PIPE, cwd=Path(__file__).parents[1],
            )  # fmt: skip
            assert observer.stdout is not None
            await asyncio.wait_for(observer.stdout.readline(), 20)
            async with httpx.AsyncClient(base_url=bench.srv.url, timeout=60) as http:
                t0 = time.time()
                resp = await http.post(
                    "/api/v1/broadcasts", headers=headers,
                    data={"title": "Khẩn cấp", "target_type": "province", "target": "64", "priority": "emergency"},
                    files={"file": ("tone.wav", audio, "audio/wav")},
                )  # fmt: skip
                api_s = time.time() - t0
                resp.raise_for_status()
                cid = resp.json()["id"]
                received: dict[str, float] = {}
                deadline = time.monotonic() + a.timeout
                while len(received) < n and time.monotonic() < deadline:
                    await asyncio.sleep(1.0)
                    acks = (await fleet.call(op="acks", command_id=cid))["acks"]
                    received = {d: min(t for s, t in v if s == "received") - t0 for d, v in acks.items()
                                if any(s == "received" for s, _ in v)}  # fmt: skip

                def recorded() -> int:
                    with bench.runtime.sessions() as db:
                        q = select(func.count()).where(Delivery.command_id == cid, Delivery.received_at.is_not(None))
                        return db.scalar(q) or 0

                t_db = await wait_until(lambda: recorded() == n, 30, poll_s=0.25)
                seen = json.loads(await asyncio.wait_for(observer.stdout.readline(), a.timeout))["arrival"]
                await observer.wait()
                with bench.runtime.sessions() as db:
                    q = select(Delivery.received_at).where(
                        Delivery.command_id == cid, Delivery.received_at.is_not(None)
                    )
                    server_rx = [at.timestamp() - t0 for at in db.scalars(q)]
                report = (await http.get(f"/api/v1/broadcasts/{cid}", headers=headers)).json()["report"]["counts"]
            emit(phase="emergency", devices=n, broker=a.broker, db=a.db, api_call_s=round(api_s, 3),
                 on_wire_s=None if seen is None else round(seen - t0, 3),
                 received=len(received), received_latency_s=stats(list(received.values())),
                 server_received_at_s=stats(server_rx), db_received_at_count=recorded(), db_caught_up=t_db is not None,
                 report_counts={k: v for k, v in report.items() if v})  # fmt: skip
        finally:
            await fleet.stop()


def main() -> None:
    asyncio.run(run(parser(__doc__ or "").parse_args()))


if __name__ == "__main__":
    main()
