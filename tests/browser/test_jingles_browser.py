"""Jingles in a real browser: the editor finds the jingle page in the navigation, then chooses an intro and an
outro in the bulletin form (only their commune's and the province's are offered), hears the preview with them and
saves. Screenshots: jingles, bulletin-jingles."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, expect
from sqlalchemy import select

from source_server.accounts.service import Principal, Role
from source_server.bulletins import jingles
from source_server.bulletins.models import Bulletin
from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, COMMUNE_B, PROVINCE, login
from tests.browser.support import screenshot
from tests.bulletins.jingle_support import tone

PLAYABLE = "() => { const a = document.querySelector('#preview-player'); return !!a && isFinite(a.duration); }"


def add_jingle(live: LiveServer, tmp_path: Path, area: str, name: str, kind: str, hz: int) -> int:
    """A jingle of ``area`` through the service and the real pipeline."""
    role = Role.PROVINCE_ADMIN if area == PROVINCE else Role.COMMUNE_EDITOR
    who = Principal(username="seed", grants=frozenset({(role, area)}))
    prepared = jingles.prepare(tone(tmp_path, hz, 2.0, name), "tone.wav")
    with live.runtime.sessions.begin() as db:
        made = jingles.create(
            db, store=live.runtime.media, principal=who, owner_area=area, name=name, kind=kind, prepared=prepared
        )
        return made.id


async def test_the_editor_chooses_an_intro_and_an_outro_and_hears_them(
    live: LiveServer, chromium_browser: Browser, tmp_path: Path
) -> None:
    intro = add_jingle(live, tmp_path, COMMUNE_A, "Nhạc chào buổi sáng", "intro", 1000)
    outro = add_jingle(live, tmp_path, PROVINCE, "Nhạc hiệu Đài tỉnh", "any", 600)
    add_jingle(live, tmp_path, COMMUNE_B, "Nhạc của xã khác", "intro", 800)
    page = await login(chromium_browser, live, "editor-a")

    await page.get_by_role("navigation").get_by_role("link", name="Nhạc hiệu").click()
    await expect(page.get_by_role("heading", name="Nhạc hiệu", exact=True)).to_be_visible()
    table = page.locator("#jingle-table")
    await expect(table).to_contain_text("Nhạc chào buổi sáng")
    await expect(table).to_contain_text("Nhạc hiệu Đài tỉnh")
    await expect(table).not_to_contain_text("Nhạc của xã khác")
    await screenshot(page, "jingles")

    await page.goto(f"{live.url}/ui/bulletins/new")
    await page.get_by_label("Tiêu đề").fill("Thông báo lịch tiêm chủng")
    await page.get_by_label("Lĩnh vực").select_option("y-te")
    await page.locator("#b-text").fill("Trạm y tế phường tổ chức tiêm chủng cho trẻ em vào sáng mai.")
    intro_select, outro_select = page.get_by_label("Nhạc mở đầu"), page.get_by_label("Nhạc kết thúc")
    await expect(intro_select).to_have_value("")  # "Không có" unless chosen
    await expect(intro_select.locator("option")).to_have_text(
        ["Không có", "Nhạc chào buổi sáng (2 giây)", "Nhạc hiệu Đài tỉnh (2 giây)"]
    )
    await intro_select.select_option(label="Nhạc chào buổi sáng (2 giây)")
    await outro_select.select_option(label="Nhạc hiệu Đài tỉnh (2 giây)")

    await page.get_by_role("button", name="▶ Nghe thử").click()
    await expect(page.locator("#preview")).to_be_visible(timeout=30_000)
    await page.wait_for_function(PLAYABLE, timeout=15_000)
    duration = await page.locator("#preview-duration").text_content()
    m = re.search(r"(\d+):(\d\d)", duration or "")
    assert m and int(m[1]) * 60 + int(m[2]) >= 6  # two 2-second jingles around the speech
    await outro_select.select_option("")
    await expect(page.locator("#preview-stale")).to_be_visible()  # the preview no longer matches the choice
    await outro_select.select_option(label="Nhạc hiệu Đài tỉnh (2 giây)")
    await expect(page.locator("#preview-stale")).to_be_hidden()
    await screenshot(page, "bulletin-jingles")

    await page.get_by_role("button", name="Lưu bản nháp").click()
    await page.wait_for_url(re.compile(r".*/ui/bulletins/\d+\?done=created"))
    with live.runtime.sessions() as db:
        bulletin = db.scalars(select(Bulletin).where(Bulletin.title == "Thông báo lịch tiêm chủng")).one()
        assert (bulletin.intro_jingle_id, bulletin.outro_jingle_id) == (intro, outro)
