"""The server client's receive path for storms: straight from paho to the handler, in order, nothing lost."""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from typing import Any

import aiomqtt
import pytest

from protocols import SERVER_DEVICE_FILTERS, device_topic
from source_server.mqtt import MqttClient, _joining_writes, parse_broker_url, topic_matcher

FILTERS = (*SERVER_DEVICE_FILTERS, "a/#", "x/+/#", "+/y")
TOPICS = (
    "nguon/v1/dev/a/state", "nguon/v1/dev/a/ack", "nguon/v1/dev/a/telemetry", "nguon/v1/dev/a/cmd",
    "nguon/v1/dev/a/b/ack", "nguon/v1/dev/ack", "nguon/v1/dev//state", "nguon/v1/server/state", "a", "a/b/c",
    "x", "x/y", "x/y/z", "q/y", "q/y/z", "other/dev/a/ack", "",
)  # fmt: skip


@pytest.mark.parametrize("topic", TOPICS)
def test_the_fast_matcher_agrees_with_aiomqtt(topic: str) -> None:
    expected = any(aiomqtt.Topic(topic).matches(f) for f in FILTERS) if topic else False
    matcher = topic_matcher(FILTERS)
    assert matcher(topic) is expected
    assert matcher(topic) is expected  # and again, from what it remembers


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
            reads = server._client._client._nguon_reads  # type: ignore[union-attr]  # paho client of this link
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
    # read in large chunks: paho alone made four recv calls per message (type, two length bytes, body), plus a
    # peek per message to see whether more was waiting
    assert 0 < reads.fills < n / 2, reads.fills


class _QueuedPaho:
    """Just what ``_joining_writes`` touches of a paho client: its packet queue and its ``_packet_write``."""

    def __init__(self, packets: list[dict[str, Any]]) -> None:
        self._out_packet = deque(packets)
        self.sent: list[bytes] = []

    def _packet_write(self) -> None:
        while self._out_packet:
            self.sent.append(bytes(self._out_packet.popleft()["packet"]))


def _queued(command: int, data: bytes, qos: int = 1, pos: int = 0) -> dict[str, Any]:
    return {"command": command, "mid": 0, "qos": qos, "pos": pos, "to_process": len(data) - pos, "packet": data,
            "info": object()}  # fmt: skip


def test_queued_packets_leave_joined_except_those_paho_acts_on_once_written() -> None:
    pubacks = [_queued(0x40, b"\x40\x02\x00" + bytes([i])) for i in range(1, 4)]
    qos0, disconnect = _queued(0x30, b"\x30\x03\x00\x01x", qos=0), _queued(0xE0, b"\xe0\x00")
    qos1 = _queued(0x32, b"\x32\x05\x00\x01x\x00\x09")
    paho = _QueuedPaho([*pubacks[:2], qos0, pubacks[2], qos1, disconnect])
    _joining_writes(paho)()
    b = [bytes(p["packet"]) for p in (*pubacks, qos0, qos1, disconnect)]
    # the same bytes in the same order; a QoS 0 PUBLISH and a DISCONNECT still go alone (paho acts on them once sent)
    assert paho.sent == [b[0] + b[1], b[3], b[2] + b[4], b[5]]


def test_a_partly_written_packet_is_left_alone_and_what_follows_is_joined() -> None:
    partial = _queued(0x32, b"\x32\x05\x00\x01x\x00\x09", pos=3)
    paho = _QueuedPaho([partial, _queued(0x40, b"\x40\x02\x00\x01"), _queued(0x40, b"\x40\x02\x00\x02")])
    _joining_writes(paho)()
    assert paho.sent == [b"\x32\x05\x00\x01x\x00\x09", b"\x40\x02\x00\x01\x40\x02\x00\x02"]


@pytest.mark.broker
async def test_a_burst_of_qos1_acks_is_acknowledged_without_breaking_the_link(fresh_broker_url: str) -> None:
    """Thousands of PUBACKs joined into few sends: the broker keeps the session, redelivers nothing, and the
    server's own publishes still go through."""
    host, port, _ = parse_broker_url(fresh_broker_url)
    seen: list[bytes] = []
    links: list[bool] = []
    server = MqttClient(
        url=fresh_broker_url, username=None, password=None,
        handler=lambda topic, payload, retained: seen.append(payload), on_connection=links.append,
    )  # fmt: skip
    n = 3000
    async with aiomqtt.Client(host, port, identifier=f"test-dev-{uuid.uuid4().hex[:8]}") as dev:
        await dev.subscribe("nguon/v1/dev/d1/cmd", qos=1)
        await server.start()
        try:
            assert await server.wait_connected(10)
            for start in range(0, n, 250):
                await asyncio.gather(
                    *(dev.publish(device_topic("d1", "ack"), str(i).encode(), qos=1) for i in range(start, start + 250))
                )
            for _ in range(500):
                if len(seen) >= n:
                    break
                await asyncio.sleep(0.02)
            await server.publish(device_topic("d1", "cmd"), b"after the burst", qos=1)
            async with asyncio.timeout(5):
                async for message in dev.messages:
                    assert message.payload == b"after the burst"
                    break
            await asyncio.sleep(0.5)  # a broker that saw a broken PUBACK stream would drop the link or redeliver
        finally:
            await server.stop()
    assert seen == [str(i).encode() for i in range(n)]
    assert links == [True, False]  # one connection all along (False: the stop)


def test_a_paho_queue_of_another_shape_falls_back_to_sending_one_by_one() -> None:
    from source_server.mqtt import _joining_writes

    class OtherPaho:  # a later paho whose queued packets are not the dicts this was written against
        def __init__(self) -> None:
            self._out_packet = [object(), object()]
            self.sent = 0

        def _packet_write(self) -> int:
            self.sent += 1
            return 0

    client = OtherPaho()
    original = client._packet_write
    client._packet_write = _joining_writes(client)  # type: ignore[method-assign]
    assert client._packet_write() == 0 and client.sent == 1  # still sent, by paho's own write
    assert client._packet_write == original  # and the joining is off from now on
    assert len(client._out_packet) == 2
