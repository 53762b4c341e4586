"""Jingles (issue 4): an area's library of intro and outro sounds, and bulletins that play between them.

Real parts throughout: tones of known pitch made by ffmpeg, the real pipeline, espeak-ng for speech, the media
store on disk. Which jingle plays when is read back from the encoded MP3 by its pitch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.bulletins.models import Jingle
from source_server.dispatch.media import MediaStore
from tests.audio.audio_support import make
from tests.bulletins.jingle_support import (
    BODY_HZ,
    INTRO_HZ,
    OUTRO_HZ,
    jingle_call,
    near,
    pitch,
    samples,
    tone,
    upload,
)
from tests.bulletins.support import PROVINCE, A, Api, B, client, draft, seed

FADE_S = 0.05
"""The pipeline's crossfade at each seam."""


@pytest.fixture
async def api(db: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Api]:
    tokens = seed(db)
    async with client(db, tmp_path) as c:
        yield Api(c, tokens)


def _files(tmp_path: Path) -> set[str]:
    media = tmp_path / "media"
    return {p.name for p in media.iterdir()} if media.is_dir() else set()


def _audit(db: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with db() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


async def _library(api: Api, tmp_path: Path) -> dict[str, int]:
    """A's intro (1 kHz, 2 s), the province's outro (600 Hz, 1.5 s) and 'any' (600 Hz), B's intro."""
    made = {
        "a_intro": await upload(api, "editor-a", tone(tmp_path, INTRO_HZ, 2.0), name="Nhạc mở đầu xã", kind="intro",
                                area=A),
        "p_outro": await upload(api, "admin", tone(tmp_path, OUTRO_HZ, 1.5), name="Nhạc kết thúc tỉnh", kind="outro",
                                area=PROVINCE),
        "p_any": await upload(api, "operator", tone(tmp_path, OUTRO_HZ, 1.0, "any"), name="Nhạc hiệu tỉnh",
                              kind="any", area=PROVINCE),
        "b_intro": await upload(api, "approver-b", tone(tmp_path, INTRO_HZ, 1.0, "b"), name="Nhạc mở đầu B",
                                kind="intro", area=B),
    }  # fmt: skip
    for key, r in made.items():
        assert r.status_code == 201, (key, r.text)
    return {key: r.json()["id"] for key, r in made.items()}


async def test_an_uploaded_jingle_is_kept_as_its_lossless_source_and_listed_where_it_may_be_used(
    api: Api, db: sessionmaker[Session], tmp_path: Path
) -> None:
    ids = await _library(api, tmp_path)
    store = MediaStore(tmp_path / "media")
    with db() as s:
        jingle = s.get(Jingle, ids["a_intro"])
        assert jingle is not None and jingle.kind == "intro" and jingle.owner_area == A
        assert jingle.duration_ms == 2000 and jingle.created_by == "editor-a"
        source = store.path_for(jingle.source_sha256, "flac")
        assert source is not None and source.read_bytes()[:4] == b"fLaC"  # the decoded upload, not an MP3
        assert len(samples(source.read_bytes(), tmp_path)) == 2 * 44_100  # every sample kept
        assert jingle.preview_sha256 and store.path_for(jingle.preview_sha256, "mp3") is not None
    mine = {j["name"] for j in (await jingle_call(api, "editor-a", "GET")).json()}
    assert mine == {"Nhạc mở đầu xã", "Nhạc kết thúc tỉnh", "Nhạc hiệu tỉnh"}  # A's and the province's, not B's
    assert (await jingle_call(api, "editor-a", "GET", params={"area": B})).status_code == 404
    for_a = await jingle_call(api, "admin", "GET", params={"area": A})
    assert {j["id"] for j in for_a.json()} == {ids["a_intro"], ids["p_outro"], ids["p_any"]}
    assert len((await jingle_call(api, "admin", "GET")).json()) == 4  # the province sees its communes' too
    created = _audit(db, "jingle.created")
    assert len(created) == 4 and {e.area_code for e in created} == {A, B, PROVINCE}


@pytest.mark.parametrize(
    ("what", "message"),
    [("not_audio", "not audio"), ("too_long", "too long: over 30 s"), ("silent", "silent"), ("truncated", "damaged")],
)
async def test_an_unusable_jingle_is_refused_with_the_pipelines_reason_and_nothing_is_stored(
    api: Api, db: sessionmaker[Session], tmp_path: Path, what: str, message: str
) -> None:
    if what == "not_audio":
        data = b"%PDF-1.4 not a sound at all " * 40
    elif what == "too_long":
        data = tone(tmp_path, 440, 31.0)
    elif what == "silent":
        data = make(tmp_path / "silence.wav", "anullsrc=r=44100:cl=mono", 2.0)
    else:
        full = make(tmp_path / "cut.mp3", "sine=frequency=440", 4.0, "-c:a", "libmp3lame")
        data = full[: len(full) // 2]  # cut off half-way, as by a broken upload
    before = _files(tmp_path)
    name = "cut.mp3" if what == "truncated" else "nhac.wav"
    r = await upload(api, "editor-a", data, name="Hỏng", kind="intro", area=A, filename=name)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "audio" and message in r.json()["detail"][0]["message"]
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Jingle)) == 0
    assert _files(tmp_path) == before and not _audit(db, "jingle.created")


