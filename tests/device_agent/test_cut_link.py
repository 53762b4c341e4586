"""A cut link (``Agent.cut_link``): no reconnecting, the queued item still starts on the device clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from device_agent import NullPlayer
from protocols import SigningKey, Target
from tests.device_agent.support import (
    MediaServer,
    Watcher,
    agent_config,
    cmd_topic,
    command,
    play_body,
    running,
)

pytestmark = pytest.mark.broker
KEY = SigningKey.generate("k1")


async def test_a_cut_device_stays_off_and_plays_its_queue_on_time(broker_url: str, media: MediaServer) -> None:
    ref = media.add(b"C" * 100, duration_ms=200)
    player = NullPlayer()
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, player=player)) as agent:
        start_at = datetime.now(UTC) + timedelta(seconds=1.5)
        cid, env = command(KEY, "play", play_body(ref, start_at=start_at.isoformat()),
                           target=Target(devices=(agent.device_id,)))  # fmt: skip
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "downloaded" in w.statuses(cid))
        await agent.cut_link()
        assert not agent.connected
        await asyncio.sleep(start_at.timestamp() - datetime.now(UTC).timestamp() + 0.5)
        assert player.played == [(ref.sha256, 0)]  # played while off the link
        assert not agent.connected and w.statuses(cid) == ["received", "downloaded"]  # did not reconnect
        agent.revive()
        await w.wait_for(lambda: "done" in w.statuses(cid), timeout=10)
    started = w.acks_of(cid)[2]
    assert started.status.value == "started" and started.at >= start_at
