"""The programme in a real browser: a commune editor adds a slot, places approved bulletins (checked first), is
warned before saving that the slot would be overfilled, then drags, and uses the keyboard buttons, to swap two
items and sees their start times swap. Screenshots: programme-place-check, programme-week, programme-phone."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select

from source_server.db import utcnow
from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling.models import ScheduleItem
from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, login
from tests.browser.support import screenshot
from tests.scheduling.support import bulletin

FIRST, SECOND, THIRD = "Lịch tiêm chủng mở rộng", "Thu gom rác thải tháng 1", "Họp tổ dân phố"


def _items(live: LiveServer) -> int:
    with live.runtime.sessions() as db:
        return db.scalar(select(func.count()).select_from(ScheduleItem)) or 0


async def _place(page: Page, title: str, *, save: bool) -> None:
    """Choose the bulletin and the morning slot of tomorrow (the form's day), check, and save when told."""
    await page.get_by_role("link", name="+ Xếp bản tin vào lịch").click()
    await expect(page.locator("h1")).to_have_text("Xếp bản tin vào lịch phát")
    await page.get_by_role("radio", name=re.compile(title)).check()
    await page.get_by_label("Khung giờ", exact=True).select_option(label="06:00 · Buổi sáng")
    await page.get_by_role("button", name="Kiểm tra").click()
    if save:
        await expect(page.locator("#check-result")).to_contain_text("Không có vấn đề gì. Bản tin sẽ phát lúc")
        await page.get_by_role("button", name="Xếp vào lịch").click()
        await expect(page.locator("#done-message")).to_have_text("Đã xếp bản tin vào lịch phát.")


async def test_an_editor_adds_a_slot_places_bulletins_and_reorders_them(
    live: LiveServer, chromium_browser: Browser
) -> None:
    for title, ms in ((FIRST, 60_000), (SECOND, 40_000), (THIRD, 30_000)):
        bulletin(live.runtime.sessions, duration_ms=ms, title=title)
    tomorrow = (utcnow().astimezone(LOCAL_TZ) + timedelta(days=1)).date()
    page = await login(chromium_browser, live, "editor-a")
    await page.get_by_role("link", name="Lịch phát", exact=True).click()
    await expect(page.locator("h1")).to_have_text("Lịch phát — Phường Pleiku")
    await expect(page.locator(".p-day.is-today")).to_have_count(1)

    await page.get_by_role("link", name="+ Thêm khung giờ").click()
    await page.get_by_label("Tên khung giờ").fill("Buổi sáng")
    await page.get_by_label("Giờ bắt đầu").fill("06:00")
    await page.get_by_label("Độ dài (phút)").fill("2")
    await page.get_by_role("button", name="Lưu khung giờ").click()
    await expect(page.locator("#done-message")).to_have_text("Đã thêm khung giờ.")
    await expect(page.locator(".p-slot-table tbody tr")).to_contain_text(["Buổi sáng 06:00–06:02 Hằng ngày"])

    await _place(page, FIRST, save=True)
    await _place(page, SECOND, save=True)
    await _place(page, THIRD, save=False)
    result = page.locator("#check-result")
    await expect(result).to_contain_text("Chưa xếp được vào lịch vì:")
    await expect(result).to_contain_text(
        f"Khung giờ “Buổi sáng” ngày {tomorrow:%d/%m/%Y} sẽ bị quá 14 giây (khung dài 2 phút)."
    )
    await screenshot(page, "programme-place-check")
    await page.get_by_role("button", name="Xếp vào lịch").click()  # refused: nothing saved
    await expect(page.locator("#check-result")).to_contain_text("sẽ bị quá 14 giây")
    assert _items(live) == 2

    await page.goto(f"{live.url}/ui/programme/{COMMUNE_A}?day={tomorrow.isoformat()}")
    occ = page.locator(f'section.p-occ[id$="-{tomorrow.isoformat()}"]')
    items = occ.locator(".p-item")
    starts = occ.locator('[data-role="start"]')
    await expect(items.locator(".p-title")).to_have_text([FIRST, SECOND])
    await expect(starts).to_have_text(["06:00:00", "06:01:02"])
    await expect(occ.locator(".p-fill-text")).to_have_text("Đã xếp 1,7 / 2 phút")

    await items.nth(1).drag_to(items.nth(0))
    await expect(occ.locator(".p-msg")).to_have_text("Đã đổi thứ tự. Giờ phát đã được tính lại.")
    await expect(items.locator(".p-title")).to_have_text([SECOND, FIRST])
    await expect(starts).to_have_text(["06:00:00", "06:00:42"])

    down = items.nth(0).get_by_role("button", name=f"Đưa “{SECOND}” xuống sau")
    await down.focus()
    await page.keyboard.press("Enter")
    await expect(items.locator(".p-title")).to_have_text([FIRST, SECOND])
    await expect(starts).to_have_text(["06:00:00", "06:01:02"])
    await expect(items.nth(1).get_by_role("button", name=f"Đưa “{SECOND}” lên trước")).to_be_focused()
    await page.reload()  # what the server has now is what the page showed
    await expect(occ.locator('[data-role="start"]')).to_have_text(["06:00:00", "06:01:02"])
    await expect(occ.locator(".p-title")).to_have_text([FIRST, SECOND])
    await occ.scroll_into_view_if_needed()
    await screenshot(page, "programme-week")

    phone = await login(chromium_browser, live, "editor-a", viewport=(375, 812))
    await phone.goto(f"{live.url}/ui/programme/{COMMUNE_A}?day={tomorrow.isoformat()}")
    await expect(phone.locator(f'section.p-occ[id$="-{tomorrow.isoformat()}"] .p-title')).to_have_text([FIRST, SECOND])
    columns = await phone.evaluate(
        "getComputedStyle(document.getElementById('week')).gridTemplateColumns.split(' ').length"
    )
    assert columns == 1  # the week is a list of days on a phone
    await screenshot(phone, "programme-phone")
