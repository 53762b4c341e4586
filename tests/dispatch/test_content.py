"""Content-neutral sending: one play builder, media of any allowed type typed by its bytes and served with its type
(old ``.mp3`` URLs unchanged), display files and streams through the API."""

from __future__ import annotations

import struct
import zlib

import pytest
from sqlalchemy import select, update

from protocols import Keyring, PlayBody, PreemptPolicy, StreamRef, open_envelope
from source_server.dispatch.content import (
    UnsupportedContent,
    media_url,
    play_body,
    sniff,
)
from source_server.dispatch.models import Command, Delivery, Media
from source_server.fleet.models import Device
from tests.dispatch.test_dispatch_api import AppRuntime, _auth, _post, client, tokens, wav

__all__ = ["AppRuntime", "client", "tokens", "wav"]  # fixtures shared with the dispatch API tests


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\xff\x00\x00")
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_sniff_types_bytes_whatever_the_name() -> None:
    assert sniff(png()) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "image/jpeg"
    assert sniff(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 16) == "video/mp4"
    assert sniff(b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 16) == "audio/mp4"
    assert sniff(b"ID3\x04" + b"\x00" * 20) == "audio/mpeg"
    assert sniff("Lịch cắt điện: thứ Hai, 8h–11h\n".encode()) == "text/plain"
    for bad in (b"%PDF-1.7\n" + b"\x00\x01" * 10, b"\x00\x01\x02\x03", "x".encode("utf-16"), b"   \n"):
        with pytest.raises(UnsupportedContent):
            sniff(bad)


def test_the_pipelines_mp3_sniffs_as_audio(tone) -> None:
    assert sniff(tone.data) == "audio/mpeg" == tone.content_type


def test_one_builder_for_every_play_body(settings) -> None:
    media = Media(sha256="a" * 64, size=10, duration_ms=5000, content_type="image/png")
    body = play_body(settings=settings, media=media, title="x" * 300, on_preempt=PreemptPolicy.DROP)
    assert body.media is not None and body.media.url == f"{settings.base_url}/media/{'a' * 64}.png"
    assert body.title == "x" * 200 and body.on_preempt == PreemptPolicy.DROP and body.content_type == "image/png"
    assert media_url(settings, "b" * 64) == f"{settings.base_url}/media/{'b' * 64}.mp3"  # audio URLs as before
    stream = StreamRef(url="http://icecast.local/x.mp3")
    assert play_body(settings=settings, stream=stream).stream == stream
    with pytest.raises(ValueError, match="exactly one"):
        play_body(settings=settings, media=media, stream=stream)
    with pytest.raises(UnsupportedContent):
        media_url(settings, "c" * 64, "application/pdf")


async def test_an_image_upload_is_stored_typed_served_and_sent_to_boards_only(client, tokens, db, store) -> None:
    with db.begin() as s:
        s.add(Device(id="b-1", kind="eboard", province_code="64", commune_code="C1", village_code="V11"))
    r = await _post(client, tokens["op"], png(), name="anh.mp3", duration_s="20")  # the name says mp3: bytes win
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["devices"] == 1 and created["duration_ms"] == 20_000
    sha = created["media_sha256"]
    assert store.path_for(sha, "png") is not None and store.path_for(sha, "mp3") is None
    with db() as s:
        media = s.get(Media, sha)
        command = s.get(Command, created["id"])
        assert media is not None and command is not None
        assert (media.content_type, media.duration_ms) == ("image/png", 20_000)
        assert (command.content_kind, command.duration_ms) == ("image", 20_000)
        assert s.scalars(select(Delivery.device_id).where(Delivery.command_id == command.id)).all() == ["b-1"]
    served = await client.get(f"/media/{sha}.png")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png" and served.content == png()
    assert (await client.get(f"/media/{sha}.mp3")).status_code == 404  # an image is not audio
    assert (await client.get(f"/media/{sha}.exe")).status_code == 404


async def test_a_text_frame_is_served_as_utf8_text(client, tokens, db, signer, store) -> None:
    with db.begin() as s:
        s.add(Device(id="b-1", kind="eboard", province_code="64", commune_code="C1", village_code="V11"))
    text = "Thông báo: tiêm chủng tại trạm y tế xã, 7h30 thứ Bảy.".encode()
    r = await _post(client, tokens["op"], text, name="tb.txt", duration_s="30")
    assert r.status_code == 201, r.text
    sha = r.json()["media_sha256"]
    with db() as s:
        command = s.get(Command, r.json()["id"])
        assert command is not None
    body = open_envelope(command.envelope, Keyring({signer.kid: signer.public_b64()})).parsed_body()
    assert isinstance(body, PlayBody) and body.media is not None
    assert body.media.content_type == "text/plain" and body.media.url.endswith(f"/media/{sha}.txt")
    served = await client.get(f"/media/{sha}.txt")
    assert served.headers["content-type"] == "text/plain; charset=utf-8" and served.content == text


async def test_display_uploads_are_refused_clearly_and_store_nothing(client, tokens, db, store, wav) -> None:
    with db.begin() as s:
        s.add(Device(id="b-1", kind="eboard", province_code="64", commune_code="C1", village_code="V11"))
    cases = [
        (png(), {"duration_s": "0"}, "duration_s"),
        (b"%PDF-1.7\n" + bytes(range(256)), {"duration_s": "10"}, "the file is none of"),
        (wav, {"duration_s": "10"}, "the file is none of"),  # WAV is audio for the pipeline, not a display file
        (b"ID3\x04" + b"\x00" * 64, {"duration_s": "10"}, "This is audio"),
        (png(), {"duration_s": "10", "target": "C2"}, "no device that can render image"),
    ]
    for data, fields, reason in cases:
        r = await _post(client, tokens["op"], data, name="f.bin", **fields)
        assert r.status_code == 422 and reason in r.json()["detail"], (fields, r.text)
    with db() as s:
        assert s.scalar(select(Media.sha256)) is None and s.scalar(select(Command.id)) is None
    assert not store.root.exists() or not any(store.root.iterdir())


async def test_a_stream_broadcast_reaches_only_stream_receivers(client, tokens, db) -> None:
    body = {"url": "http://icecast.local:8000/tinh.mp3", "target_type": "commune", "target": "C1", "title": "Tiếp sóng"}
    none = await client.post("/api/v1/broadcasts/stream", json=body, headers=_auth(tokens["op"]))
    assert none.status_code == 422 and "render stream" in none.json()["detail"]
    with db.begin() as s:
        s.execute(update(Device).where(Device.id == "d-V12-1").values(capabilities="audio stream"))
    r = await client.post("/api/v1/broadcasts/stream", json=body | {"duration_ms": 60_000}, headers=_auth(tokens["op"]))
    assert r.status_code == 201, r.text
    assert r.json()["devices"] == 1 and r.json()["media_sha256"] is None
    with db() as s:
        command = s.get(Command, r.json()["id"])
        assert command is not None and (command.content_kind, command.duration_ms) == ("stream", 60_000)
    listed = await client.get("/api/v1/broadcasts", headers=_auth(tokens["op"]))
    assert listed.json()[0]["content_kind"] == "stream"
    bad = await client.post("/api/v1/broadcasts/stream", json=body | {"url": "file:///etc/passwd"},
                            headers=_auth(tokens["op"]))  # fmt: skip
    assert bad.status_code == 422
    other = await client.post("/api/v1/broadcasts/stream", json=body | {"target": "C2"}, headers=_auth(tokens["ed1"]))
    assert other.status_code == 403
