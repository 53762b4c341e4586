"""Presence: time to see N online, convergence after a broker restart (false offline count), half-open detection."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from sqlalchemy import select

from bench._common import Bench, FleetProc, bench_server, emit, finish_args, parser, stats, wait_until
from source_server.fleet.models import DeviceEvent


def statuses(bench: Bench) -> dict[str, tuple[str, int]]:
    """Server view of every device: (status, session)."""
    out = {}
    for d in bench.ids:
        v = bench.runtime.presence.snapshot(d)
        out[d] = (v.status, v.session) if v else ("missing", 0)
    return out


def count_online(bench: Bench) -> int:
    return sum(1 for s, _ in statuses(bench).values() if s == "online")


def bad_events(bench: Bench, since: datetime, exclude: set[str]) -> list[tuple[str, str, str, int, str]]:
    """Offline/stale events recorded since ``since`` for devices that were not killed."""
    with bench.runtime.sessions() as db:
        rows = db.execute(
            select(
                DeviceEvent.device_id, DeviceEvent.kind, DeviceEvent.at, DeviceEvent.session, DeviceEvent.detail
            ).where(DeviceEvent.at >= since, DeviceEvent.kind.in_(("disconnected", "went_stale")))
        ).all()
    return [(d, k, str(at), s, det) for d, k, at, s, det in rows if d not in exclude]


async def run(args: object) -> None:
    a = finish_args(args)  # type: ignore[arg-type]
    keepalive = a.keepalive
    async with bench_server(a) as bench:
        n = bench.n
        fleet = await FleetProc.start(bench, keepalive_s=keepalive, heartbeat_s=30, max_s=a.timeout * 4 + 120)
        try:
            t_connect = await wait_until(lambda: count_online(bench) == n, a.timeout, poll_s=0.1)
            emit(phase="connect", devices=n, broker=a.broker, db=a.db, all_online_s=t_connect,
                 online=count_online(bench))  # fmt: skip
            if t_connect is None:
                return
            if bench.mosquitto is not None:
                before = statuses(bench)
                since = bench.runtime.presence.snapshot(bench.ids[0]).since or datetime.min
                from source_server.db import utcnow

                t_mark = utcnow()
                seen_not_online: set[str] = set()

                def converged() -> bool:
                    now = statuses(bench)
                    seen_not_online.update(d for d, (s, _) in now.items() if s != "online")
                    return all(s == "online" and sess > before[d][1] for d, (s, sess) in now.items())

                t0 = time.monotonic()
                await asyncio.to_thread(bench.mosquitto.restart)
                broker_back = time.monotonic() - t0
                t_conv = await wait_until(converged, a.timeout, poll_s=0.1)
                total = None if t_conv is None else round(broker_back + t_conv, 3)
                await asyncio.sleep(1.0)
                await bench.runtime.presence.flush()
                false_offline = bad_events(bench, t_mark, set())
                emit(phase="broker_restart", broker_down_up_s=round(broker_back, 3), converged_s=total,
                     false_offline_events=len(false_offline), false_offline_devices=len({e[0] for e in false_offline}),
                     seen_not_online_in_memory=len(seen_not_online), false_offline_sample=false_offline[:5],
                     not_converged=0 if t_conv else sum(1 for d, (s, ss) in statuses(bench).items()
                                                         if s != "online" or ss <= before[d][1]))  # fmt: skip
                del since
            victims = bench.ids[:: max(1, n // max(1, round(n * 0.01)))][: max(1, round(n * 0.01))]
            reply = await fleet.call(op="kill", ids=victims, mode="freeze")
            t_kill = reply["t"]
            seen: dict[str, float] = {}
            limit = 1.5 * keepalive + 30

            def all_offline() -> bool:
                now = time.time()
                for d in victims:
                    if d not in seen and bench.runtime.presence.snapshot(d).status == "offline":
                        seen[d] = now - t_kill
                return len(seen) == len(victims)

            await wait_until(all_offline, limit, poll_s=0.05)
            await bench.runtime.presence.flush()
            others = bad_events(bench, datetime.fromtimestamp(t_kill).astimezone(), set(victims))
            emit(phase="half_open", killed=len(victims), keepalive_s=keepalive, target_s=1.5 * keepalive + 2,
                 detected=len(seen), detect_s=stats(list(seen.values())),
                 detect_all_s=sorted(round(v, 1) for v in seen.values()), false_offline_others=len(others))  # fmt: skip
        finally:
            await fleet.stop()


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--keepalive", type=int, default=10, help="device MQTT keepalive K (s)")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
