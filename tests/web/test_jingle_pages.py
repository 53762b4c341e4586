"""The jingles page (upload, listen, rename, deactivate) and the jingle choices of the bulletin form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Principal, Role
from source_server.bulletins import jingles
from source_server.bulletins.models import Jingle
from source_server.dispatch.media import MediaStore
from tests.bulletins.jingle_support import tone
from tests.web.auth_support import csrf_of
from tests.web.bulletin_page_support import (
    PROVINCE,
    A,
    B,
    Client,
    bulletin_id_of,
    clients,
    form,
    make,
    post,
    seed,
    stored,
)


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return clients(db, tmp_path)


def add_jingle(db: sessionmaker[Session], tmp_path: Path, area: str, name: str, kind: str = "intro") -> int:
    """A jingle of ``area`` stored through the service (a real tone through the real pipeline)."""
    role = Role.PROVINCE_ADMIN if area == PROVINCE else Role.COMMUNE_EDITOR
    who = Principal(username="seed", grants=frozenset({(role, area)}))
    prepared = jingles.prepare(tone(tmp_path, 1000, 1.0, name), "tone.wav")
    with db.begin() as s:
        made = jingles.create(
            s, store=MediaStore(tmp_path / "media"), principal=who, owner_area=area, name=name, kind=kind,
            prepared=prepared,
        )  # fmt: skip
        return made.id


def options(html: str, select_id: str) -> list[str]:
    """The labels of a select's options."""
    m = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    assert m, f"no select {select_id}"
    return [re.sub(r"\s+", " ", o).strip() for o in re.findall(r"<option[^>]*>([^<]*)</option>", m.group(0))]


async def test_an_editor_uploads_a_jingle_and_hears_it_on_the_page(
    client: Client, db: sessionmaker[Session], tmp_path: Path
) -> None:
    async with client("editor-a") as c:
        page = await c.get("/ui/jingles")
        assert page.status_code == 200
        assert '<a href="/ui/jingles" aria-current="page">Nhạc hiệu</a>' in page.text  # in the navigation
        assert "Tải lên nhạc hiệu" in page.text and "Chưa có nhạc hiệu nào" in page.text
        files = {"file": ("chao.wav", tone(tmp_path, 1000, 2.0), "audio/wav")}
        data = {"csrf_token": csrf_of(page.text), "name": "Nhạc chào buổi sáng", "kind": "intro", "owner_area": A}
        r = await c.post("/ui/jingles", data=data, files=files)
        assert r.status_code == 303 and r.headers["location"] == "/ui/jingles?done=created"
        listed = (await c.get(r.headers["location"])).text
    assert "Đã thêm nhạc hiệu." in listed and "Nhạc chào buổi sáng" in listed and "Nhạc mở đầu" in listed
    with db() as s:
        jingle = s.scalars(select(Jingle)).one()
        assert jingle.owner_area == A and jingle.created_by == "editor-a"
        assert f'src="/media/{jingle.preview_sha256}.mp3"' in listed  # listen to it right there
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "jingle.created")) is not None


async def test_a_refused_upload_says_why_in_vietnamese_and_stores_nothing(
    client: Client, db: sessionmaker[Session], tmp_path: Path
) -> None:
    async with client("editor-a") as c:
        csrf = csrf_of((await c.get("/ui/jingles")).text)
        base = {"csrf_token": csrf, "name": "Dài quá", "kind": "any", "owner_area": A}
        too_long = await c.post(
            "/ui/jingles", data=base, files={"file": ("x.wav", tone(tmp_path, 440, 31.0), "audio/wav")}
        )
        not_audio = await c.post(
            "/ui/jingles", data=base, files={"file": ("x.mp3", b"ID3 not audio" * 50, "audio/mpeg")}
        )
        outside = await c.post(
            "/ui/jingles",
            data={**base, "owner_area": B},
            files={"file": ("x.wav", tone(tmp_path, 440, 1.0), "audio/wav")},
        )
        no_file = await c.post("/ui/jingles", data=base)
    assert too_long.status_code == 422 and "Nhạc hiệu quá dài; tối đa 30 giây." in too_long.text
    assert not_audio.status_code == 422 and "không phải âm thanh" in not_audio.text
    assert outside.status_code == 422 and f"Địa bàn {B} nằm ngoài phạm vi địa bàn của bạn." in outside.text
    assert no_file.status_code == 422 and "Hãy chọn một tệp âm thanh." in no_file.text
    assert 'value="Dài quá"' in too_long.text  # what was typed comes back
    with db() as s:
        assert s.scalars(select(Jingle)).first() is None


