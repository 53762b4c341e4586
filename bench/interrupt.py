"""An emergency interrupts a playing normal item on every device: API call → ``started``, cached and not cached audio.

Phases: a short normal play of audio A (so every device caches A); a long normal play (``--long`` s) that every
device starts; emergency (a) with A (cached); emergency (b) with new audio B (each simulated device must get it
before playing; the simulator fetches one copy per process and shares it, as a local cache/CDN would).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select

from bench._common import FleetProc, bench_server, emit, finish_args, parser, stats, wait_until
from bench.emergency import broker_cpu_s, tone
from source_server.dispatch.models import Delivery


async def run(args: Any) -> None:
    a = finish_args(args)
    short_a, long_l, short_b = tone(1.0, 880), tone(a.long, 330), tone(1.0, 440)
    async with bench_server(a) as bench:
        n = bench.n
        fleet = await FleetProc.start(bench, keepalive_s=60, heartbeat_s=30, max_s=a.timeout * 6 + a.long + 120)
        try:

            def online() -> int:
                return sum(1 for d in bench.ids if bench.runtime.presence.snapshot(d).status == "online")

            if await wait_until(lambda: online() == n, a.timeout, poll_s=0.2) is None:
                emit(phase="connect", error="not all online", online=online())
                return
            await asyncio.sleep(2)
            await fleet.call(op="park")
            headers = {"Authorization": f"Bearer {bench.token}"}

            async def everywhere(cid: str, status: str, times: int = 1) -> float | None:
                t = time.monotonic()
                while time.monotonic() - t < a.timeout:
                    if (await fleet.call(op="count", command_id=cid, status=status, times=times))["count"] >= n:
                        return time.monotonic() - t
                    await asyncio.sleep(0.5)
                return None

            async with httpx.AsyncClient(base_url=bench.srv.url, timeout=120) as http:

                async def post(audio: bytes, priority: str, title: str) -> tuple[float, float, dict[str, Any]]:
                    t0 = time.time()
                    resp = await http.post(
                        "/api/v1/broadcasts", headers=headers,
                        data={"title": title, "target_type": "province", "target": "64", "priority": priority},
                        files={"file": ("a.wav", audio, "audio/wav")},
                    )  # fmt: skip
                    resp.raise_for_status()
                    return t0, time.time() - t0, resp.json()

                _, _, warm = await post(short_a, "normal", "Chuẩn bị")  # every device caches A
                if await everywhere(warm["id"], "done") is None:
                    emit(phase="warm", error="audio A not played everywhere")
                    return
                _, _, normal = await post(long_l, "normal", "Bản tin thường")
                if await everywhere(normal["id"], "started") is None:
                    acks = (await fleet.call(op="acks", command_id=normal["id"]))["acks"]
                    said = Counter("/".join(s for s, _ in v) for v in acks.values())
                    with bench.runtime.sessions() as db:
                        reasons = Counter(
                            db.scalars(select(Delivery.reason).where(Delivery.command_id == normal["id"]))
                        )
                    emit(phase="normal", error="the long item did not start everywhere", acks=dict(said),
                         silent=n - len(acks), reasons=dict(reasons))  # fmt: skip
                    return
                await asyncio.sleep(2)
                results = []
                for k, (label, audio) in enumerate((("cached", short_a), ("download", short_b))):
                    if a.profile:  # where the CPU goes over this emergency (its figures are then worse, not used)
                        spy = shutil.which("py-spy") or shutil.which("py-spy", path=os.path.dirname(sys.executable))
                        if spy:  # py-spy samples the fleet's processes and the server (this process, every thread)
                            pids = {f"fleet{i}": p.pid for i, p in enumerate(fleet.procs)} | {"server": os.getpid()}
                            for name, pid in pids.items():
                                await asyncio.create_subprocess_exec(
                                    spy, "record", "-p", str(pid), "-d", "6", "-r", "250", "-f", "raw",
                                    "-o", f"{a.profile}.{label}.{name}", "--nonblocking",
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                )  # fmt: skip
                        else:  # the fleet's cProfile (heavier: it slows the fleet down more than sampling)
                            await fleet.call(op="profile", seconds=8, path=f"{a.profile}.{label}")
                        await asyncio.sleep(0.5)
                    fleet_cpu0, server_cpu0 = (await fleet.call(op="cpu"))["cpu_s"], time.process_time()
                    broker_cpu0 = broker_cpu_s(bench)
                    t0, api_s, em = await post(audio, "emergency", f"Khẩn cấp {label}")
                    t_all = await everywhere(em["id"], "started")
                    # CPU seconds the fleet and the server (with this driver) spent until all started: the work
                    # itself, which the wall-clock figures share out over 2 cores with whatever else runs
                    cpu = {"fleet_s": round((await fleet.call(op="cpu"))["cpu_s"] - fleet_cpu0, 2),
                           "server_s": round(time.process_time() - server_cpu0, 2),
                           "broker_s": round(broker_cpu_s(bench) - broker_cpu0, 2)}  # fmt: skip
                    done = await everywhere(em["id"], "done")
                    reply = await fleet.call(op="acks", command_id=em["id"])
                    # the fleet's own CPU clock when its last device's started ack was acknowledged (no poll period)
                    cpu["fleet_exact_s"] = round(reply["started_cpu_s"] - fleet_cpu0, 2)
                    acks = reply["acks"]
                    started = [min(t for s, t in v if s == "started") - t0 for v in acks.values()
                               if any(s == "started" for s, _ in v)]  # fmt: skip
                    downloaded = [min(t for s, t in v if s == "downloaded") - t0 for v in acks.values()
                                  if any(s == "downloaded" for s, _ in v)]  # fmt: skip
                    received = [min(t for s, t in v if s == "received") - t0 for v in acks.values()
                                if any(s == "received" for s, _ in v)]  # fmt: skip
                    handled = [t - t0 for t in reply["handled"].values()]
                    began = (await fleet.call(op="began", sha256=em["media_sha256"]))["began"]
                    player = [t - t0 for t in began.values() if t >= t0]
                    preempted = (await fleet.call(op="count", command_id=normal["id"], status="preempted",
                                                  times=k + 1))["count"]  # fmt: skip
                    results.append(em["id"])
                    emit(phase=f"emergency_{label}", devices=n, t0=round(t0, 2), api_call_s=round(api_s, 3),
                         same_media_as_warm=em["media_sha256"] == warm["media_sha256"],
                         handled_s=stats(handled), received_ack_s=stats(received), downloaded_ack_s=stats(downloaded),
                         player_began_s=stats(player), started_ack_s=stats(started),
                         all_started=t_all is not None, all_done=done is not None,
                         normal_preempted_devices=preempted, cpu_until_all_started=cpu)  # fmt: skip
                    # the normal item resumes after the emergency: wait for it before the next one
                    if await everywhere(normal["id"], "started", times=k + 2) is None:
                        emit(phase=f"resume_{label}", error="the normal item did not resume everywhere")
                        return
                    await asyncio.sleep(2)
        finally:
            await fleet.stop()


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--long", type=float, default=120.0, help="seconds of the normal item that gets interrupted")
    p.add_argument(
        "--profile",
        metavar="PATH",
        help="py-spy profiles of each emergency: PATH.<label>.fleet<i> and .server, raw (else the fleet's cProfile)",
    )
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
