"""Presence from several sources: a broker outage freezes only the devices whose presence comes over the broker.

The failure guarded against: with one global freeze, a device heard through another source (an Icecast listener)
kept its last status for as long as the broker was away (it could die unseen), and was shown ``unverified`` although
its own source still answered. Each test shows the broker's devices frozen as before, and the other source's judged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiomqtt
import pytest
from sqlalchemy.orm import Session, sessionmaker

from protocols import StateMessage, device_topic, dump, parse_device_topic, parse_message
from source_server.config import Settings
from source_server.db import utcnow
from source_server.events import EventHub
from source_server.fleet import presence_queries as queries
from source_server.fleet.presence import PresenceTracker
from source_server.metrics import DEVICES
from source_server.mqtt import MqttClient, parse_broker_url
from tests.support.brokers import MosquittoProcess
from tests.support.presence import T0, seed, state, tracker

ICECAST = "icecast"


def shown(db: sessionmaker[Session], t: PresenceTracker) -> dict[str, str]:
    """Status per device as the API shows it now."""
    with db() as s:
        items, _ = queries.list_devices(s, areas={"p"}, broker_up=t.broker_up, frozen=t.frozen_sources() - {"mqtt"})
    return {i["id"]: i["status"] for i in items}


async def test_a_broker_outage_freezes_broker_devices_and_not_another_sources(db, settings) -> None:
    a, b = seed(db, 2)
    t, _ = await tracker(db, settings, inactivity_timeout_s=60)
    t.add_source(ICECAST, timeout_s=10)
    t.on_source_link(ICECAST, True, T0)
    t.on_state(a, state(True, 1), T0, retained=False)
    assert t.observe(b, True, T0, ICECAST)
    assert (t.snapshot(a).source, t.snapshot(b).source) == ("mqtt", ICECAST)  # type: ignore[union-attr]

    t.on_broker_connection(False, T0 + timedelta(seconds=1))
    t.sweep(T0 + timedelta(seconds=120))
    # The broker's device is frozen (silent far beyond its timeout, but we cannot hear the broker)...
    assert t.snapshot(a).status == "online"  # type: ignore[union-attr]
    # ...the other source's device is judged by its own liveness: silent on Icecast for 120 s > 10 s.
    assert t.snapshot(b).status == "stale"  # type: ignore[union-attr]
    t.observe(b, True, T0 + timedelta(seconds=121), ICECAST)
    assert t.snapshot(b).status == "online"  # type: ignore[union-attr]
    await t.flush()
    assert shown(db, t) == {a: "unverified", b: "online"}
    assert DEVICES.labels("unverified", "speaker", "c1")._value.get() == 1
    assert DEVICES.labels("online", "speaker", "c1")._value.get() == 1

    # The other way round: Icecast unreachable freezes its device, the broker's is judged again.
    t.on_broker_connection(True, T0 + timedelta(seconds=130))
    assert t.snapshot(a).status == "reconnecting"  # the barrier found no sign of it on the new link (rule 4)
    t.on_state(a, state(True, 2), T0 + timedelta(seconds=131), retained=False)
    t.on_source_link(ICECAST, False, T0 + timedelta(seconds=131))
    t.sweep(T0 + timedelta(seconds=300))
    assert (t.snapshot(a).status, t.snapshot(b).status) == ("stale", "online")  # type: ignore[union-attr]
    await t.flush()
    assert shown(db, t) == {a: "stale", b: "unverified"}
    # Back: a fresh window for Icecast's devices (no instant stale for the time we could not hear it).
    t.on_source_link(ICECAST, True, T0 + timedelta(seconds=301))
    t.sweep(T0 + timedelta(seconds=305))
    assert t.snapshot(b).status == "online"  # type: ignore[union-attr]
    t.sweep(T0 + timedelta(seconds=312))
    assert t.snapshot(b).status == "stale"  # type: ignore[union-attr]


async def test_another_sources_offline_applies_at_once_unless_a_source_still_vouches(db, settings) -> None:
    a, b = seed(db, 2)
    t, _ = await tracker(db, settings, inactivity_timeout_s=60)
    t.add_source(ICECAST, timeout_s=10)
    t.on_source_link(ICECAST, True, T0)
    offline: list[str] = []
    t.add_offline_listener(lambda d, at, seen: offline.append(d))
    # a: on the broker and on Icecast. It stays on the broker (sticky) while the broker vouches for it.
    t.on_state(a, state(True, 1), T0, retained=False)
    t.observe(a, True, T0 + timedelta(seconds=1), ICECAST)
    assert t.snapshot(a).source == "mqtt"  # type: ignore[union-attr]
    t.observe(a, False, T0 + timedelta(seconds=2), ICECAST)  # left the stream; still connected to the broker
    assert t.snapshot(a).status == "online"  # type: ignore[union-attr]
    # The broker goes away: the next Icecast sign takes a over, so it is judged, not frozen.
    t.on_broker_connection(False, T0 + timedelta(seconds=3))
    t.observe(a, True, T0 + timedelta(seconds=4), ICECAST)
    assert t.snapshot(a).source == ICECAST  # type: ignore[union-attr]
    # b: Icecast only; its offline needs no fence.
    t.observe(b, True, T0, ICECAST)
    t.observe(b, False, T0 + timedelta(seconds=5), ICECAST)
    assert t.snapshot(b).status == "offline" and offline == [b]  # type: ignore[union-attr]
    await t.flush()
    assert shown(db, t) == {a: "online", b: "offline"}


async def test_observe_refuses_what_a_source_cannot_say(db, settings) -> None:
    (a,) = seed(db, 1)
    t, _ = await tracker(db, settings)
    t.add_source(ICECAST, timeout_s=10)
    with pytest.raises(ValueError, match="unknown presence source 'rtp'"):
        t.observe(a, True, T0, "rtp")
    with pytest.raises(ValueError, match="numbers no connections"):
        t.observe(a, True, T0, ICECAST, session=3)
    with pytest.raises(ValueError, match="heartbeat"):
        t.observe(a, False, T0, ICECAST, heartbeat=True)
    with pytest.raises(ValueError, match="already registered"):
        t.add_source(ICECAST, timeout_s=5)
    with pytest.raises(ValueError, match="positive"):
        t.add_source("other", timeout_s=0)
    assert t.observe("nobody", True, T0, ICECAST) is False
    assert t.snapshot(a).status == "never_seen"  # type: ignore[union-attr]


# --- a real broker outage beside a second, real source -------------------------------------------------------------


class TimerSource:
    """A stand-in for the Icecast poller: every ``every_s`` it says which of its devices are listening."""

    def __init__(self, t: PresenceTracker, devices: set[str], every_s: float) -> None:
        self.t, self.devices, self.every_s = t, devices, every_s
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        self.t.on_source_link(ICECAST, True, utcnow())
        while True:
            for d in sorted(self.devices):
                self.t.observe(d, True, utcnow(), ICECAST)
            await asyncio.sleep(self.every_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@asynccontextmanager
async def server(db: sessionmaker[Session], settings: Settings, url: str) -> AsyncIterator[PresenceTracker]:
    """The runtime's presence path over a private Mosquitto, with an Icecast-like source registered."""
    t = PresenceTracker(sessions=db, settings=settings, hub=EventHub())
    t.add_source(ICECAST, timeout_s=1.0)

    def ingest(topic: str, payload: bytes, retained: bool) -> None:
        dt = parse_device_topic(topic)
        if t.knows(dt.device_id) and dt.channel.value == "state":
            t.on_state(dt.device_id, parse_message(StateMessage, payload), utcnow(), retained=retained)

    client = MqttClient(url=url, username=None, password=None, handler=ingest,
                        on_connection=lambda up: t.on_broker_connection(up, utcnow()),
                        on_fence=lambda n: t.on_fence(n, utcnow()))  # fmt: skip
    t.set_fence_sender(client.send_fence)
    await t.start()
    await client.start()
    try:
        assert await client.wait_connected(5)
        yield t
    finally:
        await client.stop()
        await t.stop()


