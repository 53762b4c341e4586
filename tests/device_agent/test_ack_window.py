"""Acks leave in order, several ahead of their PUBACKs, and a broken link puts the unanswered ones back in order.

Guards against two failures: acks held back one broker round trip each (an emergency's ``started`` then reaches the
server three round trips after its ``received``), and acks lost or reordered when the link breaks mid-window.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import struct
from typing import Any

import pytest

from device_agent import Agent, AgentConfig, NullPlayer
from device_agent.mqtt import PUBLISH
from protocols import Ack, AckStatus, DeviceChannel, Keyring, MediaRef, Priority, SigningKey, Target
from tests.device_agent.support import command, play_body
from tests.device_agent.test_lean_client import RecordingTransport, linked_client, puback, publish_packet


def media_of(data: bytes) -> dict[str, Any]:
    return {"url": "http://127.0.0.1:9/m.mp3", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "duration_ms": 60_000}  # fmt: skip


CID = "0f6c2d4e-8a1b-4c3d-9e5f-1a2b3c4d5e6f"


def agent_on(window: int, **kw: Any) -> tuple[Agent, list[Ack], RecordingTransport]:
    """An agent whose link is a recording transport (as after CONNACK); ``acked`` gets each ack at its PUBACK."""
    acked: list[Ack] = []
    kw.setdefault("keyring", Keyring({}))
    config = AgentConfig(
        device_id="spk-1", password=None, area_path=("64", "6423561"), ack_window=window,
        on_ack=lambda _device, ack: acked.append(ack), **kw,
    )  # fmt: skip
    agent = Agent(config)
    client, transport = linked_client(on_message=agent._on_message)
    agent._client = client
    agent._online.set()
    return agent, acked, transport


def sent_statuses(writes: list[bytes]) -> list[tuple[int, str]]:
    """(packet id, ack status) of every PUBLISH written, in order (a write may hold several packets)."""
    out, data = [], b"".join(writes)
    while data:
        assert data[0] >> 4 == PUBLISH
        length, shift, i = 0, 0, 1
        while True:  # the remaining length is a varint
            length |= (data[i] & 0x7F) << shift
            shift, i = shift + 7, i + 1
            if not data[i - 1] & 0x80:
                break
        packet, data = data[i : i + length], data[i + length :]
        topic_len = struct.unpack("!H", packet[:2])[0]
        pid = struct.unpack("!H", packet[2 + topic_len : 4 + topic_len])[0]
        out.append((pid, json.loads(packet[4 + topic_len :])["status"]))
    return out


async def test_several_acks_leave_before_the_first_puback_in_order_up_to_the_window() -> None:
    agent, acked, transport = agent_on(window=3)
    for status in (AckStatus.RECEIVED, AckStatus.DOWNLOADED, AckStatus.STARTED, AckStatus.DONE):
        agent._ack(CID, status)
    # one at a time would have written only "received" here
    assert sent_statuses(transport.writes) == [(1, "received"), (2, "downloaded"), (3, "started")]
    assert [a.status for a in agent._outbox] == [AckStatus.DONE]  # the fourth waits for room in the window

    agent._client._feed(puback(1))  # type: ignore[union-attr]
    await asyncio.sleep(0)  # PUBACK futures call back on the next turn of the loop
    assert [a.status for a in acked] == [AckStatus.RECEIVED]
    assert sent_statuses(transport.writes)[-1] == (4, "done")
    agent._client._feed(puback(2) + puback(3) + puback(4))  # type: ignore[union-attr]
    await asyncio.sleep(0)
    assert [a.status.value for a in acked] == ["received", "downloaded", "started", "done"]
    assert not agent._outbox and not agent._unacked


async def test_a_broken_link_puts_the_unanswered_acks_back_first_and_in_order() -> None:
    agent, acked, _ = agent_on(window=2)
    for status in (AckStatus.RECEIVED, AckStatus.DOWNLOADED, AckStatus.STARTED):
        agent._ack(CID, status)
    agent._client._feed(puback(1))  # type: ignore[union-attr]
    await asyncio.sleep(0)
    assert [a.status for a in acked] == [AckStatus.RECEIVED]
    # "downloaded" and "started" are on the wire when the link dies; "done" is made while it is down
    agent._online.clear()
    agent._client.abort()  # type: ignore[union-attr]
    await asyncio.sleep(0)
    agent._ack(CID, AckStatus.DONE)
    assert [a.status.value for a in agent._outbox] == ["downloaded", "started", "done"]
    assert not agent._unacked

    client, transport = linked_client()  # the next connection
    agent._client = client
    agent._online.set()
    agent._kick_drain()
    assert sent_statuses(transport.writes) == [(1, "downloaded"), (2, "started")]
    client._feed(puback(1) + puback(2))
    await asyncio.sleep(0)
    assert sent_statuses(transport.writes)[-1] == (3, "done")
    client._feed(puback(3))
    await asyncio.sleep(0)
    assert [a.status.value for a in acked] == ["received", "downloaded", "started", "done"]


def test_a_window_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="ack_window"):
        AgentConfig(device_id="spk-1", password=None, keyring=Keyring({}), area_path=("64",), ack_window=0)


async def test_a_cached_emergency_preempts_and_starts_in_the_write_of_its_puback_acked_started_alone() -> None:
    """One write per device per emergency: the interrupted item's ``preempted``, the emergency's ``started`` (which
    implies its ``received`` and ``downloaded``, made in the same instant) and the command's PUBACK, in order.

    Guards against the emergency waiting a turn of a task (or a broker round trip) between each step when its
    audio is already in the cache, and against four messages where two say it all: on 10,000 clusters each extra
    step and message cost seconds.
    """
    key = SigningKey.generate("k1")
    player = NullPlayer()
    agent, _, transport = agent_on(window=8, keyring=Keyring({key.kid: key.public_b64()}), player=player)
    normal_ref, urgent_ref = MediaRef(**media_of(b"n" * 50)), MediaRef(**media_of(b"e" * 50))
    for ref, data in ((normal_ref, b"n" * 50), (urgent_ref, b"e" * 50)):
        agent.cache.put(ref.sha256, data)
    me = Target(devices=(agent.device_id,))
    normal, env = command(key, "play", play_body(normal_ref), target=me)
    agent._client._feed(publish_packet(agent.topics[DeviceChannel.CMD], env, pid=1))  # type: ignore[union-attr]
    assert agent.programme.playing == normal
    transport.writes.clear()

    urgent, env = command(key, "play", play_body(urgent_ref), target=me, priority=Priority.EMERGENCY)
    agent._client._feed(publish_packet(agent.topics[DeviceChannel.CMD], env, pid=2))  # type: ignore[union-attr]
    assert len(transport.writes) == 1
    ours, theirs = transport.writes[0][: -len(puback(2))], transport.writes[0][-len(puback(2)) :]
    assert theirs == puback(2)
    sent = sent_statuses([ours])
    assert [s for _, s in sent] == ["preempted", "started"]
    assert agent._last_ack[urgent].status is AckStatus.STARTED and not agent._held
    assert agent.programme.playing == urgent
    await asyncio.sleep(0)
    assert player.played[-1] == (urgent_ref.sha256, 0)  # the player itself began on the next turn of the loop
    await agent.programme.close()
