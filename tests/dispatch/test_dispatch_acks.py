"""Acks move deliveries forward, never backward; unknown ones are dropped; 10,000 acks are absorbed fast."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import select, update

from protocols import Ack, AckStatus, Target
from source_server.db import utcnow
from source_server.dispatch.models import Command, Delivery, OutboxMessage
from source_server.dispatch.service import create_broadcast
from source_server.dispatch.tasks import Dispatcher
from source_server.fleet.models import Device
from source_server.metrics import MQTT_REJECTED, REGISTRY
from tests.dispatch.helpers import RecordingPublisher


def _broadcast(db, settings, signer, media, target: Target) -> str:
    with db.begin() as s:
        return create_broadcast(
            s, settings=settings, signer=signer, media=media, target=target, actor="op", title="t"
        ).id


def _ack(command_id: str, status: AckStatus, reason: str | None = None) -> Ack:
    return Ack(command_id=command_id, status=status, at=utcnow(), reason=reason)


def _delivery(db, command_id: str, device_id: str) -> Delivery:
    with db() as s:
        row = s.get(Delivery, (command_id, device_id))
        assert row is not None
        return row


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_acks_move_forward_never_backward(db, settings, signer, store, media, fleet) -> None:
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    latency_before = _sample("nguon_dispatch_ack_latency_seconds_count", {"status": "started"})
    for status in (AckStatus.RECEIVED, AckStatus.STARTED, AckStatus.DOWNLOADED):
        dispatcher.on_ack("d-V11-0", _ack(cid, status), utcnow())
    await dispatcher.flush_acks()
    row = _delivery(db, cid, "d-V11-0")
    assert row.status == "started", "a late 'downloaded' must not move it back"
    assert row.received_at and row.started_at and row.downloaded_at and row.finished_at is None
    assert _sample("nguon_dispatch_ack_latency_seconds_count", {"status": "started"}) == latency_before + 1

    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.FAILED, "download: http 404"), utcnow())
    await dispatcher.flush_acks()
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.DONE), utcnow())
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.RECEIVED), utcnow())
    await dispatcher.flush_acks()
    row = _delivery(db, cid, "d-V11-0")
    assert (row.status, row.reason) == ("failed", "download: http 404"), "a terminal state is final"
    assert row.finished_at is not None
    assert _delivery(db, cid, "d-V11-1").status == "pending", "no ack, no claim"


async def test_started_alone_stands_for_received_and_downloaded_without_overwriting_their_times(
    db, settings, signer, store, media, fleet
) -> None:
    """A cached emergency is acked ``started`` alone (PROTOCOL.md §5): its delivery must still show when it was
    received and downloaded (else proof of play would list a started device as never received), and a device that
    did say ``received`` earlier keeps that earlier time."""
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    dispatcher.on_ack("d-V11-1", _ack(cid, AckStatus.RECEIVED), utcnow())
    await dispatcher.flush_acks()
    received_earlier = _delivery(db, cid, "d-V11-1").received_at
    await asyncio.sleep(0.01)
    t = utcnow()
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.STARTED), t)
    dispatcher.on_ack("d-V11-1", _ack(cid, AckStatus.STARTED), t)
    await dispatcher.flush_acks()
    alone = _delivery(db, cid, "d-V11-0")
    assert alone.status == "started"
    assert alone.received_at == alone.downloaded_at == alone.started_at == t
    said = _delivery(db, cid, "d-V11-1")
    assert said.received_at == received_earlier < said.downloaded_at == said.started_at == t


async def test_preempted_then_done_and_rejected_with_reason(db, settings, signer, store, media, fleet) -> None:
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.STARTED), utcnow())
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.PREEMPTED), utcnow())
    dispatcher.on_ack("d-V11-1", _ack(cid, AckStatus.REJECTED, "not_yet_valid"), utcnow())
    await dispatcher.flush_acks()
    assert _delivery(db, cid, "d-V11-0").status == "preempted"
    rejected = _delivery(db, cid, "d-V11-1")
    assert (rejected.status, rejected.reason) == ("rejected", "not_yet_valid")
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.DONE), utcnow())
    await dispatcher.flush_acks()
    assert _delivery(db, cid, "d-V11-0").status == "done"


async def test_a_replay_refusal_of_a_resent_command_changes_nothing(db, settings, signer, store, media, fleet) -> None:
    cid = _broadcast(db, settings, signer, media, Target(devices=("d-V11-0",)))
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.STARTED), utcnow())
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.REJECTED, "replay"), utcnow())
    await dispatcher.flush_acks()
    assert _delivery(db, cid, "d-V11-0").status == "started"


async def test_acks_for_unknown_commands_or_untargeted_devices_are_dropped(
    db, settings, signer, store, media, fleet
) -> None:
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C2")))
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    before = _sample("nguon_mqtt_rejected_total", {"reason": "ack_unknown_command"})
    dispatcher.on_ack("d-V21-0", _ack("01NOSUCHCOMMAND", AckStatus.DONE), utcnow())
    dispatcher.on_ack("d-V11-0", _ack(cid, AckStatus.DONE), utcnow())
    await dispatcher.flush_acks()
    assert MQTT_REJECTED.labels("ack_unknown_command")._value.get() == before + 2
    with db() as s:
        assert s.scalars(select(Delivery.status).where(Delivery.command_id == cid)).all() == ["pending", "pending"]
        assert s.get(Delivery, (cid, "d-V11-0")) is None


async def test_ten_thousand_acks_are_absorbed_in_under_two_seconds(db, settings, signer, store, media, fleet) -> None:
    with db.begin() as s:
        s.add_all(
            Device(id=f"bulk-{i:05d}", kind="speaker", province_code="64", commune_code="C2", village_code="V21")
            for i in range(10_000)
        )
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C2")))
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    batches_before = _sample("nguon_db_write_batch_size_count", {"writer": "acks"})
    rows_before = _sample("nguon_db_write_batch_size_sum", {"writer": "acks"})
    await dispatcher.start()
    try:
        started = time.perf_counter()
        now = utcnow()
        for i in range(10_000):
            dispatcher.on_ack(f"bulk-{i:05d}", Ack(command_id=cid, status=AckStatus.DONE, at=now), now)
        while (
            dispatcher.buffered_acks
            or _sample("nguon_db_write_batch_size_sum", {"writer": "acks"}) < rows_before + 10_000
        ):
            await asyncio.sleep(0.02)
            assert time.perf_counter() - started < 2.0, "10,000 acks must be written within 2 s"
    finally:
        await dispatcher.stop()
    with db() as s:
        done = s.scalars(select(Delivery.status).where(Delivery.device_id.like("bulk-%"))).all()
    assert len(done) == 10_000 and set(done) == {"done"}
    assert _sample("nguon_db_write_batch_size_count", {"writer": "acks"}) > batches_before
    assert _sample("nguon_db_write_lag_seconds_count", {"writer": "acks"}) >= 1


async def test_offline_device_gets_the_same_envelope_when_it_comes_online(
    db, settings, signer, store, media, fleet
) -> None:
    cid = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V12")))
    old = _broadcast(db, settings, signer, media, Target(devices=("d-V12-0",)))
    with db.begin() as s:
        s.execute(update(Command).where(Command.id == old).values(expires_at=utcnow() - timedelta(seconds=1)))
        envelope = s.get(Command, cid).envelope
    mqtt = RecordingPublisher()
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=mqtt, signer=signer, media=store)
    await dispatcher.start()
    try:
        await mqtt.wait_for(2)
        dispatcher.on_ack("d-V12-1", _ack(cid, AckStatus.RECEIVED), utcnow())
        await dispatcher.flush_acks()
        mqtt.published.clear()
        dispatcher.on_device_online("d-V12-0")
        dispatcher.on_device_online("d-V12-1")
        await mqtt.wait_for(1)
        await asyncio.sleep(0.1)
    finally:
        await dispatcher.stop()
    assert mqtt.published == [("nguon/v1/dev/d-V12-0/cmd", envelope.encode(), 1, False)], (
        "only the unexpired pending command, only to the device that has not acked, unchanged"
    )
    row = _delivery(db, cid, "d-V12-0")
    assert row.status == "pending" and row.resent_at is not None, "re-sent is not delivered"
    assert _delivery(db, cid, "d-V12-1").resent_at is None
    with db() as s:
        sent = select(OutboxMessage.sent_at).where(OutboxMessage.topic.like("%d-V12-0%")).order_by(OutboxMessage.id)
        assert s.scalars(sent).all()[-1]  # the latest (the re-send) went out
