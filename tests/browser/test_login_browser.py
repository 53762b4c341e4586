"""Log-in in a real browser: the Vietnamese form, a wrong password refused, then the overview."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from source_server.serve import LiveServer
from tests.browser.conftest import PASSWORD, login
from tests.browser.support import screenshot


async def test_wrong_password_is_refused_then_the_right_one_opens_the_overview(
    live: LiveServer, chromium_browser: Browser
) -> None:
    page = await chromium_browser.new_page(viewport={"width": 1366, "height": 768})
    await page.goto(f"{live.url}/ui/")
    await expect(page).to_have_url(f"{live.url}/login?next=%2Fui%2F")
    await page.get_by_label("Tên đăng nhập").fill("operator")
    await page.get_by_label("Mật khẩu").fill(PASSWORD + "x")
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    await screenshot(page, "login-failed")
    page2 = await login(chromium_browser, live, "operator")
    await expect(page2.locator("h1")).to_have_text("Tổng quan toàn tỉnh")
    await expect(page2.locator(".user-name")).to_contain_text("Lê Thị Vận Hành")
