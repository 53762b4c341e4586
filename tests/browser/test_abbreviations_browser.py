"""The abbreviation dictionary in a real browser: a commune editor finds the page in the navigation, reads a
sample with "Thử đọc", adds a reading of their own and sees the sample read with it; the bulletin form's
reading preview then reads the same way. Screenshots: abbreviations, abbreviations-phone."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from source_server.serve import LiveServer
from tests.browser.conftest import login
from tests.browser.support import screenshot

SAMPLE = "BQL chợ Pleiku họp với UBND phường lúc 7h30."


async def test_an_editor_adds_an_entry_and_try_it_reads_the_sample_with_it(
    chromium_browser: Browser, live: LiveServer
) -> None:
    page = await login(chromium_browser, live, "editor-a")
    await page.get_by_role("navigation").get_by_role("link", name="Từ viết tắt").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Từ điển từ viết tắt")

    await page.get_by_label("Câu thử").fill(SAMPLE)
    await page.get_by_role("button", name="Xem cách đọc").click()
    spoken = page.locator("#try-spoken")
    await expect(spoken).to_have_text("Bê quy e lờ chợ Pleiku họp với ủy ban nhân dân phường lúc bảy giờ ba mươi phút.")

    await page.get_by_label("Từ viết tắt (viết như trong văn bản)").fill("BQL")
    await page.get_by_label("Cách đọc", exact=True).fill("ban quản lý")
    await page.get_by_role("button", name="Thêm vào từ điển").click()
    await expect(page.locator("#abbr-done")).to_have_text("Đã thêm “BQL”.")

    await page.get_by_label("Câu thử").fill(SAMPLE)
    await page.get_by_role("button", name="Xem cách đọc").click()
    await expect(spoken).to_have_text("Ban quản lý chợ Pleiku họp với ủy ban nhân dân phường lúc bảy giờ ba mươi phút.")
    row = page.locator("#abbr-table tbody tr", has=page.locator("code", has_text="BQL"))
    await expect(row).to_contain_text("Riêng Phường Pleiku")
    await screenshot(page, "abbreviations")

    # A refusal keeps what was typed and says why, in Vietnamese.
    await page.get_by_label("Từ viết tắt (viết như trong văn bản)").fill("KDC")
    await page.get_by_label("Cách đọc", exact=True).fill("khu dân cư số 5")
    await page.get_by_role("button", name="Thêm vào từ điển").click()
    await expect(page.locator("#form-error")).to_contain_text("số viết bằng chữ")
    await expect(page.get_by_label("Cách đọc", exact=True)).to_have_value("khu dân cư số 5")

    # The bulletin form's "Xem cách đọc" reads with the commune's dictionary and links to the page.
    await page.goto(f"{live.url}/ui/bulletins/new")
    await expect(page.locator("#reading-dictionary")).to_have_attribute("href", "/ui/abbreviations?area=23563")
    await page.locator("#b-text").fill(SAMPLE)
    await page.locator("#reading-btn").click()
    await expect(page.locator("#reading-spoken")).to_contain_text("Ban quản lý chợ Pleiku")

    phone = await login(chromium_browser, live, "editor-a", viewport=(390, 844))
    await phone.goto(f"{live.url}/ui/abbreviations?q=BQL")
    await expect(phone.locator("#abbr-table")).to_contain_text("ban quản lý")
    await screenshot(phone, "abbreviations-phone")
