"""The server client's receive path for storms: straight from paho to the handler, in order, nothing lost."""

from __future__ import annotations

import asyncio
import uuid

import aiomqtt
import pytest

from protocols import SERVER_DEVICE_FILTERS, device_topic
from source_server.mqtt import MqttClient, parse_broker_url, topic_matcher

FILTERS = (*SERVER_DEVICE_FILTERS, "a/#", "x/+/#", "+/y")
TOPICS = (
    "nguon/v1/dev/a/state", "nguon/v1/dev/a/ack", "nguon/v1/dev/a/telemetry", "nguon/v1/dev/a/cmd",
    "nguon/v1/dev/a/b/ack", "nguon/v1/dev/ack", "nguon/v1/dev//state", "nguon/v1/server/state", "a", "a/b/c",
    "x", "x/y", "x/y/z", "q/y", "q/y/z", "other/dev/a/ack", "",
)  # fmt: skip


@pytest.mark.parametrize("topic", TOPICS)
def test_the_fast_matcher_agrees_with_aiomqtt(topic: str) -> None:
    expected = any(aiomqtt.Topic(topic).matches(f) for f in FILTERS) if topic else False
    assert topic_matcher(FILTERS)(topic) is expected


@pytest.mark.broker
async def test_retained_then_a_burst_arrive_in_order_after_the_connection_is_announced(fresh_broker_url: str) -> None:
    host, port, _ = parse_broker_url(fresh_broker_url)
    seen: list[tuple[str, bytes, bool]] = []
    from_a_task: list[bool] = []
    connected_when: list[int] = []

    def handler(topic: str, payload: bytes, retained: bool) -> None:
        seen.append((topic, payload, retained))
        from_a_task.append(asyncio.current_task() is not None)

    server = MqttClient(
        url=fresh_broker_url, username=None, password=None,
        handler=handler, on_connection=lambda up: connected_when.append(len(seen)),
    )  # fmt: skip
    n = 1500
    async with aiomqtt.Client(host, port, identifier=f"test-dev-{uuid.uuid4().hex[:8]}") as dev:
        for i in range(3):  # retained before the server connects: delivered on its SUBSCRIBE
            await dev.publish(device_topic(f"r{i}", "state"), f'{{"i":{i}}}'.encode(), qos=1, retain=True)
        await server.start()
        try:
            assert await server.wait_connected(10)
            for start in range(0, n, 100):  # a burst, within aiomqtt's comfortable number of pending calls
                await asyncio.gather(
                    *(dev.publish(device_topic("d1", "ack"), str(i).encode(), qos=1) for i in range(start, start + 100))
                )
            for _ in range(500):
                if len(seen) >= n + 3:
                    break
                await asyncio.sleep(0.02)
        finally:
            await server.stop()
    assert connected_when[0] == 0  # the handler saw nothing before the connection was announced
    retained = sorted(seen[:3])
    assert retained == [(device_topic(f"r{i}", "state"), f'{{"i":{i}}}'.encode(), True) for i in range(3)]
    acks = [p for t, p, r in seen[3:] if t == device_topic("d1", "ack")]
    assert acks == [str(i).encode() for i in range(n)]  # every one, in the order sent
    # straight from the socket's reader callback, not from a task draining aiomqtt's queue
    assert not any(from_a_task[3:])