async def test_only_the_areas_writers_manage_its_jingles_and_every_change_is_audited(
    api: Api, db: sessionmaker[Session], tmp_path: Path
) -> None:
    ids = await _library(api, tmp_path)
    wav = tone(tmp_path, INTRO_HZ, 1.0, "x")
    assert (await upload(api, "viewer-a", wav, name="X", kind="intro", area=A)).status_code == 403
    outside = await upload(api, "editor-a", wav, name="X", kind="intro", area=B)
    assert outside.status_code == 422 and "outside" in outside.json()["detail"][0]["message"]
    assert (await upload(api, "editor-a", wav, name="  ", kind="intro", area=A)).status_code == 422
    assert (await upload(api, "editor-a", wav, name="X", kind="middle", area=A)).status_code == 422
    a_intro = f"/{ids['a_intro']}"
    assert (await jingle_call(api, "editor-a", "PATCH", f"/{ids['p_outro']}", json={"name": "Y"})).status_code == 403
    assert (await jingle_call(api, "approver-b", "PATCH", a_intro, json={"name": "Y"})).status_code == 404
    assert (await jingle_call(api, "viewer-a", "PATCH", a_intro, json={"name": "Y"})).status_code == 403
    renamed = await jingle_call(api, "editor-a", "PATCH", a_intro, json={"name": "  Nhạc   chào buổi sáng "})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Nhạc chào buổi sáng"
    off = await jingle_call(api, "editor-a", "PATCH", a_intro, json={"active": False})
    assert off.json()["active"] is False
    assert ids["a_intro"] not in {j["id"] for j in (await jingle_call(api, "editor-a", "GET")).json()}
    listed = await jingle_call(api, "editor-a", "GET", params={"include_inactive": "true"})
    assert ids["a_intro"] in {j["id"] for j in listed.json()}
    assert [e.detail for e in _audit(db, "jingle.renamed")] == [
        {"name": {"from": "Nhạc mở đầu xã", "to": "Nhạc chào buổi sáng"}}
    ]
    assert len(_audit(db, "jingle.deactivated")) == 1
    same = await jingle_call(api, "editor-a", "PATCH", a_intro, json={"active": False})
    assert same.status_code == 200 and len(_audit(db, "jingle.deactivated")) == 1  # nothing changed, nothing logged


async def test_a_bulletin_takes_only_active_jingles_of_its_area_or_the_province_in_their_place(
    api: Api, tmp_path: Path
) -> None:
    ids = await _library(api, tmp_path)
    ok = await api("editor-a", "POST", "", json=draft(intro_jingle_id=ids["a_intro"], outro_jingle_id=ids["p_any"]))
    assert ok.status_code == 201, ok.text
    assert (ok.json()["intro_jingle_id"], ok.json()["outro_jingle_id"]) == (ids["a_intro"], ids["p_any"])
    assert ok.json()["versions"][0]["intro_jingle_id"] == ids["a_intro"]

    async def refused(**choice: object) -> str:
        r = await api("editor-a", "POST", "", json=draft(**choice))
        assert r.status_code == 422, r.text
        (error,) = r.json()["detail"]
        return f"{error['field']}: {error['message']}"

    assert "intro_jingle_id: " in await refused(intro_jingle_id=ids["b_intro"])
    assert "outside area" in await refused(intro_jingle_id=ids["b_intro"])  # another commune's
    assert "outside area" in await refused(outro_jingle_id=999_999)
    assert "an outro, not an intro" in await refused(intro_jingle_id=ids["p_outro"])
    by_hash = await refused(intro_jingle_id=ids["a_intro"], media_sha256="a" * 64)
    assert "hash cannot take jingles" in by_hash
    await api.client.patch(
        f"/api/v1/jingles/{ids['p_any']}",
        json={"active": False},
        headers={"Authorization": f"Bearer {api.tokens['admin']}"},
    )
    assert "no longer active" in await refused(outro_jingle_id=ids["p_any"])
    kept = await api("editor-a", "PATCH", f"/{ok.json()['id']}", json={"title": "Vẫn giữ nhạc hiệu cũ"})
    assert kept.status_code == 200 and kept.json()["outro_jingle_id"] == ids["p_any"]  # chosen before: kept


