"""Clauses of PROTOCOL.md §4.4, §4.5 and §5: a play's acks in order with sane device times, a wrong hash,
a replay (R1), a preemption and resume, a ``start_at`` kept while the link is down, a death mid-play (R3)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from conformance.kit import Kit, ack_at, first, new_id, now, rfc3339
from conformance.observer import Seen
from conformance.report import ClauseResult
from protocols import AckStatus, area_cmd_topic

TIME_TOLERANCE_S = 1.5
"""How far a device ``at`` (corrected by the clock offset the kit measured) may stray from when things happened."""
TERMINAL = {"done", "failed", "expired", "rejected"}
KILL_AFTER_S = 6.0
"""How far into a 12 s play the kit kills the device (a device that saves its position every 5 s has saved one)."""
Restart = Callable[[], Awaitable[None]]
"""Kills the device abruptly (SIGKILL, like a power cut) and starts it again."""


def _play_order(r: ClauseResult, seen: list[Seen]) -> None:
    """Ranks never go down (§5) and device times never go back."""
    acks = [s.ack for s in seen if s.ack]
    for a, b in itertools.pairwise(acks):
        if b.status.rank < a.status.rank and a.status is not AckStatus.PREEMPTED:
            r.failed(f"{b.status.value} after {a.status.value}: acks out of order (§5)")
        if b.at < a.at:
            r.failed(
                f"device time goes back: {b.status.value} at {rfc3339(b.at)} < {a.status.value} at {rfc3339(a.at)}"
            )


def _sane_times(kit: Kit, r: ClauseResult, seen: list[Seen], sent: float) -> None:
    """Each ack's device ``at`` lies between the send and its arrival (corrected for the device's clock offset)."""
    offset = kit.clock_offset()
    for s in seen:
        t = ack_at(s) - offset
        if not sent - TIME_TOLERANCE_S <= t <= s.at + TIME_TOLERANCE_S:
            assert s.ack is not None
            r.failed(f"{s.ack.status.value} at {rfc3339(s.ack.at)} is {t - sent:+.1f} s from the send, "
                     f"{t - s.at:+.1f} s from its arrival (clock offset {offset:+.2f} s)")  # fmt: skip


def _duration_ok(r: ClauseResult, played_s: float, expected_s: float, what: str) -> None:
    slack = max(1.0, 0.2 * expected_s)
    r.saw(f"{what}: {played_s:.2f} s by the device clock, expected {expected_s:.2f} s (±{slack:.1f})")
    if abs(played_s - expected_s) > slack:
        r.failed(f"{what} took {played_s:.2f} s, expected {expected_s:.2f} s")


async def play_valid(kit: Kit) -> ClauseResult:
    """§4.4/§5: a valid play → received, downloaded, started, done, in order, with sane device times."""
    r = ClauseResult("play.valid", "valid play: received, downloaded, started, done", "§4.4, §5")
    cid, tone = new_id("play"), kit.tones["short"]
    raw = kit.sign(kit.payload("play", kit.play_body("short"), cid=cid))
    sent = await kit.send(raw)
    r.saw(f"sent play {cid}: {tone.name}, {len(tone.data)} bytes, {tone.duration_ms} ms")
    await kit.wait_status(cid, TERMINAL, tone.duration_ms / 1000 + 15, sent)
    seen = kit.acks(cid, sent)
    r.evidence += kit.describe(seen, sent)
    statuses = kit.statuses(cid, sent)
    if set(statuses) - {"rejected"}:
        kit.accepted = (raw, cid)
    if statuses[-1:] != ["done"]:
        return r.failed(f"expected to end with done, got {statuses or 'no ack'}")
    started, done = first(seen, "started"), first(seen, "done")
    if started is None or done is None:
        return r.failed("no started ack before done (§5)")
    began = ack_at(started) - kit.clock_offset()
    fetched = max((t for path, t in kit.media.hits if path.endswith(f"/{tone.name}")), default=sent)
    # §5: ``started`` alone implies ``received`` when it began as the command arrived, and ``downloaded`` when it
    # began as its download completed (a slow download is no reason to say ``downloaded`` apart)
    for needed, since, slack in (("received", sent, 0.5), ("downloaded", fetched, 1.0)):
        if needed not in statuses and began - since > slack:
            r.failed(f"no {needed} ack, though playback began {began - since:.1f} s after the "
                     f"{'send' if needed == 'received' else 'download'} (§5)")  # fmt: skip
    if not kit.media.got(tone.name):
        r.failed("the media was never downloaded from its URL")
    _play_order(r, seen)
    _sane_times(kit, r, seen, sent)
    _duration_ok(r, ack_at(done) - ack_at(started), tone.duration_ms / 1000, "started → done")
    return r.passed()


async def replay(kit: Kit) -> ClauseResult:
    """§4.3 + R1: the accepted play again → no second play, the latest ack re-sent unchanged."""
    r = ClauseResult("replay.accepted_id", "replay of an accepted id: latest ack re-sent, no second play", "§4.3 (R1)")
    if kit.accepted is None:
        return r.skipped("no accepted play to replay")
    raw, cid = kit.accepted
    before = kit.acks(cid)
    if not before or before[-1].ack is None:
        return r.skipped("no accepted play to replay")
    latest = before[-1].ack
    sent = await kit.send(raw)
    r.saw(f"re-sent the exact envelope of {cid} (latest ack: {latest.status.value} at {rfc3339(latest.at)})")
    await kit.wait_any_ack({cid}, 3.0, sent)
    await asyncio.sleep(1.0)
    after = kit.acks(cid, sent)
    r.evidence += kit.describe(after, sent)
    statuses = kit.statuses(cid, sent)
    if set(statuses) & {"received", "downloaded", "started"}:
        return r.failed("the device acted again on a command it had accepted")
    if not after:
        return r.failed("no ack; R1: re-send the latest ack for that id")
    a = after[0].ack
    assert a is not None
    if a.status == "rejected":
        r.note = "R1 replaces the old rejected/replay answer: a device re-sends its latest ack instead"
        return r.failed(f"acked rejected/{a.reason}, expected the latest ack ({latest.status.value}) again")
    if (a.status, a.reason, a.at) != (latest.status, latest.reason, latest.at):
        return r.failed(f"re-sent {a.status.value}/{a.reason} at {rfc3339(a.at)}, not the latest ack unchanged")
    return r.passed()


async def hash_mismatch(kit: Kit) -> ClauseResult:
    """§4.4: media whose bytes do not hash to ``sha256`` → ``failed``/``hash_mismatch``, never played."""
    r = ClauseResult("play.hash_mismatch", "play with a wrong hash: failed/hash_mismatch", "§4.4, §5")
    cid = new_id("hash")
    raw = kit.sign(kit.payload("play", kit.play_body("fresh", serve_as="fresh_wrong"), cid=cid))
    sent = await kit.send(raw)
    r.saw("sent a play whose URL serves bytes of the right size but another SHA-256")
    await kit.wait_status(cid, TERMINAL | {"started"}, 15.0, sent)
    await asyncio.sleep(0.3)
    seen = kit.acks(cid, sent)
    r.evidence += kit.describe(seen, sent)
    statuses = kit.statuses(cid, sent)
    if set(statuses) & {"downloaded", "started", "done"}:
        return r.failed(f"the device took the bad media as good: {statuses}")
    fail = first(seen, "failed")
    if fail is None or fail.ack is None:
        return r.failed(f"expected failed/hash_mismatch, got {statuses or 'no ack'}")
    if fail.ack.reason is None or not fail.ack.reason.startswith("hash_mismatch"):
        return r.failed(f"failed with reason {fail.ack.reason!r}, expected hash_mismatch")
    return r.passed()


async def preemption(kit: Kit) -> ClauseResult:
    """§4.5: an emergency during a normal play preempts it; the normal play resumes where it stopped and ends."""
    r = ClauseResult("play.preemption", "emergency preempts a normal play, which then resumes", "§4.5, §5")
    long, short = kit.tones["long"], kit.tones["short"]
    normal, urgent = new_id("normal"), new_id("emergency")
    t0 = await kit.send(kit.sign(kit.payload("play", kit.play_body("long", on_preempt="resume"), cid=normal)))
    if not await kit.wait_status(normal, {"started"} | TERMINAL, 15.0, t0):
        return r.failed(f"the normal play never started: {kit.statuses(normal, t0)}")
    await asyncio.sleep(1.5)
    area = list(kit.prov.area_path[:2])
    body = kit.payload("play", kit.play_body("short"), cid=urgent, priority="emergency", target={"area": area})
    t1 = await kit.send(kit.sign(body), area_cmd_topic(tuple(area)))
    r.saw(f"normal play {normal} ({long.duration_ms} ms) sent; 1.5 s after it started, emergency {urgent} "
          f"({short.duration_ms} ms) on {area_cmd_topic(tuple(area))}")  # fmt: skip
    await kit.wait_status(normal, TERMINAL, (long.duration_ms + short.duration_ms) / 1000 + 10, t0)
    n, e = kit.acks(normal, t0), kit.acks(urgent, t1)
    r.evidence += [f"normal: {x}" for x in kit.describe(n, t0)] + [f"emergency: {x}" for x in kit.describe(e, t0)]
    n_started, pre = first(n, "started"), first(n, "preempted")
    resumed = next((s for s in n if s.ack and s.ack.status == "started" and pre and s.at >= pre.at), None)
    n_done, e_started, e_done = first(n, "done"), first(e, "started"), first(e, "done")
    if not (n_started and pre and e_started and e_done and resumed and n_done):
        return r.failed("expected normal started, preempted, emergency started and done, normal started again, done")
    if ack_at(e_started) - (t1 + kit.clock_offset()) > TIME_TOLERANCE_S:
        r.failed(f"the emergency began {ack_at(e_started) - t1 - kit.clock_offset():.1f} s after it was sent")
    if abs(ack_at(pre) - ack_at(e_started)) > 0.5:
        r.failed("preempted and the emergency's started are more than 0.5 s apart")
    if ack_at(resumed) < ack_at(e_done) - 0.2:
        r.failed("the normal play resumed before the emergency was done")
    played_before = ack_at(pre) - ack_at(n_started)
    _duration_ok(r, ack_at(e_done) - ack_at(e_started), short.duration_ms / 1000, "emergency")
    _duration_ok(
        r, ack_at(n_done) - ack_at(resumed), long.duration_ms / 1000 - played_before, "rest of the normal play"
    )
    _play_order(r, e)
    return r.passed()


async def start_at_offline(kit: Kit) -> ClauseResult:
    """§4.4: a play due at ``start_at`` starts on time by the device clock while the link is down."""
    r = ClauseResult("play.start_at_offline", "start_at kept by the device clock while the link is down", "§4.4, §5")
    cid, tone = new_id("timed"), kit.tones["short"]
    start_at = kit.device_now() + timedelta(seconds=6)
    raw = kit.sign(kit.payload("play", kit.play_body("short", start_at=rfc3339(start_at)), cid=cid))
    sent = await kit.send(raw)
    r.saw(f"sent play {cid} with start_at {rfc3339(start_at)} (device clock, offset {kit.clock_offset():+.3f} s)")
    if not await kit.wait_status(cid, {"downloaded", "started"} | TERMINAL, 5.0, sent):
        return r.failed(f"not received and downloaded within 5 s: {kit.statuses(cid, sent)}")
    await asyncio.sleep(0.3)
    links = len(kit.proxy.links)
    kit.proxy.cut(hold=True)
    cut = now()
    wall_start = start_at.timestamp() - kit.clock_offset()
    r.saw(f"kit cut the link {wall_start - cut:.1f} s before start_at and keeps it down until after the play")
    await asyncio.sleep(max(0.0, wall_start + tone.duration_ms / 1000 + 1.0 - now()))
    kit.proxy.restore()
    restored = now()
    back = await kit.await_connection(links, 45.0)
    if back is None:
        return r.failed("the device did not reconnect within 45 s of the link coming back")
    await kit.wait_status(cid, {"done"} | TERMINAL, 10.0, sent)
    seen = kit.acks(cid, sent)
    r.evidence += kit.describe(seen, sent)
    started = first(seen, "started")
    if started is None:
        return r.failed(f"no started ack after reconnecting: {kit.statuses(cid, sent)}")
    late = ack_at(started) - start_at.timestamp()
    r.saw(
        f"started {late:+.3f} s from start_at (device clock); acked {started.at - restored:+.1f} s after the link came back"
    )
    if abs(late) > 1.0:
        r.failed(f"started {late:+.2f} s from start_at, beyond ±1 s")
    if started.at < restored:
        r.failed("the started ack came while the kit held the link down (the link was not really cut?)")
    done = first(seen, "done")
    if done is None:
        r.failed("no done ack after reconnecting")
    else:
        _duration_ok(r, ack_at(done) - ack_at(started), tone.duration_ms / 1000, "started → done")
    return r.passed()


def _raw_acks(kit: Kit, cid: str, since: float) -> list[tuple[float, dict[str, object]]]:
    """Acks for ``cid`` as plain JSON (statuses newer than this copy of ``protocols``, e.g. R3's ``interrupted``)."""
    out = []
    for s in kit.observer.of("ack", since):
        with contextlib.suppress(ValueError):
            data = json.loads(s.raw)
            if isinstance(data, dict) and data.get("command_id") == cid:
                out.append((s.at, data))
    return out


async def interrupted_by_restart(kit: Kit, restart: Restart | None) -> ClauseResult:
    """R3: a device that dies in the middle of a play reports it ``interrupted`` (with ``position_ms``) once back."""
    r = ClauseResult("play.interrupted_by_restart", "dies mid-play: acks interrupted after restarting", "§5 (R3)")
    if restart is None:
        return r.skipped("needs --device-cmd: the kit kills and restarts the device itself")
    cid, tone = new_id("crash"), kit.tones["longer"]
    sent = await kit.send(kit.sign(kit.payload("play", kit.play_body("longer"), cid=cid)))
    if not await kit.wait_status(cid, {"started"} | TERMINAL, 10.0, sent):
        return r.failed(f"the play never started: {kit.statuses(cid, sent)}")
    started = first(kit.acks(cid, sent), "started")
    assert started is not None and started.ack is not None
    await asyncio.sleep(KILL_AFTER_S)
    links = len(kit.proxy.links)
    killed = now()
    await restart()
    played_ms = (killed - (ack_at(started) - kit.clock_offset())) * 1000
    r.saw(f"play {cid} ({tone.duration_ms} ms) started at {rfc3339(started.ack.at)}; the kit killed the device "
          f"(SIGKILL) about {played_ms:.0f} ms into it and started it again")  # fmt: skip
    back = await kit.await_connection(links, 45.0)
    if back is None:
        return r.failed("the device did not come back within 45 s of its restart")

    def reported() -> bool:
        return any(d.get("status") in ("interrupted", "done", "failed") for at, d in _raw_acks(kit, cid, killed))

    await kit.observer.wait(reported, 10.0)
    after = _raw_acks(kit, cid, killed)
    r.evidence += [f"ack {json.dumps(d)} got +{at - killed:.3f} s after the kill" for at, d in after]
    fate = next((d for _, d in after if d.get("status") == "interrupted"), None)
    r.note = "R3 (additive to v1): after a restart, report what was playing as interrupted with position_ms"
    if fate is None:
        return r.failed(f"no interrupted ack within 10 s of reconnecting (got {[d.get('status') for _, d in after]})")
    position = fate.get("position_ms")
    if not isinstance(position, int):
        r.saw("no position_ms in the interrupted ack (R3: how far it got)")
    elif not 0 <= position <= min(tone.duration_ms, played_ms + 1000):
        r.failed(f"position_ms {position} is beyond how far it can have got (about {played_ms:.0f} ms)")
    with contextlib.suppress(TypeError, ValueError):
        at = datetime.fromisoformat(str(fate.get("at")).replace("Z", "+00:00")).timestamp() - kit.clock_offset()
        if at > killed + TIME_TOLERANCE_S:
            r.failed(f"its at is {at - killed:.1f} s after the kill: at is the last time it knew it was playing")
        at_ms = (at + kit.clock_offset() - ack_at(started)) * 1000
        if isinstance(position, int) and abs(at_ms - position) > TIME_TOLERANCE_S * 1000:
            r.failed(f"position_ms {position} disagrees with its at, {at_ms:.0f} ms after started")
    return r.passed()
