"""Presence over a real broker: Wills, retained states, a late Will and a server restart."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiomqtt
import pytest

from protocols import StateMessage, Telemetry, device_topic, dump, parse_device_topic, parse_message
from source_server.db import session_scope, utcnow
from source_server.events import EventHub
from source_server.fleet.models import Area, Device
from source_server.fleet.presence import PresenceTracker
from source_server.mqtt import MqttClient, parse_broker_url

pytestmark = pytest.mark.broker


@asynccontextmanager
async def server(db, settings, broker_url: str) -> AsyncIterator[PresenceTracker]:
    """The runtime's presence path: MqttClient → parse → PresenceTracker, fences wired (started and stopped like the runtime)."""
    tracker = PresenceTracker(sessions=db, settings=settings, hub=EventHub())

    def ingest(topic: str, payload: bytes, retained: bool) -> None:
        dt = parse_device_topic(topic)
        if not tracker.knows(dt.device_id):
            return
        if dt.channel.value == "state":
            tracker.on_state(dt.device_id, parse_message(StateMessage, payload), utcnow(), retained=retained)
        elif dt.channel.value == "telemetry":
            tracker.on_telemetry(dt.device_id, parse_message(Telemetry, payload), utcnow())

    client = MqttClient(
        url=broker_url,
        username=None,
        password=None,
        handler=ingest,
        on_connection=lambda up: tracker.on_broker_connection(up, utcnow()),
        on_fence=lambda n: tracker.on_fence(n, utcnow()),
    )
    tracker.set_fence_sender(client.send_fence)
    await tracker.start()
    await client.start()
    try:
        assert await client.wait_connected(5)
        yield tracker
    finally:
        await client.stop()
        await tracker.stop()


@asynccontextmanager
async def device(broker_url: str, device_id: str, session: int) -> AsyncIterator[aiomqtt.Client]:
    """A device connection with its retained Will, announcing itself online."""
    host, port, _ = parse_broker_url(broker_url)
    will = aiomqtt.Will(device_topic(device_id, "state"), dump(StateMessage(online=False, session=session)), 1, True)
    async with aiomqtt.Client(host, port, identifier=f"{device_id}-{session}", will=will, keepalive=5) as c:
        await c.publish(device_topic(device_id, "state"), dump(StateMessage(online=True, session=session)), 1, True)
        yield c


async def eventually(check, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


def seed(db) -> str:
    did = f"m{uuid.uuid4().hex[:10]}"
    with session_scope(db) as s:
        s.add(Area(code="p", name="Tỉnh", level="province"))
        s.flush()
        s.add(Area(code="c1", name="Xã", level="commune", parent_code="p"))
        s.flush()
        s.add(Device(id=did, kind="speaker", province_code="p", commune_code="c1"))
    return did


async def test_late_will_after_reconnect_keeps_device_online_over_the_broker(db, settings, broker_url) -> None:
    did = seed(db)
    async with server(db, settings, broker_url) as tracker:
        async with device(broker_url, did, 1):
            await eventually(lambda: tracker.snapshot(did).status == "online")
        async with device(broker_url, did, 2) as dev:
            await eventually(lambda: tracker.snapshot(did).session == 2)
            # The old connection's Will, delivered late (a half-open socket the broker only now gave up on):
            await dev.publish(device_topic(did, "state"), dump(StateMessage(online=False, session=1)), 1, True)
            await dev.publish(device_topic(did, "state"), dump(StateMessage(online=True, session=2)), 1, True)
            await asyncio.sleep(0.3)
            assert tracker.snapshot(did).status == "online"
            # Its own going-away of the current session does count.
            await dev.publish(device_topic(did, "state"), dump(StateMessage(online=False, session=2)), 1, True)
            await eventually(lambda: tracker.snapshot(did).status == "offline")
        host, port, _ = parse_broker_url(broker_url)
        async with aiomqtt.Client(host, port) as other:
            await other.publish(device_topic(did, "state"), b"", 1, True)


async def test_restart_reads_the_table_then_retained_states(db, settings, broker_url) -> None:
    did = seed(db)
    async with server(db, settings, broker_url) as tracker, device(broker_url, did, 4) as dev:
        await eventually(lambda: tracker.snapshot(did).status == "online")
        await dev.publish(device_topic(did, "telemetry"), dump(Telemetry(session=4, at=utcnow(), volume=70)), 1)
        await eventually(lambda: tracker.snapshot(did).last_seen is not None)
    # Server down; the device went away meanwhile and its retained Will says so.
    host, port, _ = parse_broker_url(broker_url)
    async with aiomqtt.Client(host, port) as other:
        await other.publish(device_topic(did, "state"), dump(StateMessage(online=False, session=4)), 1, True)
    async with server(db, settings, broker_url) as tracker:
        await eventually(lambda: tracker.snapshot(did).status == "offline")
    async with aiomqtt.Client(host, port) as other:
        await other.publish(device_topic(did, "state"), b"", 1, True)


async def test_a_device_the_broker_never_drops_is_caught_by_its_silence(db, settings, broker_url) -> None:
    # A half-open device under a huge keepalive: the broker keeps its link (no Will for 1.5 h), its retained state
    # still says online. Only the missing heartbeats tell (settings: inactivity_timeout_s = 3).
    did = seed(db)
    host, port, _ = parse_broker_url(broker_url)
    will = aiomqtt.Will(device_topic(did, "state"), dump(StateMessage(online=False, session=1)), 1, True)
    async with server(db, settings, broker_url) as tracker:
        async with aiomqtt.Client(host, port, identifier=f"{did}-1", will=will, keepalive=3600) as dev:
            await dev.publish(device_topic(did, "state"), dump(StateMessage(online=True, session=1)), 1, True)
            await dev.publish(device_topic(did, "telemetry"), dump(Telemetry(session=1, at=utcnow())), 1)
            await eventually(lambda: tracker.snapshot(did).status == "online")
            t0 = asyncio.get_running_loop().time()
            await eventually(lambda: tracker.snapshot(did).status == "stale", timeout=settings.inactivity_timeout_s + 3)
            assert asyncio.get_running_loop().time() - t0 >= settings.inactivity_timeout_s - 0.5
            # the broker still holds it: its retained state says online, no Will has been published
            async with aiomqtt.Client(host, port) as watcher:
                await watcher.subscribe(device_topic(did, "state"))
                async for msg in watcher.messages:
                    assert isinstance(msg.payload, bytes) and b'"online":true' in msg.payload
                    break
            await dev.publish(device_topic(did, "telemetry"), dump(Telemetry(session=1, at=utcnow())), 1)
            await eventually(lambda: tracker.snapshot(did).status == "online")  # came back
        async with aiomqtt.Client(host, port) as other:
            await other.publish(device_topic(did, "state"), b"", 1, True)