async def test_rename_and_deactivate_from_the_page_are_audited_and_only_for_the_areas_writers(
    client: Client, db: sessionmaker[Session], tmp_path: Path
) -> None:
    mine = add_jingle(db, tmp_path, A, "Nhạc xã")
    province = add_jingle(db, tmp_path, PROVINCE, "Nhạc tỉnh", "outro")
    theirs = add_jingle(db, tmp_path, B, "Nhạc xã bên")
    async with client("editor-a") as c:
        page = (await c.get("/ui/jingles")).text
        assert "Nhạc tỉnh" in page and "Nhạc xã bên" not in page
        assert f'action="/ui/jingles/{mine}"' in page and f'action="/ui/jingles/{province}"' not in page
        renamed = await post(c, f"/ui/jingles/{mine}", "/ui/jingles", {"action": "rename", "name": "Nhạc sáng"})
        assert renamed.headers["location"] == "/ui/jingles?done=renamed"
        off = await post(c, f"/ui/jingles/{mine}", "/ui/jingles", {"action": "deactivate"})
        after = (await c.get(off.headers["location"])).text
        assert "Đã ngừng dùng" in after and "Dùng lại" in after
        denied = await post(c, f"/ui/jingles/{province}", "/ui/jingles", {"action": "deactivate"})
        hidden = await post(c, f"/ui/jingles/{theirs}", "/ui/jingles", {"action": "deactivate"})
    assert denied.status_code == 403 and "không được quản lý nhạc hiệu" in denied.text
    assert hidden.status_code == 404
    with db() as s:
        row = s.get(Jingle, mine)
        assert row is not None and (row.name, row.active) == ("Nhạc sáng", False)
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "jingle")).all()
        assert list(actions).count("jingle.renamed") == 1 and list(actions).count("jingle.deactivated") == 1
    async with client("viewer-a") as c:
        seen = (await c.get("/ui/jingles")).text
    assert "Nhạc tỉnh" in seen and "Tải lên nhạc hiệu" not in seen and 'href="/ui/jingles"' not in seen


async def test_the_bulletin_form_offers_the_areas_jingles_and_saves_the_choice(
    client: Client, db: sessionmaker[Session], tmp_path: Path
) -> None:
    intro = add_jingle(db, tmp_path, A, "Nhạc xã")
    outro = add_jingle(db, tmp_path, PROVINCE, "Nhạc tỉnh", "outro")
    theirs = add_jingle(db, tmp_path, B, "Nhạc xã bên")
    async with client("editor-a") as c:
        page = (await c.get("/ui/bulletins/new")).text
        assert options(page, "b-intro") == ["Không có", "Nhạc xã (1 giây)"]
        assert options(page, "b-outro") == ["Không có", "Nhạc tỉnh (1 giây)"]
        assert "Nhạc mở đầu" in page and "Nhạc kết thúc" in page
        saved = await post(c, "/ui/bulletins/new", "/ui/bulletins/new",
                           form(intro_jingle_id=str(intro), outro_jingle_id=str(outro)))  # fmt: skip
        bid = bulletin_id_of(saved)
        refused = await post(c, "/ui/bulletins/new", "/ui/bulletins/new", form(intro_jingle_id=str(theirs)))
        edit = (await c.get(f"/ui/bulletins/{bid}/edit")).text
        shown = (await c.get(f"/ui/bulletins/{bid}")).text
    b = stored(db, bid)
    assert (b.intro_jingle_id, b.outro_jingle_id) == (intro, outro)
    assert refused.status_code == 422 and "không thuộc địa bàn của bản tin" in refused.text
    assert re.search(rf'<option value="{intro}"[^>]*selected', edit)
    assert 'id="bulletin-jingles">Nhạc mở đầu: Nhạc xã · Nhạc kết thúc: Nhạc tỉnh<' in shown


async def test_changing_the_jingle_of_an_approved_bulletin_sends_it_back_with_new_speech(
    client: Client, db: sessionmaker[Session], tmp_path: Path
) -> None:
    intro = add_jingle(db, tmp_path, A, "Nhạc xã")
    bid = make(db, "approved")
    async with client("editor-a") as c:
        page = f"/ui/bulletins/{bid}/edit"
        r = await post(c, page, page, form(intro_jingle_id=str(intro), version="1", target_scope="whole"))
        assert r.status_code == 303, r.text
        diff = (await c.get(f"/ui/bulletins/{bid}")).text
    b = stored(db, bid)
    assert b.state == "submitted" and b.version == 2 and b.intro_jingle_id == intro
    assert b.media_sha256 and b.tts_engine == "espeak"  # the approver hears the bulletin with its new intro
    assert "Nhạc mở đầu" in diff and "Nhạc xã" in diff  # the change is shown to the approver
