"""The server's MQTT client against a real broker: Will, retained server state, delivery, reconnection."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import aiomqtt
import pytest

from protocols import SERVER_STATE_TOPIC, device_topic
from source_server.broker import free_port
from source_server.metrics import MQTT_CONNECTED, MQTT_OUT
from source_server.mqtt import MqttClient, MqttNotConnected, parse_broker_url
from tests.support.brokers import MosquittoProcess

pytestmark = pytest.mark.broker


class Recorder:
    """Collects what the client hands to its callbacks."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self.connections: list[bool] = []

    def handler(self, topic: str, payload: bytes, retained: bool) -> None:
        self.messages.append((topic, payload, retained))

    def on_connection(self, connected: bool) -> None:
        self.connections.append(connected)

    async def wait_for(self, n: int, timeout: float = 5.0) -> None:
        for _ in range(int(timeout / 0.02)):
            if len(self.messages) >= n:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {n} messages, got {self.messages}")


class PrivateMosquitto(MosquittoProcess):
    """A restartable Mosquitto that also closes its stderr pipe when stopped (no unraisable ResourceWarning)."""

    def stop(self, *, kill: bool = False) -> None:
        proc = self.proc
        super().stop(kill=kill)
        if proc is not None and proc.stderr is not None:
            proc.stderr.close()


@pytest.fixture
def mosquitto() -> Iterator[PrivateMosquitto]:
    broker = PrivateMosquitto()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def host_port(url: str) -> tuple[str, int]:
    host, port, _ = parse_broker_url(url)
    return host, port


@pytest.fixture
async def device(fresh_broker_url: str) -> AsyncIterator[aiomqtt.Client]:
    host, port = host_port(fresh_broker_url)
    async with aiomqtt.Client(host, port, identifier=f"test-dev-{uuid.uuid4().hex[:8]}") as client:
        yield client


async def retained_server_state(url: str) -> dict[str, object]:
    """The retained ``server/state`` as a fresh subscriber sees it."""
    host, port = host_port(url)
    async with aiomqtt.Client(host, port, identifier=f"test-obs-{uuid.uuid4().hex[:8]}") as obs:
        await obs.subscribe(SERVER_STATE_TOPIC, qos=1)
        msg = await asyncio.wait_for(anext(aiter(obs.messages)), 5)
        assert msg.retain
        return json.loads(bytes(msg.payload))  # type: ignore[arg-type]


def test_bad_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not an MQTT broker URL"):
        parse_broker_url("http://example.org")
    assert parse_broker_url("mqtts://broker.local") == ("broker.local", 8883, True)


async def test_connects_announces_itself_and_delivers_device_messages(
    fresh_broker_url: str, device: aiomqtt.Client
) -> None:
    rec = Recorder()
    dev_id = f"d-{uuid.uuid4().hex[:8]}"
    await device.publish(device_topic(dev_id, "state"), b'{"online":true,"session":1}', qos=1, retain=True)
    client = MqttClient(
        url=fresh_broker_url, username=None, password=None, handler=rec.handler, on_connection=rec.on_connection
    )
    assert not client.connected
    with pytest.raises(MqttNotConnected):
        await client.publish("nguon/v1/dev/x/cmd", b"{}")
    await client.start()
    try:
        assert await client.wait_connected(5)
        assert rec.connections == [True]
        assert MQTT_CONNECTED._value.get() == 1
        assert (await retained_server_state(fresh_broker_url))["online"] is True
        await rec.wait_for(1)
        assert (device_topic(dev_id, "state"), b'{"online":true,"session":1}', True) in rec.messages
        await device.publish(device_topic(dev_id, "telemetry"), b'{"session":1}', qos=1)
        await rec.wait_for(2)
        assert rec.messages[-1] == (device_topic(dev_id, "telemetry"), b'{"session":1}', False)

        before = MQTT_OUT.labels("cmd")._value.get()
        await device.subscribe(device_topic(dev_id, "cmd"), qos=1)
        await client.publish(device_topic(dev_id, "cmd"), b'{"hello":1}')
        got = await asyncio.wait_for(anext(aiter(device.messages)), 5)
        assert bytes(got.payload) == b'{"hello":1}'  # type: ignore[arg-type]
        assert MQTT_OUT.labels("cmd")._value.get() == before + 1
        await device.subscribe(SERVER_STATE_TOPIC, qos=1)
        got = await asyncio.wait_for(anext(aiter(device.messages)), 5)
        assert json.loads(bytes(got.payload))["online"] is True  # type: ignore[arg-type]
    finally:
        await device.publish(device_topic(dev_id, "state"), b"", qos=1, retain=True)
        await client.stop()
    assert not client.connected
    assert rec.connections == [True, False]
    got = await asyncio.wait_for(anext(aiter(device.messages)), 5)
    assert json.loads(bytes(got.payload))["online"] is False  # type: ignore[arg-type]
    with pytest.raises(MqttNotConnected):
        await client.publish("nguon/v1/dev/x/cmd", b"{}")


