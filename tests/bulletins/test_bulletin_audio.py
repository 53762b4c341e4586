"""A bulletin's audio: speech from its text (edge-tts unreachable here → espeak-ng, recorded), or an upload."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.dispatch.media import MediaStore
from tests.bulletins.support import Api, client, draft, seed


@pytest.fixture
async def api(db: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Api]:
    tokens = seed(db)
    async with client(db, tmp_path) as c:
        yield Api(c, tokens)


def tone(path: Path, seconds: float = 1.5) -> bytes:
    graph = f"sine=frequency=440:duration={seconds}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", graph, "-y", str(path)], check=True)
    return path.read_bytes()


async def test_the_preview_speaks_the_normalised_text_offline_and_says_which_engine_did(
    api: Api, tmp_path: Path
) -> None:
    r = await api("editor-a", "POST", "/speech-preview", json={"text": "Họp tổ dân phố lúc 19h30 ngày 09/01/2026."})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "espeak" and body["voice"].startswith("vi")
    assert [f["engine"] for f in body["fallbacks"]] == ["edge"]  # no internet here: edge-tts failed first
    assert "mười chín giờ ba mươi phút" in body["spoken"] and body["duration_ms"] > 1500
    assert MediaStore(tmp_path / "media").path_for(body["sha256"], "mp3") is not None
    garbled = await api("editor-a", "POST", "/speech-preview", json={"text": "Th\u00f4ng b\u00e1o v? vi?c ti?m ch?ng"})
    assert garbled.status_code == 422 and garbled.json()["detail"][0]["field"] == "text"
    assert (await api("viewer-a", "POST", "/speech-preview", json={"text": "Xin chào"})).status_code == 403


async def test_submitting_a_text_bulletin_gives_it_speech_and_an_edit_replaces_it(
    api: Api, db: sessionmaker[Session]
) -> None:
    bid = (await api("editor-a", "POST", "", json=draft())).json()["id"]
    submitted = (await api("editor-a", "POST", f"/{bid}/submit")).json()
    assert submitted["state"] == "submitted" and submitted["version"] == 1
    assert submitted["media_sha256"] and submitted["tts_engine"] == "espeak"
    assert submitted["versions"][0]["media_sha256"] == submitted["media_sha256"]
    with db() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "bulletin.speech"))
        assert entry is not None and entry.detail["engine"] == "espeak" and entry.detail["fallbacks"]
    edited = (await api("editor-a", "PATCH", f"/{bid}", json={"text": "Nội dung mới của bản tin."})).json()
    assert edited["version"] == 2 and edited["state"] == "submitted"
    assert edited["media_sha256"] not in (None, submitted["media_sha256"])  # the old speech read the old text
    assert edited["versions"][0]["media_sha256"] == submitted["media_sha256"]  # version 1 keeps what was heard


async def test_an_uploaded_file_becomes_the_audio_and_bad_files_change_nothing(api: Api, tmp_path: Path) -> None:
    bid = (await api("editor-a", "POST", "", json=draft(text=""))).json()["id"]
    files = {"file": ("ghi-am.wav", tone(tmp_path / "t.wav"), "audio/wav")}
    r = await api("editor-a", "POST", f"/{bid}/audio", files=files)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["media_sha256"] and r.json()["tts_engine"] is None
    bad = await api(
        "editor-a", "POST", f"/{bid}/audio", files={"file": ("x.mp3", b"not audio at all" * 50, "audio/mpeg")}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "audio"
    assert (await api("editor-a", "GET", f"/{bid}")).json()["version"] == 2
    assert (await api("editor-a", "POST", f"/{bid}/submit")).json()["state"] == "submitted"
    other = await api("approver-b", "POST", f"/{bid}/audio", files=files)
    assert other.status_code == 404


async def test_a_browser_form_upload_with_the_csrf_field_reaches_the_streaming_reader(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    from source_server.accounts.service import Role
    from tests.web.auth_support import add_user, browser, csrf_of, login, make_app

    seed(db)
    add_user(db, "writer", (Role.COMMUNE_EDITOR, "23563"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "writer")
        csrf = csrf_of((await c.get("/ui/")).text)
        made = await c.post("/api/v1/bulletins", json=draft(text=""), headers={"X-CSRF-Token": csrf})
        bid = made.json()["id"]
        files = {"file": ("ghi-am.wav", tone(tmp_path / "t.wav"), "audio/wav")}
        r = await c.post(f"/api/v1/bulletins/{bid}/audio", data={"csrf_token": csrf}, files=files)
        assert r.status_code == 200, r.text  # the token in the form, the file streamed: both read
        forged = await c.post(f"/api/v1/bulletins/{bid}/audio", data={"csrf_token": "x" * 40}, files=files)
        assert forged.status_code == 403
