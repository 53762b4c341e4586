"""What a device says about the commands it holds (issue 9): refused copies name no fate, a restart tells what it
cut short, a dying player says how far it got — on a real broker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from device_agent import Agent, NullPlayer
from device_agent.agent import RESTART_REASON
from device_agent.player import Playable
from protocols import SigningKey
from tests.device_agent.support import (
    MediaServer,
    Watcher,
    agent_config,
    cmd_topic,
    command,
    me,
    play_body,
    running,
)

pytestmark = pytest.mark.broker
KEY = SigningKey.generate("k1")
FORGER = SigningKey.generate("k1")
"""Same key id as the server's, another key: what someone publishing on a device's topic would sign with."""


async def test_a_tampered_copy_of_an_accepted_command_is_refused_without_touching_its_fate(
    broker_url: str, media: MediaServer
) -> None:
    """Issue 9: the device acked a tampered copy ``rejected`` under the id it had played, and that rejection became
    the command's latest ack (re-sent for every later copy). Now: the refusal is rate limited and the genuine copy
    still gets ``done``."""
    ref = media.add(b"z" * 400, duration_ms=100)
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY)) as agent:
        cid, env = command(KEY, "play", play_body(ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(cid))
        _, forged = command(FORGER, "play", play_body(ref), target=me(agent), cid=cid)
        for _ in range(10):  # a flood on the command topic
            await w.publish(cmd_topic(agent.device_id), forged)
        await w.publish(cmd_topic(agent.device_id), b"not even json")
        await w.publish(cmd_topic(agent.device_id), env)  # a genuine copy again: where it stands
        await w.wait_for(lambda: w.statuses(cid).count("done") == 2)
        await asyncio.sleep(0.3)
    refused = [a for a in w.acks_of(cid) if a.status.value == "rejected"]
    assert [a.reason for a in refused] == ["bad_signature"] * 3, "at most a few refusals a minute"
    assert w.statuses(cid)[-1] == "done", "the refusal is never the command's latest ack"
    assert w.statuses("unknown") == [], "the rate limit holds for every claimed id"


async def test_a_garbage_copy_is_refused_under_the_id_unknown(broker_url: str) -> None:
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY)) as agent:
        await w.publish(cmd_topic(agent.device_id), b'{"kid":"k1","payload":"!!","sig":"x"}')
        await w.wait_for(lambda: bool(w.statuses("unknown")))
    assert [(a.status.value, a.reason) for a in w.acks_of("unknown")] == [("rejected", "malformed")]


async def test_a_device_killed_mid_play_says_interrupted_and_how_far_after_restarting(
    broker_url: str, media: MediaServer, tmp_path: Path
) -> None:
    ref = media.add(b"w" * 600, duration_ms=3000)
    async with Watcher(broker_url) as w:
        # the failure guarded against: a device that keeps nothing says nothing of what it was playing
        forgetful_cfg = agent_config(broker_url, KEY)
        forgetful = Agent(forgetful_cfg)
        forgetful.start()
        await forgetful.wait_connected()
        lost, env = command(KEY, "play", play_body(ref), target=me(forgetful))
        await w.publish(cmd_topic(forgetful.device_id), env)
        await w.wait_for(lambda: "started" in w.statuses(lost))
        await forgetful.kill("abort")
        async with running(forgetful_cfg):
            await asyncio.sleep(0.5)
        await forgetful.stop()
        assert w.statuses(lost) == ["received", "started"], "started for good"
        # the fix: the accepted commands and the play checkpoint survive the restart
        cfg = agent_config(broker_url, KEY, state_dir=tmp_path, checkpoint_s=0.1)
        device = Agent(cfg)
        device.start()
        await device.wait_connected()
        cid, env = command(KEY, "play", play_body(ref), target=me(device))
        await w.publish(cmd_topic(device.device_id), env)
        await w.wait_for(lambda: "started" in w.statuses(cid))
        await asyncio.sleep(1.0)
        killed_at = datetime.now(UTC)
        await device.kill("abort")
        await device.stop()
        async with running(cfg):
            await w.wait_for(lambda: "interrupted" in w.statuses(cid))
            await asyncio.sleep(0.3)
    assert w.statuses(cid) == ["received", "started", "interrupted"]
    said = w.acks_of(cid)[-1]
    assert said.reason == RESTART_REASON and said.position_ms is not None
    assert 700 <= said.position_ms <= 1200, said.position_ms
    assert killed_at - timedelta(seconds=0.3) <= said.at <= killed_at, "when it stopped, by the device clock"


async def test_a_play_waiting_for_its_time_survives_a_restart_and_plays(
    broker_url: str, media: MediaServer, tmp_path: Path
) -> None:
    ref = media.add(b"v" * 500, duration_ms=100)
    cfg = agent_config(broker_url, KEY, state_dir=tmp_path, cache_dir=tmp_path / "cache")
    async with Watcher(broker_url) as w:
        device = Agent(cfg)
        device.start()
        await device.wait_connected()
        start_at = datetime.now(UTC) + timedelta(seconds=1.5)
        cid, env = command(KEY, "play", play_body(ref, start_at=start_at.isoformat()), target=me(device))
        await w.publish(cmd_topic(device.device_id), env)
        await w.wait_for(lambda: "downloaded" in w.statuses(cid))
        await device.kill("abort")
        await device.stop()
        player = NullPlayer()
        cfg.player = player
        async with running(cfg):
            await w.wait_for(lambda: "done" in w.statuses(cid), timeout=5)
    assert w.statuses(cid) == ["received", "downloaded", "downloaded", "started", "done"]
    assert len(player.played) == 1


class DyingPlayer:
    """A player whose process dies after ``after_s``."""

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s

    async def play(self, item: Playable) -> None:
        await asyncio.sleep(self.after_s)
        raise RuntimeError("ffplay exited with 139")


async def test_a_player_that_dies_mid_play_is_acked_interrupted_with_its_position(
    broker_url: str, media: MediaServer
) -> None:
    ref = media.add(b"u" * 500, duration_ms=5000)
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, player=DyingPlayer(0.4))) as agent:
        cid, env = command(KEY, "play", play_body(ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "interrupted" in w.statuses(cid))
    said = w.acks_of(cid)[-1]
    assert said.reason is not None and said.reason.startswith("player_error")
    assert said.position_ms is not None and 300 <= said.position_ms <= 1000
