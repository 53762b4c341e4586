"""Signed commands end to end on a real broker and a real HTTP server: acks in order, rejections, priority."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from device_agent import NullPlayer
from protocols import Priority, SigningKey, Target
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


async def test_play_acks_received_downloaded_started_done_and_caches(broker_url: str, media: MediaServer) -> None:
    ref = media.add(b"ID3 bulletin" * 100, duration_ms=200)
    player = NullPlayer()
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, player=player)) as agent:
        cid, env = command(KEY, "play", play_body(ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(cid))
        # downloaded and started in one instant: ``started`` alone says both (PROTOCOL.md §5)
        assert w.statuses(cid) == ["received", "started", "done"]
        assert {a.session for a in w.acks_of(cid)} == {agent.session}
        # the same media again, to the whole commune: played from cache, not fetched twice
        cid2, env2 = command(KEY, "play", play_body(ref), target=Target(area=("64", "25087")))
        await w.publish("nguon/v1/area/64/25087/cmd", env2)
        await w.wait_for(lambda: "done" in w.statuses(cid2))
    assert w.statuses(cid2) == ["started", "done"]  # cached, due now: started in the instant it arrived
    assert sum(media.hits.values()) == 1
    assert len(player.played) == 2


@pytest.mark.parametrize("case", ["bad_signature", "expired", "not_for_me", "unsupported_type", "not_yet_valid"])
async def test_rejected_commands_never_play(broker_url: str, media: MediaServer, case: str) -> None:
    ref = media.add(b"x" * 500, duration_ms=200)
    player = NullPlayer()
    skew = -400.0 if case == "not_yet_valid" else 0.0  # device clock 400 s behind: beyond the allowed 300 s
    async with (
        Watcher(broker_url) as w,
        running(agent_config(broker_url, KEY, player=player, clock_offset_s=skew)) as agent,
    ):
        target, key, type_, iat = me(agent), KEY, "play", None
        if case == "bad_signature":
            key = SigningKey.generate("k1")  # same key id, not the key the device trusts
        elif case == "expired":
            iat = datetime.now(UTC) - timedelta(minutes=10)
        elif case == "not_for_me":
            target = Target(devices=("someone-else",))
        elif case == "unsupported_type":
            type_ = "self_destruct"
        cid, env = command(key, type_, play_body(ref), target=target, iat=iat)
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: bool(w.statuses(cid)))
        await asyncio.sleep(0.3)
    assert [(a.status.value, a.reason) for a in w.acks_of(cid)] == [("rejected", case)]
    assert player.played == [] and media.hits == {}


async def test_replayed_command_plays_once_and_repeats_its_last_ack(
    broker_url: str, media: MediaServer, tmp_path: Path
) -> None:
    ref = media.add(b"y" * 300, duration_ms=200)
    cid, env = command(KEY, "play", play_body(ref), target=Target(group="loa-xa"))
    async with Watcher(broker_url) as w:
        # the failure guarded against: a device that forgot what it accepted (no state dir) plays a replay again
        for _ in range(2):
            forgetful = NullPlayer()
            async with running(agent_config(broker_url, KEY, player=forgetful, groups=("loa-xa",))) as agent:
                await w.publish(cmd_topic(agent.device_id), env)
                await w.wait_for(lambda a=agent: "done" in w.statuses(cid, a.device_id))
            assert len(forgetful.played) == 1
        # the fix: accepted ids are remembered (across restarts with a state dir), a replay acts no more
        player = NullPlayer()
        cfg = agent_config(broker_url, KEY, player=player, groups=("loa-xa",), state_dir=tmp_path)
        async with running(cfg) as agent:
            await w.publish(cmd_topic(agent.device_id), env)
            await w.wait_for(lambda: "done" in w.statuses(cid, agent.device_id))
            await w.publish(cmd_topic(agent.device_id), env)  # replay on the live device: last ack again
            await w.wait_for(lambda: w.statuses(cid, agent.device_id).count("done") == 2)
        async with running(cfg) as agent:  # after a restart: its latest ack re-sent on reconnecting, and on a replay
            await w.wait_for(lambda: w.statuses(cid, agent.device_id).count("done") == 3)
            await w.publish(cmd_topic(agent.device_id), env)
            await w.wait_for(lambda: w.statuses(cid, agent.device_id).count("done") == 4)
            await asyncio.sleep(0.3)
    assert w.statuses(cid, agent.device_id) == ["received", "started", "done", "done", "done", "done"]
    done_at = {a.at for d, a in w.acks if d == agent.device_id and a.command_id == cid and a.status.value == "done"}
    assert len(done_at) == 1, "the same ack each time, its device time too"
    assert len(player.played) == 1


async def test_hash_mismatch_fails_and_does_not_play(broker_url: str, media: MediaServer) -> None:
    ref = media.add(b"tampered audio", claim=b"genuine audio!")  # same size, other content
    player = NullPlayer()
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, player=player)) as agent:
        cid, env = command(KEY, "play", play_body(ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "failed" in w.statuses(cid))
        assert not agent.cache.has(ref.sha256)
    assert [(a.status.value, a.reason) for a in w.acks_of(cid)] == [("received", None), ("failed", "hash_mismatch")]
    assert player.played == []


async def test_emergency_preempts_normal_which_resumes(broker_url: str, media: MediaServer) -> None:
    normal_ref, urgent_ref = media.add(b"n" * 400, duration_ms=900), media.add(b"e" * 400, duration_ms=300)
    player = NullPlayer()
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, player=player)) as agent:
        normal, env = command(KEY, "play", play_body(normal_ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "started" in w.statuses(normal))
        await asyncio.sleep(0.3)
        urgent, env = command(KEY, "play", play_body(urgent_ref), target=me(agent), priority=Priority.EMERGENCY)
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(normal), timeout=5)
    order = [(a.command_id, a.status.value) for _, a in w.acks if a.command_id in (normal, urgent)]
    assert order.index((normal, "preempted")) < order.index((urgent, "started")) < order.index((urgent, "done"))
    assert w.statuses(normal) == ["received", "started", "preempted", "started", "done"]
    assert [a.reason for a in w.acks_of(normal)][2:4] == ["will_resume", "resumed"]
    (_, first), (_, _), (_, resumed_at) = player.played
    assert first == 0 and 200 <= resumed_at < 900  # resumed where it was cut, not from the top


async def test_equal_priority_queues_start_at_and_expiry(broker_url: str, media: MediaServer) -> None:
    ref = media.add(b"q" * 100, duration_ms=300)
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY)) as agent:
        first, env1 = command(KEY, "play", play_body(ref), target=me(agent))
        second, env2 = command(KEY, "play", play_body(ref), target=me(agent))
        start_at = datetime.now(UTC) + timedelta(seconds=0.8)
        timed, env3 = command(KEY, "play", play_body(ref, start_at=start_at.isoformat()), target=me(agent))
        too_late, env4 = command(KEY, "play", play_body(ref, start_at=(start_at + timedelta(seconds=5)).isoformat()),
                                 target=me(agent), lifetime=timedelta(seconds=1))  # fmt: skip
        await w.publish(cmd_topic(agent.device_id), env1)
        await w.wait_for(lambda: "started" in w.statuses(first))  # media cached now: the rest queue in order
        for env in (env2, env3, env4):
            await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(timed) and "expired" in w.statuses(too_late), timeout=5)
    started = [a.command_id for _, a in w.acks if a.status.value == "started"]
    assert started == [first, second, timed]
    assert w.acks_of(timed)[-2].at >= start_at  # started on the device clock, not on arrival
    assert w.statuses(too_late) == ["received", "downloaded", "expired"]


async def test_stop_volume_and_acks_queued_while_offline(broker_url: str, media: MediaServer) -> None:
    long_ref = media.add(b"L" * 100, duration_ms=5000)
    short_ref = media.add(b"S" * 100, duration_ms=700)
    async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY)) as agent:
        cid, env = command(KEY, "play", play_body(long_ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "started" in w.statuses(cid))
        stop, env = command(KEY, "stop", {"command_id": cid}, target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "interrupted" in w.statuses(cid) and "done" in w.statuses(stop))
        stopped = w.acks_of(cid)[-1]  # stopped before its end: never claimed as played in full
        assert (stopped.status.value, stopped.reason) == ("interrupted", "stopped") and "done" not in w.statuses(cid)
        assert stopped.position_ms is not None and 0 < stopped.position_ms < 5000
        assert w.statuses(stop) == ["received", "done"]
        vol, env = command(KEY, "set_volume", {"volume": 35}, target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "done" in w.statuses(vol))
        assert agent.telemetry().volume == 35
        # the link drops mid-play: the programme goes on, and its acks arrive after the reconnect
        cid, env = command(KEY, "play", play_body(short_ref), target=me(agent))
        await w.publish(cmd_topic(agent.device_id), env)
        await w.wait_for(lambda: "started" in w.statuses(cid))
        old_session = agent.session
        agent.drop_link()
        await w.wait_for(lambda: "done" in w.statuses(cid), timeout=5)
        assert agent.session > old_session
