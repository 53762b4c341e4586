"""Delivery truth no device can overwrite (issue 9): refused copies, never backwards, interrupted, device times."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from protocols import Ack, AckStatus, Target
from source_server.db import utcnow
from source_server.dispatch.acks import WENT_OFFLINE
from source_server.dispatch.clock import ClockSkews, server_time
from source_server.dispatch.models import Command, Delivery
from source_server.dispatch.report import delivery_report
from source_server.dispatch.service import create_broadcast
from source_server.dispatch.tasks import REFUSED_EVENTS_PER_MINUTE, Dispatcher
from source_server.fleet.models import DeviceEvent
from source_server.fleet.service import REFUSED_COPY
from source_server.metrics import REGISTRY
from tests.dispatch.helpers import RecordingPublisher


def _broadcast(db, settings, signer, media, target: Target) -> str:
    with db.begin() as s:
        return create_broadcast(
            s, settings=settings, signer=signer, media=media, target=target, actor="op", title="t"
        ).id


def _delivery(db, command_id: str, device_id: str) -> Delivery:
    with db() as s:
        row = s.get(Delivery, (command_id, device_id))
        assert row is not None
        return row


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _dispatcher(db, settings, signer, store) -> Dispatcher:
    return Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)


async def test_a_refused_copy_never_moves_a_delivery_and_is_recorded_as_a_security_event(
    db, settings, signer, store, media, fleet
) -> None:
    """Issue 9: a tampered copy of a command the device had played in full was acked ``rejected``/``bad_signature``
    with its id, and the server turned the ``done`` delivery into ``rejected`` (or, earlier, made ``rejected`` final
    and ignored the later ``done``)."""
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    d = _dispatcher(db, settings, signer, store)
    counted = _sample("nguon_refused_copies_total", {"reason": "bad_signature"})
    unknown = _sample("nguon_mqtt_rejected_total", {"reason": "ack_unknown_command"})
    now = utcnow()
    # d-V11-0 played it in full, then a tampered copy arrives; d-V11-1 gets the tampered copy first, then the real one
    d.on_ack("d-V11-0", Ack(command_id=cid, status=AckStatus.DONE, at=now), now)
    d.on_ack("d-V11-0", Ack(command_id=cid, status=AckStatus.REJECTED, at=now, reason="bad_signature"), now)
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.REJECTED, at=now, reason="bad_signature"), now)
    await d.flush_acks()
    assert (_delivery(db, cid, "d-V11-0").status, _delivery(db, cid, "d-V11-0").reason) == ("done", None)
    pending = _delivery(db, cid, "d-V11-1")
    assert (pending.status, pending.reason) == ("pending", "bad_signature"), "recorded, not final"
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.STARTED, at=now), now)
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.REJECTED, at=now, reason="unknown_key"), now)
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.DONE, at=now), now)
    d.on_ack("d-V11-1", Ack(command_id="unknown", status=AckStatus.REJECTED, at=now, reason="malformed"), now)
    await d.flush_acks()
    played = _delivery(db, cid, "d-V11-1")
    assert (played.status, played.reason) == ("done", None), "a verified ack supersedes a refused copy"
    assert _sample("nguon_refused_copies_total", {"reason": "bad_signature"}) == counted + 2
    assert _sample("nguon_mqtt_rejected_total", {"reason": "ack_unknown_command"}) == unknown
    with db() as s:
        events = s.scalars(select(DeviceEvent).where(DeviceEvent.kind == REFUSED_COPY).order_by(DeviceEvent.id)).all()
    assert [(e.device_id, e.detail, e.commune_code) for e in events] == [
        ("d-V11-0", f"bad_signature {cid}", "C1"),
        ("d-V11-1", f"bad_signature {cid}", "C1"),
        ("d-V11-1", f"unknown_key {cid}", "C1"),
        ("d-V11-1", "malformed unknown", "C1"),
    ]


async def test_a_flood_of_refused_copies_is_counted_but_recorded_at_a_bounded_rate(
    db, settings, signer, store, media, fleet
) -> None:
    d = _dispatcher(db, settings, signer, store)
    before = _sample("nguon_refused_copies_total", {"reason": "bad_signature"})
    now = utcnow()
    for _ in range(100):
        d.on_ack("d-V12-0", Ack(command_id="x1", status=AckStatus.REJECTED, at=now, reason="bad_signature"), now)
    await d.flush_acks()
    assert _sample("nguon_refused_copies_total", {"reason": "bad_signature"}) == before + 100
    with db() as s:
        recorded = s.scalars(select(DeviceEvent.id).where(DeviceEvent.device_id == "d-V12-0")).all()
    assert len(recorded) == REFUSED_EVENTS_PER_MINUTE


async def test_interrupted_is_never_backwards_and_only_done_or_the_device_supersedes_it(
    db, settings, signer, store, media, fleet
) -> None:
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    d = _dispatcher(db, settings, signer, store)
    now = utcnow()
    for device in ("d-V11-0", "d-V11-1"):
        d.on_ack(device, Ack(command_id=cid, status=AckStatus.STARTED, at=now), now)
    await d.flush_acks()
    later = now + timedelta(seconds=2)
    d.on_device_offline("d-V11-0", later, now + timedelta(milliseconds=700))
    d.on_device_offline("d-V11-1", later, None)
    await d.flush_acks()
    guessed = _delivery(db, cid, "d-V11-0")
    assert (guessed.status, guessed.reason, guessed.position_ms) == ("interrupted", WENT_OFFLINE, 700)
    assert guessed.finished_at == now + timedelta(milliseconds=700)
    assert _delivery(db, cid, "d-V11-1").position_ms == 1000, "no sign of life: capped at the media's length"
    # a late ``started`` or ``preempted`` does not move it back; the device's own ``interrupted`` replaces the guess
    d.on_ack("d-V11-0", Ack(command_id=cid, status=AckStatus.PREEMPTED, at=now, reason="will_resume"), later)
    d.on_ack("d-V11-0", Ack(command_id=cid, status=AckStatus.STARTED, at=now), later)
    d.on_ack(
        "d-V11-0",
        Ack(command_id=cid, status=AckStatus.INTERRUPTED, at=now, reason="device_restart", position_ms=420),
        later,
    )
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.DONE, at=now + timedelta(seconds=1)), later)
    await d.flush_acks()
    told = _delivery(db, cid, "d-V11-0")
    assert (told.status, told.reason, told.position_ms) == ("interrupted", "device_restart", 420)
    assert (_delivery(db, cid, "d-V11-1").status, _delivery(db, cid, "d-V11-1").reason) == ("done", None)
    # done is terminal: a later interrupted (or anything) does not move it; an older device that refuses a verified
    # copy of a command it had accepted (expired, not_for_me...) refuses the copy: no news of the command
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.INTERRUPTED, at=now, position_ms=5), later)
    d.on_ack("d-V11-0", Ack(command_id=cid, status=AckStatus.REJECTED, at=now, reason="expired"), later)
    await d.flush_acks()
    assert _delivery(db, cid, "d-V11-1").status == "done"
    assert _delivery(db, cid, "d-V11-0").status == "interrupted"
    with db() as s:
        report = delivery_report(s, command_id=cid, communes={"C1"})
    assert report is not None and report.counts["interrupted"] == 1 and report.counts["done"] == 1


async def test_going_offline_spares_plays_started_after_it_and_other_states(
    db, settings, signer, store, media, fleet
) -> None:
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V12")))
    d = _dispatcher(db, settings, signer, store)
    now = utcnow()
    d.on_ack("d-V12-0", Ack(command_id=cid, status=AckStatus.STARTED, at=now), now)
    d.on_ack("d-V12-1", Ack(command_id=cid, status=AckStatus.DOWNLOADED, at=now), now)
    d.on_device_offline("d-V12-0", now - timedelta(seconds=5), None)  # an offline older than this play's start
    d.on_device_offline("d-V12-1", now + timedelta(seconds=5), None)
    await d.flush_acks()
    assert _delivery(db, cid, "d-V12-0").status == "started"
    assert _delivery(db, cid, "d-V12-1").status == "downloaded"


async def test_ack_times_are_the_device_clock_corrected_by_its_known_skew_and_clamped(
    db, settings, signer, store, media, fleet
) -> None:
    """Issue 9: the server stored its own receive times, so acks a device queued while offline showed when they
    arrived, not when it played; a device clock that is off must not move them either."""
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    now = utcnow()
    issued = now - timedelta(minutes=2)
    with db.begin() as s:
        s.execute(update(Command).where(Command.id == cid).values(issued_at=issued))
    d = _dispatcher(db, settings, signer, store)
    fast = timedelta(minutes=10)  # d-V11-0's clock runs 10 minutes ahead; its heartbeat says so
    d.on_clock("d-V11-0", now + fast, now)
    played_at = now - timedelta(seconds=30)  # it started 30 s ago while offline; the ack arrives only now
    d.on_ack("d-V11-0", Ack(command_id=cid, status=AckStatus.STARTED, at=played_at + fast), now)
    # d-V11-1 has no known skew and a clock a day ahead: never after the server got the ack
    d.on_ack("d-V11-1", Ack(command_id=cid, status=AckStatus.STARTED, at=now + timedelta(days=1)), now)
    await d.flush_acks()
    corrected = _delivery(db, cid, "d-V11-0")
    assert abs((corrected.started_at - played_at).total_seconds()) < 0.01
    assert corrected.updated_at == now, "the server's own time stays the server's"
    assert _delivery(db, cid, "d-V11-1").started_at == now
    assert server_time(issued - timedelta(hours=1), timedelta(0), issued=issued, received=now) == issued


def test_clock_skew_is_smoothed_and_a_step_replaces_it() -> None:
    clocks, now = ClockSkews(), utcnow()
    assert clocks.get("x") == timedelta(0)
    clocks.observe("x", now - timedelta(seconds=2), now)
    clocks.observe("x", now - timedelta(seconds=3), now)
    assert clocks.get("x") == timedelta(seconds=2.2)
    clocks.observe("x", now + timedelta(minutes=5), now)
    assert clocks.get("x") == timedelta(minutes=-5)
