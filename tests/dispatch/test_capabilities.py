"""Targets filter by capability: a play reaches only the devices that can render its content kind (announced
capabilities, else the kind's defaults); other commands keep today's targeting; the command records its kind,
start and duration; proof and reports count device kinds apart."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from protocols import (
    Capability,
    CommandType,
    DeviceChannel,
    Keyring,
    PlayBody,
    SetVolumeBody,
    SigningKey,
    StreamRef,
    Target,
    area_cmd_topic,
    device_topic,
    open_envelope,
)
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.exceptions import ScheduleError, TargetError
from source_server.dispatch.media import MediaStore
from source_server.dispatch.models import Command, Delivery, Media, OutboxMessage
from source_server.dispatch.report import delivery_report
from source_server.dispatch.service import create_broadcast, create_command, store_content
from source_server.fleet.kinds import (
    DEFAULT_CAPABILITIES,
    KINDS,
    capabilities_of,
    decode_capabilities,
    encode_capabilities,
    required_capability,
)
from source_server.fleet.models import Device

BOARDS = {"b-text": "text", "b-default": None, "b-audio": "audio text"}
"""Boards added to village V11: one announcing text only, one announcing nothing (kind defaults), one with audio."""


@pytest.fixture
def boards(db: sessionmaker[Session], fleet: dict[str, list[str]]) -> dict[str, list[str]]:
    with db.begin() as s:
        for device_id, announced in BOARDS.items():
            s.add(Device(id=device_id, kind="eboard", province_code="64", commune_code="C1", village_code="V11",
                         capabilities=announced))  # fmt: skip
    return fleet


def _deliveries(db: sessionmaker[Session], command_id: str) -> dict[str, str | None]:
    with db() as s:
        rows = s.execute(select(Delivery.device_id, Delivery.device_kind).where(Delivery.command_id == command_id))
        return dict(rows.all())


def _text(db: sessionmaker[Session], store: MediaStore) -> Media:
    with db.begin() as s:
        return store_content(
            s, store=store, data="Thông báo: cắt điện 8h-11h".encode(), duration_ms=15_000, original_name="tb.txt",
            actor="op",
        )  # fmt: skip


def test_the_kind_table_is_the_one_source_of_kinds_and_defaults() -> None:
    assert KINDS == ("speaker", "eboard") and set(DEFAULT_CAPABILITIES) == set(KINDS)
    assert capabilities_of("speaker", None) == {Capability.AUDIO}
    assert capabilities_of("eboard", None) == {Capability.TEXT, Capability.IMAGE, Capability.VIDEO}
    assert capabilities_of("speaker", ["text", "future-thing"]) == {Capability.TEXT}  # announced wins; unknown dropped
    assert capabilities_of("eboard", []) == frozenset()  # announced nothing it can render
    assert [required_capability(t) for t in ("audio/mpeg", "text/plain; charset=utf-8", "image/png", "video/mp4")] == [
        Capability.AUDIO, Capability.TEXT, Capability.IMAGE, Capability.VIDEO,
    ]  # fmt: skip
    assert required_capability("audio/mpeg", stream=True) == Capability.STREAM
    with pytest.raises(ValueError, match="application/pdf"):
        required_capability("application/pdf")
    assert encode_capabilities(["video", "text", "nope"]) == "text video" and encode_capabilities(None) is None
    assert decode_capabilities("text video") == ["text", "video"] and decode_capabilities("") == []


def test_an_area_audio_play_writes_no_delivery_for_devices_that_cannot_play_audio(
    db, settings, signer, media, boards
) -> None:
    with db.begin() as s:
        command = create_broadcast(s, settings=settings, signer=signer, media=media, target=Target(area=("64",)),
                                   actor="op")  # fmt: skip
    reached = _deliveries(db, command.id)
    assert "b-text" not in reached and "b-default" not in reached  # a board by default, or announcing text only
    assert reached["b-audio"] == "eboard"  # a board that announced audio plays it
    assert {d for d, k in reached.items() if k == "speaker"} == {
        f"d-{v}-{n}" for v in ("V11", "V12", "V21") for n in (0, 1)
    }
    assert (command.content_kind, command.duration_ms, command.start_at) == ("audio", media.duration_ms, None)
    with db() as s:
        assert [o.topic for o in s.scalars(select(OutboxMessage))] == [area_cmd_topic(("64",))]  # still one publish
        report = delivery_report(s, command_id=command.id)
    assert report is not None and report.by_kind == {"speaker": {"pending": 6}, "eboard": {"pending": 1}}


def test_a_device_list_leaves_out_the_devices_that_cannot_render_it_and_their_topics(
    db, settings, signer, media, store, boards
) -> None:
    target = Target(devices=("d-V11-0", "b-text", "b-default"))
    with db.begin() as s:
        audio = create_broadcast(s, settings=settings, signer=signer, media=media, target=target, actor="op")
    assert _deliveries(db, audio.id) == {"d-V11-0": "speaker"}
    assert audio.topics == [device_topic("d-V11-0", DeviceChannel.CMD)]
    text = _text(db, store)
    with db.begin() as s:
        shown = create_broadcast(s, settings=settings, signer=signer, media=text, target=target, actor="op")
    assert _deliveries(db, shown.id) == {"b-text": "eboard", "b-default": "eboard"}
    assert shown.content_kind == "text" and shown.duration_ms == 15_000
    with db.begin() as s, pytest.raises(TargetError, match="no device that can render text"):
        create_broadcast(s, settings=settings, signer=signer, media=text, target=Target(devices=("d-V11-0",)),
                         actor="op")  # fmt: skip


def test_a_target_with_no_device_that_can_render_it_is_refused(db, settings, signer, store, boards) -> None:
    text = _text(db, store)
    with db.begin() as s, pytest.raises(TargetError, match="no device that can render text"):
        create_broadcast(s, settings=settings, signer=signer, media=text, target=Target(area=("64", "C2")),
                         actor="op")  # fmt: skip
    with db.begin() as s, pytest.raises(TargetError, match="no device that can render text"):
        create_broadcast(s, settings=settings, signer=signer, media=text, target=Target(group="g-mixed"), actor="op")


def test_commands_other_than_play_keep_todays_targeting(db, settings, signer, boards) -> None:
    with db.begin() as s:
        command = create_command(s, settings=settings, signer=signer, type=CommandType.SET_VOLUME,
                                 body=SetVolumeBody(volume=30), target=Target(area=("64", "C1", "V11")), actor="op")  # fmt: skip
    assert set(_deliveries(db, command.id)) == {"d-V11-0", "d-V11-1", *BOARDS}
    assert (command.content_kind, command.start_at, command.duration_ms) == (None, None, None)


def test_a_stream_play_goes_only_to_devices_announcing_stream(db, settings, signer, boards) -> None:
    stream = StreamRef(url="http://icecast.local:8000/tinh.mp3", duration_ms=600_000)
    with db.begin() as s, pytest.raises(TargetError, match="render stream"):
        create_broadcast(s, settings=settings, signer=signer, stream=stream, target=Target(area=("64",)), actor="op")
    with db.begin() as s:
        s.execute(update(Device).where(Device.id == "d-V21-0").values(capabilities="audio stream"))
    start = utcnow() + timedelta(minutes=5)
    with db.begin() as s:
        command = create_broadcast(s, settings=settings, signer=signer, stream=stream, target=Target(area=("64",)),
                                   actor="op", start_at=start)  # fmt: skip
    assert _deliveries(db, command.id) == {"d-V21-0": "speaker"}
    assert command.content_kind == "stream" and command.duration_ms == 600_000
    assert command.start_at == start
    assert command.media_sha256 is None and command.expires_at > start + timedelta(minutes=10)
    body = open_envelope(command.envelope, Keyring({"k1": signer.public_b64()})).parsed_body()
    assert isinstance(body, PlayBody) and body.media is None and body.stream == stream
    with db.begin() as s, pytest.raises(ScheduleError, match="exactly one"):
        create_broadcast(s, settings=settings, signer=signer, target=Target(area=("64",)), actor="op")


def test_a_play_of_a_type_no_device_renders_is_refused(db, settings: Settings, signer: SigningKey, boards) -> None:
    body = PlayBody.model_validate(
        {"media": {"url": "http://x/a.pdf", "sha256": hashlib.sha256(b"x").hexdigest(), "size": 1,
                   "duration_ms": 1000, "content_type": "application/pdf"}}
    )  # fmt: skip
    with db.begin() as s, pytest.raises(ScheduleError, match="application/pdf"):
        create_command(s, settings=settings, signer=signer, type=CommandType.PLAY, body=body, target=Target(area=("64",)),
                       actor="op")  # fmt: skip
    with db() as s:
        assert s.scalar(select(Command.id)) is None
