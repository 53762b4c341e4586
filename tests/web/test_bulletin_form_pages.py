"""The bulletin form: errors next to their field with the values kept, villages and local times, province users."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.bulletins.models import Bulletin
from source_server.dispatch.media import MediaStore
from tests.web.auth_support import csrf_of
from tests.web.bulletin_page_support import (
    A,
    B,
    Client,
    action_forms,
    audit_actions,
    bulletin_id_of,
    clients,
    form,
    post,
    seed,
    stored,
)


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return clients(db, tmp_path)


def count(db: sessionmaker[Session]) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Bulletin)) or 0


async def test_form_errors_come_back_next_to_their_field_with_the_values_kept(
    client: Client, db: sessionmaker[Session]
) -> None:
    cases = [
        (form(title="  "), "title", "Vui lòng nhập tiêu đề."),
        (form(category_code=""), "category_code", "Vui lòng chọn lĩnh vực trong danh sách."),
        (form(target_scope="part"), "target", "Vui lòng chọn ít nhất một nơi phát."),
        (form(target_scope=""), "target", "Vui lòng chọn nơi phát."),
        (form(valid_from="hôm qua"), "valid_from", "Ngày giờ chưa đúng."),
        (
            form(valid_from="2030-05-02T08:00", valid_until="2030-05-01T08:00"),
            "valid_until",
            "phải sau thời điểm bắt đầu",
        ),
        (form(valid_until="2020-01-01T08:00"), "valid_until", "Thời điểm hết hiệu lực đã qua."),
        (form(text="", then="submit"), "text", "cần có nội dung"),
        (form(text="x" * 30_001), "text", "Nội dung dài quá 30000 ký tự"),
        (form(target_scope="part", target_codes=["23575-01"]), "target", "Tổ dân phố Hội Phú 1 không thuộc địa bàn"),
    ]
    async with client("editor-a") as c:
        for data, field, message in cases:
            r = await post(c, "/ui/bulletins/new", "/ui/bulletins/new", data)
            assert r.status_code == 422, (field, r.status_code)
            assert f'<p class="field-error" id="{field}-error">' in r.text, field
            assert message in r.text.split(f'id="{field}-error">')[1].split("</p>")[0], (field, message)
            assert "Bản tin chưa được lưu." in r.text
            if data["text"] and len(data["text"]) < 100:
                assert f">{data['text']}</textarea>" in r.text  # the text typed is kept
            assert '<option value="y-te" selected>' in r.text or not data["category_code"]
        other = await post(c, "/ui/bulletins/new", "/ui/bulletins/new", form(owner_area=B))
        assert other.status_code == 403 and "Vai trò của bạn không cho phép" in other.text
    assert count(db) == 0


async def test_villages_and_local_times_are_stored_as_chosen(client: Client, db: sessionmaker[Session]) -> None:
    data = form(
        target_scope="part",
        target_codes=["23563-01", "23563-03"],
        valid_from="2030-12-01T07:30",
        valid_until="2030-12-02T17:00",
    )
    async with client("editor-a") as c:
        bid = bulletin_id_of(await post(c, "/ui/bulletins/new", "/ui/bulletins/new", data))
        page = await c.get(f"/ui/bulletins/{bid}")
        assert "Thôn, tổ dân phố: Tổ dân phố 1, Tổ dân phố 3" in page.text
        assert "từ 01/12/2030 07:30 đến 02/12/2030 17:00" in page.text
        edit = await c.get(f"/ui/bulletins/{bid}/edit")
        assert 'value="2030-12-01T07:30"' in edit.text and 'value="23563-03" checked' in edit.text
        assert 'value="23563-02" checked' not in edit.text
    b = stored(db, bid)
    assert (b.target_type, b.target_codes) == ("village", ["23563-01", "23563-03"])
    assert b.valid_from == datetime(2030, 12, 1, 0, 30, tzinfo=UTC)


async def test_province_users_write_for_the_province_and_send_emergencies(
    client: Client, db: sessionmaker[Session]
) -> None:
    async with client("operator") as c:
        new = await c.get("/ui/bulletins/new")
        assert '<option value="64" data-level="province" selected>Gia Lai</option>' in new.text
        assert 'data-level="commune">Phường Pleiku</option>' in new.text
        data = form(owner_area="64", target_scope="part", target_codes=[A, B], priority="emergency", then="save")
        bid = bulletin_id_of(await post(c, "/ui/bulletins/new", "/ui/bulletins/new", data))
        page = await c.get(f"/ui/bulletins/{bid}")
        assert "Phát khẩn cấp ngay" in page.text and "send-direct" in action_forms(page.text)
        r = await post(c, f"/ui/bulletins/{bid}/send-direct", f"/ui/bulletins/{bid}", {"reason": "Lũ quét"})
        assert r.status_code == 303
        page = await c.get(r.headers["location"])
        assert "Đã duyệt phát khẩn cấp." in page.text and "Phát khẩn cấp ngay (không qua duyệt)" in page.text
    b = stored(db, bid)
    assert (b.state, b.origin, b.target_type, b.target_codes) == ("approved", "province", "commune", [A, B])
    assert audit_actions(db, bid)[-1] == ("operator", "bulletin.send_direct")


def audio_config(html: str) -> dict[str, Any]:
    """The settings and words the page hands its audio script."""
    m = re.search(r'<script type="application/json" id="audio-config">(.*?)</script>', html, re.S)
    assert m, "no audio config"
    return dict(json.loads(m.group(1)))


def wav_tone(path: Path, seconds: float = 1.5) -> bytes:
    """A 440 Hz tone as WAV (what a writer might upload)."""
    graph = f"sine=frequency=440:duration={seconds}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", graph, "-y", str(path)], check=True)
    return path.read_bytes()


async def test_the_form_offers_the_reading_and_the_preview_and_says_what_happens_without_javascript(
    client: Client,
) -> None:
    async with client("editor-a") as c:
        page = (await c.get("/ui/bulletins/new")).text
        assert 'data-placeholder="tts-audio"' not in page
        for tool in ('id="reading-btn"', 'id="preview-btn"', 'name="preview_gender" value="male"'):
            assert tool in page, tool
        assert page.count("data-needs-js hidden") == 2  # script-only tools stay hidden without JavaScript
        assert "khi gửi duyệt, hệ thống tự đọc văn bản thành giọng nói" in page.split("<noscript>")[1]
        assert "Lưu bản nháp trước, rồi tải tệp lên hoặc ghi âm" in page
        cfg = audio_config(page)
        assert cfg["bulletin"] is None and cfg["maxBytes"] == 50 * 1024 * 1024
        assert cfg["t"]["audio.fallback.unreachable"] == "dịch vụ giọng đọc trực tuyến không kết nối được"
        assert cfg["t"]["reading.converted"] == "Đã chuyển sang Unicode — dùng văn bản này?"
        assert cfg["engines"]["espeak"] == "espeak-ng" and cfg["voices"]["vi+m3"] == "vi+m3, giọng nam miền Bắc"
        codes = cfg["codes"]  # the script words a refusal by the API's error code, not by its English message
        assert codes["audio_rejected:not_audio"].startswith("Tệp này không phải âm thanh")
        assert codes["audio_rejected:silent"].startswith("Bản ghi không có tiếng")
        english = audio_config((await c.get("/ui/bulletins/new?lang=en")).text)
        assert english["t"]["reading.button"] == "Show how it will be read" and english["voices"]["vi+m3"] == "vi+m3"


async def test_the_bulletin_page_plays_its_audio_says_what_made_it_and_lets_only_writers_replace_it(
    client: Client, db: sessionmaker[Session], tmp_path: Path
) -> None:
    async with client("editor-a") as c:
        bid = bulletin_id_of(await post(c, "/ui/bulletins/new", "/ui/bulletins/new", form()))
        page = (await c.get(f"/ui/bulletins/{bid}")).text
        assert "Chưa có âm thanh. Khi gửi duyệt, hệ thống sẽ tự đọc văn bản thành giọng nói." in page
        assert 'id="audio-own"' in page and 'id="record-toggle"' in page and 'accept="audio/*,.mp3' in page
        assert audio_config(page)["bulletin"] == bid
        r = await post(c, f"/ui/bulletins/{bid}/submit", f"/ui/bulletins/{bid}", {})  # no JavaScript: a plain form
        assert r.status_code == 303
        b = stored(db, bid)
        assert b.state == "submitted" and b.tts_engine == "espeak" and b.media_sha256
        page = (await c.get(f"/ui/bulletins/{bid}")).text
        assert f'<audio controls preload="metadata" src="/media/{b.media_sha256}.mp3" id="bulletin-audio"' in page
        assert "Đọc tự động bằng espeak-ng (vi+f3, giọng nữ miền Bắc)" in page
        assert MediaStore(tmp_path / "media").path_for(b.media_sha256, "mp3") is not None  # what the player loads

        files = {"file": ("thong-bao.wav", wav_tone(tmp_path / "t.wav"), "audio/wav")}
        up = await c.post(f"/api/v1/bulletins/{bid}/audio", files=files, headers={"X-CSRF-Token": csrf_of(page)})
        assert up.status_code == 200, up.text  # what the page's script sends (session cookie + CSRF header)
        page = (await c.get(f"/ui/bulletins/{bid}?done=audio")).text
        after = stored(db, bid)
        assert after.version == 2 and after.tts_engine is None and after.media_sha256 != b.media_sha256
        assert "Đã lưu âm thanh mới cho bản tin." in page and f"/media/{after.media_sha256}.mp3" in page
        assert "Tệp ghi âm tải lên" in page and "phiên bản 2, do editor-a tải lên lúc" in page
        edit = (await c.get(f"/ui/bulletins/{bid}/edit")).text
        assert f"/media/{after.media_sha256}.mp3" in edit and "Loa sẽ phát tệp ghi âm này" in edit
        assert f'href="/ui/bulletins/{bid}#audio"' in edit
    async with client("viewer-a") as c:  # reads and listens, may not change the audio
        page = (await c.get(f"/ui/bulletins/{bid}")).text
        assert "Tệp ghi âm tải lên" in page and f"/media/{after.media_sha256}.mp3" in page
        assert 'id="audio-own"' not in page and 'id="record-toggle"' not in page
    async with client("approver-b") as c:  # another commune: not disclosed
        assert (await c.get(f"/ui/bulletins/{bid}")).status_code == 404