async def test_handler_errors_do_not_stop_delivery(fresh_broker_url: str, device: aiomqtt.Client) -> None:
    seen: list[str] = []

    def handler(topic: str, payload: bytes, retained: bool) -> None:
        seen.append(topic)
        if payload == b"boom":
            raise RuntimeError("bad handler")

    client = MqttClient(
        url=fresh_broker_url, username=None, password=None, handler=handler, on_connection=lambda c: None
    )
    await client.start()
    try:
        assert await client.wait_connected(5)
        dev_id = f"d-{uuid.uuid4().hex[:8]}"
        await device.publish(device_topic(dev_id, "ack"), b"boom", qos=1)
        await device.publish(device_topic(dev_id, "ack"), b"ok", qos=1)
        for _ in range(250):
            if len(seen) >= 2:
                break
            await asyncio.sleep(0.02)
        assert seen == [device_topic(dev_id, "ack")] * 2
    finally:
        await client.stop()


@pytest.mark.mosquitto
async def test_reconnects_after_broker_restart_and_resubscribes(mosquitto: MosquittoProcess) -> None:
    rec = Recorder()
    client = MqttClient(
        url=mosquitto.url, username=None, password=None, handler=rec.handler, on_connection=rec.on_connection
    )
    await client.start()
    try:
        assert await client.wait_connected(5)
        await asyncio.to_thread(mosquitto.stop)
        for _ in range(250):
            if not client.connected:
                break
            await asyncio.sleep(0.02)
        assert rec.connections == [True, False]
        with pytest.raises(MqttNotConnected):
            await client.publish("nguon/v1/dev/x/cmd", b"{}")
        await asyncio.to_thread(mosquitto.start)
        assert await client.wait_connected(8)
        assert rec.connections == [True, False, True]
        host, port = host_port(mosquitto.url)
        async with aiomqtt.Client(host, port) as dev:
            await dev.publish(device_topic("after-restart", "state"), b'{"online":true,"session":2}', qos=1)
        await rec.wait_for(1)
        assert rec.messages[-1][0] == device_topic("after-restart", "state")
    finally:
        await client.stop()


@pytest.mark.mosquitto
async def test_shared_group_splits_messages_between_replicas(mosquitto: MosquittoProcess) -> None:
    recs = [Recorder(), Recorder()]
    clients = [
        MqttClient(
            url=mosquitto.url,
            username=None,
            password=None,
            handler=r.handler,
            on_connection=r.on_connection,
            shared_group="nguon",
        )
        for r in recs
    ]
    assert clients[0].filters[0].startswith("$share/nguon/nguon/v1/dev/+/")
    for c in clients:
        await c.start()
    try:
        assert all([await c.wait_connected(5) for c in clients])
        host, port = host_port(mosquitto.url)
        async with aiomqtt.Client(host, port) as dev:
            for i in range(20):
                await dev.publish(device_topic(f"d{i}", "telemetry"), b"{}", qos=1)
        for _ in range(250):
            if sum(len(r.messages) for r in recs) >= 20:
                break
            await asyncio.sleep(0.02)
        assert sum(len(r.messages) for r in recs) == 20  # each message to exactly one replica
    finally:
        for c in clients:
            await c.stop()


async def test_unreachable_broker_keeps_retrying_without_connecting() -> None:
    rec = Recorder()
    client = MqttClient(
        url=f"mqtt://127.0.0.1:{free_port()}",
        username=None,
        password=None,
        handler=rec.handler,
        on_connection=rec.on_connection,
    )
    await client.start()
    try:
        assert not await client.wait_connected(0.8)
        assert rec.connections == []
    finally:
        await client.stop()


def test_only_topics_of_the_device_filters_reach_the_handler() -> None:
    # The embedded broker (amqtt) was seen delivering ``server/state`` to a ``dev/+/ack`` subscriber.
    rec = Recorder()
    client = MqttClient(
        url="mqtt://127.0.0.1:1", username=None, password=None, handler=rec.handler, on_connection=rec.on_connection
    )
    for topic in (SERVER_STATE_TOPIC, "nguon/v1/dev/a/cmd", "nguon/v1/dev/a/ack", "other/dev/a/ack"):
        client._deliver(aiomqtt.Message(topic, b"{}", 1, False, 1, None))
    assert rec.messages == [("nguon/v1/dev/a/ack", b"{}", False)]
