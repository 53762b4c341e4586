"""Creating a broadcast: signed envelope, deliveries per targeted device, one outbox row per topic, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from protocols import (
    CommandType,
    Keyring,
    PlayBody,
    Priority,
    SetVolumeBody,
    SigningKey,
    Target,
    area_cmd_topic,
    device_topic,
    group_cmd_topic,
    open_envelope,
)
from source_server.accounts.models import AuditEntry
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.exceptions import ScheduleError, TargetError
from source_server.dispatch.models import Command, Delivery, Media, OutboxMessage
from source_server.dispatch.service import create_broadcast, create_command, new_command_id


def _broadcast(db: sessionmaker[Session], settings: Settings, signer: SigningKey, media: Media, target: Target,
               **kw: object) -> Command:  # fmt: skip
    with db.begin() as s:
        return create_broadcast(
            s, settings=settings, signer=signer, media=media, target=target, priority=Priority.PRIORITY,
            origin="province", title="Thông báo", actor="op", source_ip="10.0.0.1", **kw,  # type: ignore[arg-type]
        )  # fmt: skip


def _deliveries(db: sessionmaker[Session], command_id: str) -> dict[str, tuple[str, str | None]]:
    with db() as s:
        rows = s.execute(select(Delivery.device_id, Delivery.status, Delivery.commune_code).where(
            Delivery.command_id == command_id))  # fmt: skip
        return {d: (st, c) for d, st, c in rows}


def test_outbox_envelope_verifies_with_the_server_key(db, settings, signer, media, fleet) -> None:
    command = _broadcast(db, settings, signer, media, Target(area=("64", "C1")))
    with db() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    assert [(r.topic, r.qos, r.retain, r.sent_at) for r in rows] == [(area_cmd_topic(("64", "C1")), 1, False, None)]
    assert rows[0].not_after == command.expires_at
    assert rows[0].payload == command.envelope
    payload = open_envelope(rows[0].payload, Keyring({"k1": signer.public_b64()}))
    assert payload.id == command.id and payload.type == "play" and payload.priority == Priority.PRIORITY
    assert payload.exp - payload.iat == timedelta(seconds=settings.command_ttl_s)
    body = payload.parsed_body()
    assert isinstance(body, PlayBody)
    assert body.media.url == f"{settings.base_url}/media/{media.sha256}.mp3"
    assert (body.media.sha256, body.media.size, body.media.duration_ms) == (media.sha256, media.size, media.duration_ms)
    with pytest.raises(Exception, match="bad_signature"):
        open_envelope(rows[0].payload, Keyring({"k1": SigningKey.generate("k1").public_b64()}))


@pytest.mark.parametrize(
    ("target", "expected", "topics"),
    [
        (Target(area=("64",)), "all", [area_cmd_topic(("64",))]),
        (Target(area=("64", "C2")), ["d-V21-0", "d-V21-1"], [area_cmd_topic(("64", "C2"))]),
        (Target(area=("64", "C1", "V12")), ["d-V12-0", "d-V12-1"], [area_cmd_topic(("64", "C1", "V12"))]),
        (Target(group="g-mixed"), ["d-V21-0"], [group_cmd_topic("g-mixed")]),
        (Target(devices=("d-V11-1", "d-V21-1")), ["d-V11-1", "d-V21-1"],
         [device_topic("d-V11-1", "cmd"), device_topic("d-V21-1", "cmd")]),
    ],
)  # fmt: skip
def test_target_resolution(db, settings, signer, media, fleet, target, expected, topics) -> None:
    command = _broadcast(db, settings, signer, media, target)
    everyone = sorted(d for ids in fleet.values() for d in ids)
    deliveries = _deliveries(db, command.id)
    assert sorted(deliveries) == (everyone if expected == "all" else expected)
    assert all(st == "pending" for st, _ in deliveries.values())
    assert all(c == ("C2" if "V21" in d else "C1") for d, (_, c) in deliveries.items())
    assert command.topics == topics
    with db() as s:
        assert sorted(s.scalars(select(OutboxMessage.topic))) == sorted(topics)


def test_audit_entry_names_the_target_area(db, settings, signer, media, fleet) -> None:
    command = _broadcast(db, settings, signer, media, Target(area=("64", "C1", "V11")))
    with db() as s:
        entry = s.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.object_id, entry.area_code, entry.actor, entry.source_ip) == (
        "broadcast.create", command.id, "V11", "op", "10.0.0.1")  # fmt: skip


@pytest.mark.parametrize("target", [Target(area=("64",)), Target(group="g-mixed"), Target(devices=("d-V11-1",))])
def test_audit_counts_the_deliveries_written(db, settings, signer, media, fleet, target) -> None:
    # area and group targets are written by one INSERT ... SELECT; its row count is what the audit entry says
    command = _broadcast(db, settings, signer, media, target)
    with db() as s:
        entry = s.scalars(select(AuditEntry)).one()
    assert entry.detail["devices"] == len(_deliveries(db, command.id)) > 0
    assert entry.summary.endswith(f"to {len(_deliveries(db, command.id))} device(s)")


@pytest.mark.parametrize(
    ("target", "error"),
    [
        (Target(devices=("d-V11-0", "nope")), "unknown device"),
        (Target(area=("64", "C9")), "no device"),
        (Target(group="nobody"), "no device"),
    ],
)
def test_bad_targets_write_nothing(db, settings, signer, media, fleet, target, error) -> None:
    with pytest.raises(TargetError, match=error):
        _broadcast(db, settings, signer, media, target)
    with db() as s:
        for table in (Command, Delivery, OutboxMessage, AuditEntry):
            assert s.scalar(select(func.count()).select_from(table)) == 0


def test_start_at_sets_expiry_after_the_play_and_refuses_the_past(db, settings, signer, media, fleet) -> None:
    start = utcnow() + timedelta(hours=2)
    command = _broadcast(db, settings, signer, media, Target(area=("64",)), start_at=start, ttl_s=300)
    assert command.expires_at == start + timedelta(milliseconds=media.duration_ms, seconds=300)
    with pytest.raises(ScheduleError, match="past"):
        _broadcast(db, settings, signer, media, Target(area=("64",)), start_at=utcnow() - timedelta(hours=1))
    with pytest.raises(ScheduleError):
        _broadcast(db, settings, signer, media, Target(area=("64",)), start_at=utcnow() + timedelta(days=8))


def test_generic_command_and_sortable_ids(db, settings, signer, fleet) -> None:
    with db.begin() as s:
        command = create_command(
            s, settings=settings, signer=signer, type=CommandType.SET_VOLUME, body=SetVolumeBody(volume=40),
            target=Target(devices=("d-V11-0",)), actor="op", ttl_s=60,
        )  # fmt: skip
    payload = open_envelope(command.envelope, Keyring({"k1": signer.public_b64()}))
    assert payload.parsed_body() == SetVolumeBody(volume=40)
    assert (payload.exp - payload.iat).total_seconds() == 60
    ids = [new_command_id() for _ in range(50)]
    assert len(set(ids)) == 50 and all(len(i) == 26 for i in ids)
    assert new_command_id() > command.id or new_command_id()[:9] >= command.id[:9]
