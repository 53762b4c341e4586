"""The dispatch HTTP API: uploads, area rights, refusals that store nothing, reports, device commands, media."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from protocols import Keyring, SigningKey, open_envelope
from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role, create_user, issue_token
from source_server.config import Settings
from source_server.dispatch.api import media_router, router
from source_server.dispatch.media import MediaStore
from source_server.dispatch.models import Command, Delivery, Media, OutboxMessage
from source_server.dispatch.tasks import Dispatcher
from source_server.fleet.models import Area
from tests.dispatch.helpers import RecordingPublisher, make_audio


@dataclass
class AppRuntime:
    """The parts of the server runtime the dispatch routes use (all real; the publisher is never started)."""

    settings: Settings
    sessions: sessionmaker[Session]
    signer: SigningKey
    media: MediaStore
    dispatcher: Dispatcher


@pytest.fixture
async def client(db, settings, signer, store, fleet) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    app.include_router(media_router)
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    app.state.runtime = AppRuntime(settings, db, signer, store, dispatcher)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest.fixture
def tokens(db) -> dict[str, str]:
    out = {}
    with db.begin() as s:
        for name, grants in {
            "op": [(Role.PROVINCE_OPERATOR, "64")],
            "ed1": [(Role.COMMUNE_EDITOR, "C1")],
            "viewer2": [(Role.VIEWER, "C2")],
        }.items():
            out[name] = issue_token(s, user=create_user(s, username=name, grants=grants))
    return out


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_audio(tmp_path_factory.mktemp("api") / "tone.wav", "sine=frequency=500", 1.0)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _post(client: httpx.AsyncClient, token: str, data: bytes, name: str = "tone.wav", **fields: str):
    form = {"title": "Thông báo", "target_type": "commune", "target": "C1", **fields}
    return await client.post("/api/v1/broadcasts", headers=_auth(token), data=form, files={"file": (name, data)})


def _nothing_written(db, media_dir: Path) -> None:
    with db() as s:
        for table in (Media, Command, Delivery, OutboxMessage, AuditEntry):
            assert s.scalar(select(func.count()).select_from(table)) == 0, table.__name__
    assert not media_dir.exists() or list(media_dir.iterdir()) == []


async def test_operator_broadcasts_to_a_commune_and_devices_can_fetch_the_media(
    client, tokens, wav, db, signer
) -> None:
    r = await _post(client, tokens["op"], wav, priority="emergency")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["devices"] == 4 and body["topics"] == ["nguon/v1/area/64/C1/cmd"]
    with db() as s:
        command = s.get(Command, body["id"])
        assert command is not None and command.priority == "emergency" and command.origin == "province"
        assert s.scalar(select(OutboxMessage.payload)) == command.envelope
    payload = open_envelope(command.envelope, Keyring({"k1": signer.public_b64()}))
    url = payload.body["media"]["url"]
    assert url.endswith(f"/media/{body['media_sha256']}.mp3")
    media = await client.get(f"/media/{body['media_sha256']}.mp3")
    assert media.status_code == 200 and media.headers["content-type"] == "audio/mpeg"
    assert int(media.headers["content-length"]) == payload.body["media"]["size"] == len(media.content)
    part = await client.get(f"/media/{body['media_sha256']}.mp3", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert (await client.get(f"/media/{'0' * 64}.mp3")).status_code == 404


async def test_commune_editor_is_held_to_their_commune(client, tokens, wav, db, settings) -> None:
    for fields in (
        {"target_type": "commune", "target": "C2"},
        {"target_type": "province", "target": "64"},
        {"target_type": "village", "target": "V21"},
        {"target_type": "group", "target": "g-c1"},
        {"target_type": "device", "target": "d-V11-0,d-V21-0"},
    ):
        r = await _post(client, tokens["ed1"], wav, **fields)
        assert r.status_code == 403, (fields, r.text)
    r = await _post(client, tokens["ed1"], wav, origin="province")
    assert r.status_code == 403
    _nothing_written(db, settings.media_dir)
    r = await _post(client, tokens["ed1"], wav, target_type="village", target="V11")
    assert r.status_code == 201, r.text
    assert r.json()["devices"] == 2
    with db() as s:
        assert s.get(Command, r.json()["id"]).origin == "commune"


@pytest.mark.parametrize(
    ("data", "name", "status", "reason"),
    [
        (b"this is not audio at all\n" * 40, "x.mp3", 422, "not audio"),
        (b"", "x.mp3", 422, "the file is empty"),
    ],
)
async def test_refused_audio_stores_nothing(client, tokens, db, settings, data, name, status, reason) -> None:
    r = await _post(client, tokens["op"], data, name=name)
    assert r.status_code == status and reason in r.json()["detail"]
    _nothing_written(db, settings.media_dir)


async def test_a_target_without_devices_is_422_and_stores_nothing(client, tokens, db, settings, wav) -> None:
    with db.begin() as s:
        s.add(Area(code="C3", name="Xã trống", level="commune", parent_code="64"))
    r = await _post(client, tokens["op"], wav, target_type="commune", target="C3")
    assert r.status_code == 422 and "no device" in r.json()["detail"]
    _nothing_written(db, settings.media_dir)


async def test_upload_over_the_limit_is_413_and_stores_nothing(client, tokens, db, settings, wav) -> None:
    settings.max_upload_bytes = len(wav) - 1
    r = await _post(client, tokens["op"], wav)
    assert r.status_code == 413
    _nothing_written(db, settings.media_dir)


async def test_bad_fields_are_422(client, tokens, wav, db, settings) -> None:
    for fields in (
        {"target_type": "street", "target": "C1"},
        {"target_type": "commune", "target": "V11"},
        {"target_type": "device", "target": "d-V11-0,ghost"},
        {"priority": "urgent"},
        {"start_at": "tomorrow"},
        {"start_at": "2030-01-01T07:00:00"},
        {"ttl_s": "-5"},
    ):
        r = await _post(client, tokens["op"], wav, **fields)
        assert r.status_code == 422, (fields, r.text)
    _nothing_written(db, settings.media_dir)
    assert (await client.post("/api/v1/broadcasts", data={"target": "C1"})).status_code == 401


async def test_lists_reports_and_deliveries_are_scoped(client, tokens, wav) -> None:
    c1 = (await _post(client, tokens["op"], wav)).json()["id"]
    c2 = (await _post(client, tokens["op"], wav, target_type="commune", target="C2")).json()["id"]
    listed = (await client.get("/api/v1/broadcasts", headers=_auth(tokens["op"]))).json()
    assert [c["id"] for c in listed] == [c2, c1]
    mine = (await client.get("/api/v1/broadcasts", headers=_auth(tokens["viewer2"]))).json()
    assert [c["id"] for c in mine] == [c2]
    assert (await client.get(f"/api/v1/broadcasts/{c1}", headers=_auth(tokens["viewer2"]))).status_code == 404
    detail = (await client.get(f"/api/v1/broadcasts/{c2}", headers=_auth(tokens["viewer2"]))).json()
    assert detail["report"]["counts"]["pending"] == 2 and detail["report"]["total"] == 2
    page = (
        await client.get(
            f"/api/v1/broadcasts/{c1}/deliveries",
            params={"status": "pending", "commune": "C1", "page_size": 3},
            headers=_auth(tokens["op"]),
        )
    ).json()
    assert page["total"] == 4 and len(page["items"]) == 3
    bad = await client.get(
        f"/api/v1/broadcasts/{c1}/deliveries", params={"status": "lost"}, headers=_auth(tokens["op"])
    )
    assert bad.status_code == 422


async def test_device_commands_need_operate_rights(client, tokens, db, signer) -> None:
    url = "/api/v1/devices/d-V11-0/commands"
    assert (
        await client.post(url, json={"type": "set_volume", "volume": 30}, headers=_auth(tokens["ed1"]))
    ).status_code == 403
    assert (await client.post(url, json={"type": "set_volume"}, headers=_auth(tokens["op"]))).status_code == 422
    ghost = await client.post("/api/v1/devices/ghost/commands", json={"type": "stop"}, headers=_auth(tokens["op"]))
    assert ghost.status_code == 404
    r = await client.post(url, json={"type": "set_volume", "volume": 30}, headers=_auth(tokens["op"]))
    assert r.status_code == 201, r.text
    assert r.json()["topics"] == ["nguon/v1/dev/d-V11-0/cmd"]
    with db() as s:
        envelope = s.scalar(select(OutboxMessage.payload))
    payload = open_envelope(envelope, Keyring({"k1": signer.public_b64()}))
    assert payload.type == "set_volume" and payload.body == {"volume": 30}
    reboot = await client.post(url, json={"type": "reboot", "delay_s": 5}, headers=_auth(tokens["op"]))
    assert reboot.status_code == 201