async def test_an_uploaded_bulletin_plays_between_its_jingles_and_is_mixed_again_when_they_change(
    api: Api, tmp_path: Path
) -> None:
    ids = await _library(api, tmp_path)
    made = await api("editor-a", "POST", "", json=draft(text="", intro_jingle_id=ids["a_intro"],
                                                        outro_jingle_id=ids["p_outro"]))  # fmt: skip
    bid = made.json()["id"]
    before = _files(tmp_path)
    bad = await api("editor-a", "POST", f"/{bid}/audio", files={"file": ("x.wav", b"RIFF nonsense" * 30, "audio/wav")})
    assert bad.status_code == 422 and _files(tmp_path) == before  # refused: nothing stored
    body = {"file": ("ghi-am.wav", tone(tmp_path, BODY_HZ, 3.0), "audio/wav")}
    uploaded = (await api("editor-a", "POST", f"/{bid}/audio", files=body)).json()
    assert uploaded["version"] == 2 and uploaded["media_sha256"]
    store = MediaStore(tmp_path / "media")
    mp3 = store.path_for(uploaded["media_sha256"], "mp3")
    assert mp3 is not None
    pcm = samples(mp3.read_bytes(), tmp_path)
    assert abs(len(pcm) / 44_100 - (2.0 + 3.0 + 1.5 - 2 * FADE_S)) < 0.1  # longer by the jingles, less the fades
    assert near(pitch(pcm, 0.1, 1.8), INTRO_HZ)  # it starts with the intro
    assert near(pitch(pcm, 2.3, 4.6), BODY_HZ)
    assert near(pitch(pcm, 5.1, 6.3), OUTRO_HZ)  # and ends with the outro

    changed = (await api("editor-a", "PATCH", f"/{bid}", json={"outro_jingle_id": None})).json()
    assert changed["version"] == 3 and changed["outro_jingle_id"] is None
    assert changed["media_sha256"] not in (None, uploaded["media_sha256"])  # mixed again from the kept source
    remixed = store.path_for(changed["media_sha256"], "mp3")
    assert remixed is not None
    pcm = samples(remixed.read_bytes(), tmp_path)
    assert abs(len(pcm) / 44_100 - (2.0 + 3.0 - FADE_S)) < 0.1
    assert near(pitch(pcm, 0.1, 1.8), INTRO_HZ) and near(pitch(pcm, 3.0, 4.8), BODY_HZ)
    assert changed["versions"][1]["media_sha256"] == uploaded["media_sha256"]  # version 2 keeps what it played


async def test_speech_plays_between_the_jingles_and_a_new_jingle_sends_an_approved_bulletin_back(
    api: Api, tmp_path: Path
) -> None:
    ids = await _library(api, tmp_path)
    bid = (await api("editor-a", "POST", "", json=draft(intro_jingle_id=ids["a_intro"]))).json()["id"]
    submitted = (await api("editor-a", "POST", f"/{bid}/submit")).json()
    assert submitted["state"] == "submitted" and submitted["tts_engine"] == "espeak"
    store = MediaStore(tmp_path / "media")
    first = store.path_for(submitted["media_sha256"], "mp3")
    assert first is not None
    pcm = samples(first.read_bytes(), tmp_path)
    assert near(pitch(pcm, 0.1, 1.8), INTRO_HZ) and len(pcm) / 44_100 > 2.0 + 2.0  # the intro, then the speech
    approved = (await api("approver-a", "POST", f"/{bid}/approve", json={"version": 1})).json()
    assert approved["state"] == "approved"

    edited = (await api("editor-a", "PATCH", f"/{bid}", json={"outro_jingle_id": ids["p_outro"]})).json()
    assert edited["state"] == "submitted" and edited["version"] == 2  # back to the approver
    assert edited["media_sha256"] not in (None, submitted["media_sha256"]) and edited["tts_engine"] == "espeak"
    last = store.path_for(edited["media_sha256"], "mp3")
    assert last is not None
    again = samples(last.read_bytes(), tmp_path)
    assert abs(len(again) - len(pcm) - (1.5 - 0.05) * 44_100) < 0.1 * 44_100  # longer by the outro
    assert near(pitch(again, len(again) / 44_100 - 1.3, len(again) / 44_100 - 0.1), OUTRO_HZ)
    diff = (await api("approver-a", "GET", f"/{bid}/diff")).json()
    assert {c["field"] for c in diff["changes"]} >= {"outro_jingle_id", "media_sha256"}
    assert (await api("approver-a", "POST", f"/{bid}/approve", json={"version": 2})).json()["state"] == "approved"


async def test_the_preview_plays_the_chosen_jingles_of_the_writers_areas_only(api: Api, tmp_path: Path) -> None:
    ids = await _library(api, tmp_path)
    text = {"text": "Họp tổ dân phố lúc 19h30."}
    plain = (await api("editor-a", "POST", "/speech-preview", json=text)).json()
    framed = await api("editor-a", "POST", "/speech-preview", json={**text, "intro_jingle_id": ids["a_intro"]})
    assert framed.status_code == 200, framed.text
    assert abs(framed.json()["duration_ms"] - plain["duration_ms"] - 1950) < 100
    other = await api("editor-a", "POST", "/speech-preview", json={**text, "intro_jingle_id": ids["b_intro"]})
    assert other.status_code == 422 and "outside your areas" in other.json()["detail"][0]["message"]