async def until(check, timeout: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


@pytest.mark.mosquitto
@pytest.mark.slow
async def test_a_real_broker_outage_freezes_the_broker_device_while_the_timer_source_judges_its_own(
    db, settings
) -> None:
    mqtt_dev, stream_dev = seed(db, 2)
    mosq = MosquittoProcess(persistence=True)
    mosq.start()
    try:
        s = settings.model_copy(update={"inactivity_timeout_s": 2.0, "presence_flush_s": 0.05})
        async with server(db, s, mosq.url) as t:
            source = TimerSource(t, {stream_dev}, every_s=0.2)
            source.start()
            host, port, _ = parse_broker_url(mosq.url)
            topic = device_topic(mqtt_dev, "state")
            will = aiomqtt.Will(topic, dump(StateMessage(online=False, session=1)), 1, True)
            with contextlib.suppress(aiomqtt.MqttError):  # its connection dies with the broker
                async with aiomqtt.Client(host, port, identifier=mqtt_dev, will=will, keepalive=60) as dev:
                    await dev.publish(topic, dump(StateMessage(online=True, session=1)), 1, True)
                    await until(lambda: t.snapshot(mqtt_dev).status == "online")  # type: ignore[union-attr]
                    await until(lambda: t.snapshot(stream_dev).status == "online")  # type: ignore[union-attr]

                    await asyncio.to_thread(mosq.stop, kill=True)  # the broker dies: no Will is published
                    await until(lambda: not t.broker_up)
                    await asyncio.sleep(3)  # beyond both inactivity timeouts
                    # The broker's device is frozen, the stream device is alive by its own source.
                    assert t.snapshot(mqtt_dev).status == "online"  # type: ignore[union-attr]
                    assert t.snapshot(stream_dev).status == "online"  # type: ignore[union-attr]
                    await t.flush()
                    assert shown(db, t) == {mqtt_dev: "unverified", stream_dev: "online"}
                    # The stream device stops listening while the broker is still down: seen stale within its timeout.
                    source.devices.clear()
                    await until(lambda: t.snapshot(stream_dev).status == "stale", timeout=3)  # type: ignore[union-attr]
                    assert t.snapshot(mqtt_dev).status == "online"  # type: ignore[union-attr]
                    await t.flush()
                    assert shown(db, t) == {mqtt_dev: "unverified", stream_dev: "stale"}
                    await source.stop()
            await asyncio.to_thread(mosq.start)
            await until(lambda: t.broker_up, timeout=15)
            # Back: online again once its retained state is read, or reconnecting (a SIGKILL may lose the retained
            # state): its window decides; never offline for our outage.
            assert t.snapshot(mqtt_dev).status in ("online", "reconnecting")  # type: ignore[union-attr]
            await t.flush()
            assert shown(db, t)[mqtt_dev] in ("online", "reconnecting")
    finally:
        mosq.stop()
