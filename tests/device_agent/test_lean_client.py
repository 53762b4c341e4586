"""The lean MQTT client's fast path, on a recording transport: coalesced writes and task-free QoS 1 publishes."""

from __future__ import annotations

import asyncio
import struct

import pytest

from device_agent.exceptions import ConnectionLost
from device_agent.mqtt import PUBACK, PUBLISH, MqttClient, _packet, _str


class RecordingTransport(asyncio.Transport):
    """Keeps every ``write`` call separately, so a test can see which packets left together."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True


def linked_client(**kwargs: object) -> tuple[MqttClient, RecordingTransport]:
    """A client in the state ``connect()`` leaves it in after CONNACK, on a recording transport."""
    client = MqttClient(host="127.0.0.1", port=1, client_id="dev-1", keepalive_s=0, **kwargs)  # type: ignore[arg-type]
    transport = RecordingTransport()
    loop = asyncio.get_running_loop()
    client._transport, client._up, client._closed = transport, True, loop.create_future()
    return client, transport


def publish_packet(topic: str, payload: bytes, pid: int) -> bytes:
    return _packet(PUBLISH, 0x02, _str(topic) + struct.pack("!H", pid) + payload)


def puback(pid: int) -> bytes:
    return _packet(PUBACK, 0, struct.pack("!H", pid))


async def test_the_ack_a_command_triggers_and_its_puback_leave_in_one_write_ack_first() -> None:
    sent: list[asyncio.Future[bytes]] = []

    def on_message(topic: str, payload: bytes, retain: bool) -> None:
        sent.append(client.publish_nowait("nguon/v1/dev/dev-1/ack", b'{"status":"received"}'))

    client, transport = linked_client(on_message=on_message)
    client._feed(publish_packet("nguon/v1/area/64/cmd", b"{}", pid=7))

    assert len(transport.writes) == 1, "PUBACK and ack must share one write (one syscall per device)"
    ours = publish_packet("nguon/v1/dev/dev-1/ack", b'{"status":"received"}', pid=1)
    # acknowledged after handling (as paho does): the broker reads the device's answer in its first pass
    assert transport.writes[0] == ours + puback(7)
    assert not sent[0].done()
    client._feed(puback(1))
    assert sent[0].done() and sent[0].result() == struct.pack("!H", 1)
    assert not client._pending and not client._deadlines


async def test_a_failing_handler_still_acknowledges_and_one_read_gives_one_write() -> None:
    def on_message(topic: str, payload: bytes, retain: bool) -> None:
        if payload == b"x":
            raise RuntimeError("handler bug")

    client, transport = linked_client(on_message=on_message)
    with pytest.raises(RuntimeError):
        client._feed(publish_packet("t", b"x", pid=3))
    client._feed(publish_packet("t", b"y", pid=4) + publish_packet("t", b"z", pid=5))
    assert transport.writes == [puback(3), puback(4) + puback(5)]  # one chunk read, one write
    await client.publish("t", b"z", qos=0)
    assert len(transport.writes) == 3  # outside a read, a publish is written at once


async def test_publish_nowait_fails_when_the_link_is_lost_and_refuses_when_down() -> None:
    client, _ = linked_client()
    fut = client.publish_nowait("t", b"x")
    client.abort()
    with pytest.raises(ConnectionLost):
        await fut
    with pytest.raises(ConnectionLost):
        client.publish_nowait("t", b"y")


async def test_a_publish_never_acknowledged_declares_the_link_lost() -> None:
    client, transport = linked_client(timeout_s=0.05)
    fut = client.publish_nowait("t", b"x")
    with pytest.raises(ConnectionLost, match="no acknowledgement"):
        await asyncio.wait_for(fut, 2)
    assert transport.closed and not client.connected


async def test_a_frozen_client_drops_publishes_silently() -> None:
    client, transport = linked_client()
    client.freeze()
    fut = client.publish_nowait("t", b"x")
    assert fut.done() and transport.writes == []


async def test_a_keepalive_tick_on_a_closing_link_reports_the_loss_instead_of_raising_from_the_timer() -> None:
    # The failure: the tick ran as a timer callback, ``_send`` raised ConnectionLost out of it (asyncio logged
    # "Exception in callback" under load), no next tick was armed and the link's loss was never reported.
    client, transport = linked_client()
    client.keepalive_s = 4
    client._last_sent -= 10  # idle long enough for a ping
    transport.closed = True  # closing, but connection_lost has not run yet
    client._tick()  # must not raise
    assert not client.connected
    assert client._closed is not None and isinstance(client._closed.result(), ConnectionLost)
