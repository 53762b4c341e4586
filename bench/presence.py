"""Presence: time to see N online; R broker restarts (SIGTERM and SIGKILL, some devices killed while the broker is
down) with false offline events, convergence and killed-shown-offline per restart; half-open detection."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from bench._common import Bench, FleetProc, bench_server, emit, finish_args, parser, stats, wait_until
from source_server.db import utcnow
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


def history(bench: Bench, device_ids: list[str], since: datetime) -> dict[str, list[tuple[str, str, int]]]:
    """Connectivity events since ``since`` of a few devices: (kind, time, session)."""
    with bench.runtime.sessions() as db:
        rows = db.execute(
            select(DeviceEvent.device_id, DeviceEvent.kind, DeviceEvent.at, DeviceEvent.session)
            .where(DeviceEvent.at >= since, DeviceEvent.device_id.in_(device_ids))
            .order_by(DeviceEvent.id)
        ).all()
    out: dict[str, list[tuple[str, str, int]]] = {}
    for d, k, at, session in rows:
        out.setdefault(d, []).append((k, at.strftime("%H:%M:%S.%f")[:-3], session))
    return out


def victims_of(ids: list[str], round_: int, per_round: int) -> list[str]:
    """Devices that die with the broker in this round: every fifth round from the fourth, spread over the ids."""
    if per_round <= 0 or round_ % 5 != 3:
        return []
    step = max(1, len(ids) // per_round)
    return ids[round_ % step :: step][:per_round]


async def api_totals(bench: Bench) -> dict[str, Any]:
    """What ``GET /api/v1/presence/summary`` says now (province totals and whether the server reaches the broker)."""
    async with httpx.AsyncClient(base_url=bench.srv.url, timeout=30) as client:
        r = await client.get(
            "/api/v1/presence/summary?level=province", headers={"Authorization": f"Bearer {bench.token}"}
        )
        body = r.json()
    totals = body["totals"]
    return {"broker_connected": body.get("broker_connected"), **{k: v for k, v in totals.items() if v}}


async def restart_round(bench: Bench, fleet: FleetProc, a: Any, i: int) -> dict[str, Any]:
    """One broker restart: stop (SIGTERM on even rounds, SIGKILL on odd) with victims dying at that moment, start."""
    assert bench.mosquitto is not None
    mosq = bench.mosquitto
    kill = i % 2 == 1
    victims = victims_of(bench.ids, i, a.kill_per_round)
    before = statuses(bench)
    live = [d for d in bench.ids if d not in set(victims)]
    mark = utcnow()
    seen_reconnecting: set[str] = set()
    seen_offline: set[str] = set()

    def look() -> dict[str, tuple[str, int]]:
        now = statuses(bench)
        seen_reconnecting.update(d for d, (s, _) in now.items() if s == "reconnecting")
        seen_offline.update(d for d, (s, _) in now.items() if s == "offline")
        return now

    def converged() -> bool:
        now = look()
        return all(now[d][0] == "online" and now[d][1] > before[d][1] for d in live)

    if victims:
        # Frozen (half-open, silent) just before the broker stops: the running broker never gives up on them, so no
        # Will of theirs is applied; they never come back. (Killing them while the broker is down hangs the fleet
        # process at 2,000 devices: every agent is busy failing to connect.)
        await fleet.call(op="kill", ids=victims, mode="freeze", timeout=120)
    connections_before = (await fleet.call(op="status"))["connections"]
    t0 = time.monotonic()
    t_stop = utcnow().strftime("%H:%M:%S.%f")[:-3]
    await asyncio.to_thread(mosq.stop, kill=kill)
    await asyncio.sleep(a.down_s)
    while_down = await api_totals(bench)
    await asyncio.to_thread(mosq.start)
    broker_back = time.monotonic() - t0
    t_conv = await wait_until(converged, a.timeout, poll_s=0.1)
    converge = None if t_conv is None else round(broker_back + t_conv, 3)
    gone_s = None
    if victims:
        limit = bench.runtime.settings.reconnect_window_s + 30
        t_gone = await wait_until(lambda: all(look()[d][0] == "offline" for d in victims), limit, poll_s=0.2)
        gone_s = None if t_gone is None else round(time.monotonic() - t0, 3)
    await asyncio.sleep(0.5)
    await bench.runtime.presence.flush()
    reconnects = (await fleet.call(op="status"))["connections"] - connections_before
    false_offline = bad_events(bench, mark, set(victims))
    now = statuses(bench)
    shown_offline = sum(1 for d in victims if now[d][0] == "offline")
    row = {
        "phase": "broker_restart",
        "round": i + 1,
        "signal": "SIGKILL" if kill else "SIGTERM",
        "broker_down_up_s": round(broker_back, 3),
        "converged_s": converge,
        "false_offline_events": len(false_offline),
        "false_offline_devices": len({e[0] for e in false_offline}),
        "live_seen_offline_in_memory": len(seen_offline - set(victims)),
        "seen_reconnecting": len(seen_reconnecting),
        "killed": len(victims),
        "killed_shown_offline": shown_offline,
        "killed_offline_after_s": gone_s,
        "fences": int(bench.runtime.presence.fence_sent),
        "device_reconnects_beyond_one": reconnects - len(live),
        "api_while_down": while_down,
        "not_converged": 0 if t_conv else sum(1 for d in live if now[d][0] != "online" or now[d][1] <= before[d][1]),
        "false_offline_sample": false_offline[:3],
        "false_offline_history": history(bench, [e[0] for e in false_offline[:3]], mark),
        "stopped_at": t_stop,
    }
    emit(**row)
    if victims:
        await fleet.call(op="revive", ids=victims)
        await wait_until(lambda: all(statuses(bench)[d][0] == "online" for d in victims), a.timeout, poll_s=0.2)
    return row


async def run(args: object) -> None:
    a = finish_args(args)  # type: ignore[arg-type]
    keepalive = a.keepalive
    overrides = {"reconnect_window_s": a.reconnect_window}
    async with bench_server(a, persistence=True, **overrides) as bench:
        n = bench.n
        rounds_s = a.restarts * (a.timeout / 4 + 10) + a.reconnect_window * a.restarts / 5
        rounds_s += a.restarts * a.down_s
        fleet = await FleetProc.start(
            bench,
            keepalive_s=keepalive,
            heartbeat_s=30,
            max_s=a.timeout * 4 + 120 + rounds_s,
            backoff_cap_s=a.backoff_cap,
        )
        try:
            t_connect = await wait_until(lambda: count_online(bench) == n, a.timeout, poll_s=0.1)
            emit(phase="connect", devices=n, broker=a.broker, db=a.db, all_online_s=t_connect,
                 online=count_online(bench))  # fmt: skip
            if t_connect is None:
                return
            if bench.mosquitto is not None and a.restarts > 0:
                rows = [await restart_round(bench, fleet, a, i) for i in range(a.restarts)]
                conv = [r["converged_s"] for r in rows if r["converged_s"] is not None]
                emit(phase="broker_restarts", restarts=len(rows), devices=n,
                     sigterm=sum(r["signal"] == "SIGTERM" for r in rows), sigkill=sum(r["signal"] == "SIGKILL" for r in rows),
                     false_offline_total=sum(r["false_offline_events"] for r in rows),
                     rounds_with_false_offline=sum(1 for r in rows if r["false_offline_events"]),
                     converged_s=stats(conv), not_converged_rounds=sum(1 for r in rows if r["converged_s"] is None),
                     killed=sum(r["killed"] for r in rows), killed_shown_offline=sum(r["killed_shown_offline"] for r in rows),
                     reconnect_window_s=a.reconnect_window, fences=int(bench.runtime.presence.fence_sent))  # fmt: skip
            if bench.mosquitto is not None and a.restarts > 0:
                # Half-open is measured in the steady state: a Will within the reconnect window after the last restart
                # leaves its device reconnecting until that window runs out (presence rule 4, the reconnect storm).
                await asyncio.sleep(a.reconnect_window)
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
            emit(phase="half_open", killed=len(victims), keepalive_s=keepalive, bound_s=1.5 * keepalive + 7,
                 detected=len(seen), detect_s=stats(list(seen.values())),
                 detect_all_s=sorted(round(v, 1) for v in seen.values()), false_offline_others=len(others))  # fmt: skip
        finally:
            await fleet.stop()


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--keepalive", type=int, default=10, help="device MQTT keepalive K (s)")
    p.add_argument("--restarts", type=int, default=20, help="broker restarts R (alternating SIGTERM and SIGKILL)")
    p.add_argument("--down-s", type=float, default=1.0, help="how long the broker stays down in each restart (s)")
    p.add_argument(
        "--kill-per-round",
        type=int,
        default=5,
        help="devices that die with the broker (frozen as it stops), every 5th round",
    )
    p.add_argument(
        "--backoff-cap", type=float, default=10.0, help="the fleet's longest reconnect backoff (protocol: 60 s)"
    )
    p.add_argument(
        "--reconnect-window", type=float, default=25.0,
        help="server's reconnect_window_s: the bench fleet backs off at most 10 s (the protocol: 60 s, window 75 s)",
    )  # fmt: skip
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
