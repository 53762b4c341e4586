"""Emergency fan-out: one province-wide broadcast; latency from the API call to each device's ``received`` ack."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench._common import Bench, FleetProc, bench_server, emit, finish_args, parser, stats, wait_until
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.dispatch import api as dispatch_api
from source_server.dispatch.models import Delivery


def broker_cpu_s(bench: Bench) -> float:
    """CPU seconds the private Mosquitto has used so far (0 with the embedded broker, which runs in this process)."""
    if bench.mosquitto is None or bench.mosquitto.proc is None:
        return 0.0
    fields = Path(f"/proc/{bench.mosquitto.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tone(seconds: float = 1.0, frequency: int = 660) -> bytes:
    """A sine tone as WAV, made by ffmpeg (a different frequency makes different media)."""
    path = Path(tempfile.mkdtemp()) / "tone.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
                    "-y", str(path)], check=True)  # fmt: skip
    return path.read_bytes()


def time_audio_preparation() -> dict[str, float]:
    """Note how long the API's audio step (decode, check, encode: ffmpeg) takes, to show its share of the call."""
    seen: dict[str, float] = {}
    prepare = dispatch_api.prepare_audio

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return prepare(*args, **kwargs)
        finally:
            seen["audio_prepare_s"] = round(time.perf_counter() - t, 3)

    dispatch_api.prepare_audio = timed  # type: ignore[assignment]
    return seen


async def run(args: object) -> None:
    a = finish_args(args)  # type: ignore[arg-type]
    audio = tone()
    audio_timing = time_audio_preparation()
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
            await fleet.call(op="park")  # long-lived links out of the simulator's GC walks (Fleet.park)
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
                # A server in service has answered requests before: FastAPI 0.16x builds its route table on the
                # first request (~0.14 s of CPU here), which must not be billed to the emergency.
                (await http.get("/api/v1/broadcasts", headers=headers)).raise_for_status()
                await http.get(f"/media/{'0' * 64}.mp3")
                cpu0 = ((await fleet.call(op="cpu"))["cpu_s"], broker_cpu_s(bench), time.process_time())
                t0 = time.time()
                resp = await http.post(
                    "/api/v1/broadcasts", headers=headers,
                    data={"title": "Khẩn cấp", "target_type": "province", "target": "64", "priority": "emergency"},
                    files={"file": ("tone.wav", audio, "audio/wav")},
                )  # fmt: skip
                api_s = time.time() - t0
                resp.raise_for_status()
                cid = resp.json()["id"]
                deadline = time.monotonic() + a.timeout
                while time.monotonic() < deadline:  # a cheap poll, so as not to load the fleet while it works
                    await asyncio.sleep(0.5)
                    progress = await fleet.call(op="received", command_id=cid)
                    if progress["received"] >= n:
                        break
                cpu = {"broker": broker_cpu_s(bench) - cpu0[1], "server": time.process_time() - cpu0[2]}
                reply = await fleet.call(op="acks", command_id=cid)
                cpu["fleet"] = reply["cpu_s"] - cpu0[0]
                received = {d: min(t for s, t in v if s == "received") - t0 for d, v in reply["acks"].items()
                            if any(s == "received" for s, _ in v)}  # fmt: skip
                handled = [t - t0 for t in reply["handled"].values()]

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
            emit(phase="emergency", devices=n, broker=a.broker, db=a.db, api_call_s=round(api_s, 3), **audio_timing,
                 on_wire_s=None if seen is None else round(seen - t0, 3),
                 command_at_device_s=stats(handled), received=len(received),
                 received_latency_s=stats(list(received.values())), fleet_procs=bench.procs,
                 cpu_s_until_all_received={k: round(v, 2) for k, v in cpu.items()},
                 server_received_at_s=stats(server_rx), db_received_at_count=recorded(), db_caught_up=t_db is not None,
                 report_counts={k: v for k, v in report.items() if v})  # fmt: skip
        finally:
            await fleet.stop()


def main() -> None:
    asyncio.run(run(parser(__doc__ or "").parse_args()))


if __name__ == "__main__":
    main()
