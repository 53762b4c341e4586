"""The server's retained ``server/state`` survives someone publishing over it (PROTOCOL.md's example, verbatim)."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest

from protocols import SERVER_STATE_TOPIC
from source_server import __version__
from source_server.metrics import SERVER_STATE_REASSERTED
from source_server.mqtt import MqttClient, parse_broker_url

pytestmark = pytest.mark.broker

EXAMPLE = b'{"online":true,"at":"2026-11-23T00:00:00Z","version":"0.1.0"}'


async def retained_state(url: str) -> dict[str, object]:
    """What a device subscribing now reads on ``server/state``."""
    host, port, _ = parse_broker_url(url)
    async with aiomqtt.Client(host, port) as c:
        await c.subscribe(SERVER_STATE_TOPIC, qos=1)
        async for msg in c.messages:
            assert isinstance(msg.payload, bytes)
            return json.loads(msg.payload)  # type: ignore[no-any-return]
    raise AssertionError("no retained server state")


async def test_a_foreign_server_state_is_overwritten_by_the_true_one(fresh_broker_url: str) -> None:
    client = MqttClient(
        url=fresh_broker_url, username=None, password=None, handler=lambda *_: None, on_connection=lambda _: None
    )
    await client.start()
    try:
        assert await client.wait_connected(5)
        ours = await retained_state(fresh_broker_url)
        assert ours["online"] is True and ours["version"] == __version__
        before = SERVER_STATE_REASSERTED._value.get()
        host, port, _ = parse_broker_url(fresh_broker_url)
        async with aiomqtt.Client(host, port) as vendor:
            # Without the re-assertion this example stays the retained state every device reads: a stale time.
            await vendor.publish(SERVER_STATE_TOPIC, EXAMPLE, qos=1, retain=True)
        for _ in range(100):
            if SERVER_STATE_REASSERTED._value.get() > before:
                break
            await asyncio.sleep(0.05)
        assert SERVER_STATE_REASSERTED._value.get() == before + 1
        for _ in range(100):
            now = await retained_state(fresh_broker_url)
            if now["at"] != "2026-11-23T00:00:00Z":
                break
            await asyncio.sleep(0.05)
        assert now["online"] is True and now["at"] > ours["at"]  # type: ignore[operator]
        async with aiomqtt.Client(host, port) as vendor:  # someone saying the server is offline is answered too
            await vendor.publish(
                SERVER_STATE_TOPIC, b'{"online":false,"at":"2030-01-01T00:00:00Z"}', qos=1, retain=True
            )
        await asyncio.sleep(1.5)
        assert (await retained_state(fresh_broker_url))["online"] is True
    finally:
        await client.stop()
