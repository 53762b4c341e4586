"""Bulletins in a real browser: the commune editor writes and submits, the leader approves from the queue, an edit
sends it back and the leader sees the diff. Screenshots: bulletin-form, bulletin-form-phone, bulletin-queue,
bulletin-diff."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from source_server.bulletins.models import Bulletin
from source_server.serve import LiveServer
from tests.browser.conftest import login
from tests.browser.support import screenshot

TITLE = "Thông báo lịch tiêm chủng mở rộng tháng 1"
TEXT = (
    "Trạm y tế phường Pleiku thông báo: ngày 09/01/2026, từ 7 giờ 30 đến 11 giờ, tổ chức tiêm chủng mở rộng "
    "cho trẻ em dưới 5 tuổi tại nhà văn hóa tổ dân phố 1.\n\nĐề nghị các gia đình đưa trẻ đến đúng giờ, "
    "mang theo sổ tiêm chủng."
)


def _state(live: LiveServer, title: str) -> tuple[int, str, int]:
    with live.runtime.sessions() as db:
        b = db.query(Bulletin).filter_by(title=title).one()
        return b.id, b.state, b.version


async def _write(page: Page, live: LiveServer) -> None:
    """Fill the form as an editor would (checking the character count and the village choice on the way)."""
    await page.get_by_role("link", name="Bản tin", exact=True).click()
    await page.get_by_role("link", name="+ Viết bản tin mới").click()
    await expect(page.locator("h1")).to_have_text("Viết bản tin mới")
    await page.get_by_label("Tiêu đề").fill(TITLE)
    await page.get_by_label("Lĩnh vực").select_option(label="Y tế, phòng chống dịch bệnh")
    await page.get_by_label("Chỉ một số thôn, tổ dân phố").check()
    villages = page.locator('fieldset.parts[data-owner="23563"]')
    await expect(villages).to_be_visible()
    await villages.get_by_label("Tổ dân phố 1").check()
    await page.get_by_label("Toàn xã, phường (mọi cụm loa)").check()
    await expect(villages).to_be_hidden()  # the whole commune: no village list to confuse
    await page.locator("#b-text").fill(TEXT)
    await expect(page.locator("#text-count")).to_contain_text(f"{len(TEXT)} / 30.000 ký tự")
    await expect(page.get_by_role("button", name="▶ Nghe thử")).to_be_enabled()


async def test_write_submit_approve_then_an_edit_shows_the_diff(live: LiveServer, chromium_browser: Browser) -> None:
    editor = await login(chromium_browser, live, "editor-a")
    await _write(editor, live)
    await screenshot(editor, "bulletin-form")
    await editor.get_by_role("button", name="Lưu và gửi duyệt").click()
    await expect(editor.locator("#done-message")).to_have_text("Đã gửi bản tin cho lãnh đạo duyệt.")
    await expect(editor.locator("#bulletin-state")).to_have_text("Chờ duyệt")
    bid, state, _ = _state(live, TITLE)
    assert state == "submitted"

    phone = await login(chromium_browser, live, "editor-a", viewport=(375, 812))
    await phone.goto(f"{live.url}/ui/bulletins/new")
    await phone.get_by_label("Tiêu đề").fill("Thông báo thu gom rác")
    await phone.get_by_role("button", name="Lưu và gửi duyệt").click()  # no category, no text: told why
    await expect(phone.locator("#category_code-error")).to_have_text("Vui lòng chọn lĩnh vực trong danh sách.")
    await expect(phone.get_by_label("Tiêu đề")).to_have_value("Thông báo thu gom rác")
    await screenshot(phone, "bulletin-form-phone")

    approver = await login(chromium_browser, live, "approver-a")
    await approver.get_by_role("link", name="Bản tin", exact=True).click()
    await approver.get_by_role("link", name="Chờ tôi duyệt (1)").click()
    await expect(approver.locator("tbody tr")).to_have_count(1)
    await screenshot(approver, "bulletin-queue")
    await approver.get_by_role("link", name=TITLE).click()
    await expect(approver.locator("#bulletin-text")).to_have_text(TEXT)
    await approver.get_by_role("button", name="✓ Duyệt bản tin (phiên bản 1)").click()
    await expect(approver.locator("#done-message")).to_have_text("Đã duyệt bản tin.")
    assert _state(live, TITLE)[1] == "approved"

    await editor.goto(f"{live.url}/ui/bulletins/{bid}")
    await editor.get_by_role("link", name="Sửa bản tin").click()
    await editor.locator("#b-text").fill(TEXT.replace("09/01/2026", "10/01/2026").replace("11 giờ", "11 giờ 30"))
    await editor.get_by_role("button", name="Lưu và gửi lại để duyệt").click()
    await expect(editor.locator("#bulletin-state")).to_have_text("Chờ duyệt")
    assert _state(live, TITLE)[1:] == ("submitted", 2)

    await approver.get_by_role("link", name="Về danh sách chờ duyệt").click()
    await approver.get_by_role("link", name=TITLE).click()
    diff = approver.locator("#diff")
    await expect(diff).to_contain_text("So với phiên bản 1 đã được duyệt, phiên bản 2")
    await expect(diff.locator(".diff-text del")).to_have_text(["[đã xóa: 09/01/2026,]", "[đã xóa: giờ,]"])
    await expect(diff.locator(".diff-text ins").first).to_have_text("[đã thêm: 10/01/2026,]")
    audio_row = diff.locator(".diff-fields tr", has_text="Âm thanh")  # the speech was made again from the new text
    await expect(audio_row.locator("audio")).to_have_count(2)
    await expect(approver.get_by_role("button", name=re.compile("phiên bản 2"))).to_be_visible()
    await screenshot(approver, "bulletin-diff")
