"""Presence through 20 real Mosquitto restarts (SIGTERM and SIGKILL): no live device is ever shown offline.

First the failure: on a busy server the link failure is noticed later than any grace, so the old rule (a Will applied
``will_grace_s`` after it arrived unless the link failed first) marks live devices offline; the test measures how many
it would have marked. Then the fence holding: 0 false ``disconnected`` events in every restart, every live device
back online with a newer session within 15 s, and devices killed while the broker was down shown offline once their
reconnect window ran out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from sqlalchemy import select

from device_agent import parse_broker_url
from protocols import StateMessage, parse_device_topic, parse_message
from simulators import Fleet, FleetOptions
from simulators.layout import DeviceSpec
from source_server.db import utcnow
from source_server.fleet.models import DeviceEvent
from source_server.runtime import Runtime
from tests.support.brokers import MosquittoProcess
from tests.support.presence import seed

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

DEVICES = 50
RESTARTS = 20
OLD_GRACE_S = 0.5
BUSY_S = 0.8
"""How long the server's loop is held when the first Will of a SIGTERM restart arrives (a busy machine)."""
CONVERGE_S = 15.0
WINDOW_S = 3.0


class Timeline:
    """What the server saw of one restart: the live Wills and when it noticed its link was gone."""

    def __init__(self) -> None:
        self.wills: list[tuple[str, float]] = []
        self.link_lost: float | None = None
        self.busy = False

    def old_rule_offline(self, live: set[str]) -> int:
        """Live devices the old grace timer would have marked offline in this restart."""
        lost = self.link_lost if self.link_lost is not None else time.monotonic()
        return len({d for d, at in self.wills if d in live and lost - at > OLD_GRACE_S})


def watch(runtime: Runtime, timeline: Callable[[], Timeline]) -> None:
    """Note live Wills and link loss on their way into the runtime; hold the loop on a SIGTERM's first Will."""
    handler, on_connection = runtime.mqtt.handler, runtime.mqtt.on_connection

    def ingest(topic: str, payload: bytes, retained: bool) -> None:
        tl = timeline()
        if not retained and topic.endswith("/state"):
            msg = parse_message(StateMessage, payload)
            if not msg.online:
                tl.wills.append((parse_device_topic(topic).device_id, time.monotonic()))
                if tl.busy:
                    tl.busy = False
                    time.sleep(BUSY_S)  # a server busy elsewhere notices its dead link this much later
        handler(topic, payload, retained)

    def connection(up: bool) -> None:
        if not up and timeline().link_lost is None:
            timeline().link_lost = time.monotonic()
        on_connection(up)

    runtime.mqtt.handler, runtime.mqtt.on_connection = ingest, connection


@asynccontextmanager
async def province(db, settings, mosq: MosquittoProcess) -> AsyncIterator[tuple[Runtime, Fleet, list[str]]]:
    ids = seed(db, DEVICES)
    s = settings.model_copy(
        update={"mqtt_url": mosq.url, "reconnect_window_s": WINDOW_S, "inactivity_timeout_s": 120, "heartbeat_s": 30}
    )
    runtime = Runtime(s)
    await runtime.start()
    addr = parse_broker_url(mosq.url)
    options = FleetOptions(
        broker_host=addr.host, broker_port=addr.port, server_keys={runtime.signer.kid: runtime.signer.public_b64()},
        heartbeat_s=30, keepalive_s=10, ramp_per_s=0, backoff_base_s=0.5, backoff_cap_s=2.0, seed=7,
    )  # fmt: skip
    fleet = Fleet([DeviceSpec(d, ("p", "c1")) for d in ids], options)
    await fleet.start()
    try:
        yield runtime, fleet, ids
    finally:
        await fleet.stop()
        await runtime.stop()


async def until(cond: Callable[[], bool], timeout: float) -> float | None:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            return None
        await asyncio.sleep(0.05)
    return time.monotonic() - t0


def disconnects(runtime: Runtime, since: datetime) -> list[str]:
    with runtime.sessions() as db:
        q = select(DeviceEvent.device_id).where(DeviceEvent.at >= since, DeviceEvent.kind == "disconnected")
        return list(db.scalars(q))


async def test_twenty_broker_restarts_show_no_live_device_offline(db, settings) -> None:
    mosq = MosquittoProcess(persistence=True)
    mosq.start()
    try:
        async with province(db, settings, mosq) as (runtime, fleet, ids):
            status = lambda d: runtime.presence.snapshot(d)  # noqa: E731
            assert await until(lambda: all(status(d).status == "online" for d in ids), 30) is not None
            current = Timeline()
            watch(runtime, lambda: current)
            rounds = []
            for i in range(RESTARTS):
                kill = i % 2 == 1
                victims = ids[i : i + 2] if i % 5 == 3 else []
                live = set(ids) - set(victims)
                before = {d: status(d).session for d in ids}
                current, mark = Timeline(), utcnow()
                current.busy = not kill
                await asyncio.to_thread(mosq.stop, kill=kill)
                if victims:
                    await fleet.kill(victims, "abort")  # die while the broker is down: no Will will ever say so
                await asyncio.sleep(0.3)
                await asyncio.to_thread(mosq.start)
                converge = await until(
                    lambda b=before, lv=live: all(
                        status(d).status == "online" and status(d).session > b[d] for d in lv
                    ),
                    CONVERGE_S,
                )
                gone = await until(lambda v=victims: all(status(d).status == "offline" for d in v), WINDOW_S + 10)
                await runtime.presence.flush()
                false_offline = [d for d in disconnects(runtime, mark) if d in live]
                rounds.append((i, "SIGKILL" if kill else "SIGTERM", converge, false_offline, len(victims), gone,
                               current.old_rule_offline(live)))  # fmt: skip
                assert converge is not None, rounds[-1]
                assert false_offline == [], rounds[-1]
                assert gone is not None, rounds[-1]
                if victims:
                    fleet.revive(victims)
                    assert await until(lambda v=victims: all(status(d).status == "online" for d in v), 15) is not None
            print("\n".join(map(str, rounds)))
            assert len(rounds) == RESTARTS and {r[1] for r in rounds} == {"SIGTERM", "SIGKILL"}
            assert sum(r[4] for r in rounds) == 8  # devices that really died while the broker was down: shown offline
            # The failure the fence guards against: the old grace timer would have shown live devices offline.
            assert sum(r[6] for r in rounds if r[1] == "SIGTERM") > 0, rounds
    finally:
        mosq.stop()
