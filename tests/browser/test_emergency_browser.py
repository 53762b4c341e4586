"""The emergency screen in a real browser: one click from the header, a confirmation that says how many devices,
the devices reached counting up live, and the one-action stop."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, fleet_for, login
from tests.browser.support import screenshot, send_emergency

SPEAKERS = ["spk-a0", "spk-a1", "spk-a2"]


async def test_the_commune_leader_sends_an_emergency_watches_it_reach_devices_and_stops_it(
    live: LiveServer, chromium_browser: Browser
) -> None:
    fleet = fleet_for(live, SPEAKERS)
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        page = await login(chromium_browser, live, "approver-a")
        await page.get_by_role("link", name="Khẩn cấp").click()
        await expect(page.locator("h1")).to_have_text("Phát bản tin khẩn cấp")
        await page.get_by_label("Phát tới").select_option(COMMUNE_A)
        await page.get_by_label("Tiêu đề").fill("Cảnh báo lũ quét")
        await page.get_by_label("Nội dung sẽ được đọc").fill("Nước sông đang lên nhanh. Bà con di chuyển lên vùng cao.")
        await screenshot(page, "emergency-form")
        await page.get_by_role("button", name="Kiểm tra trước khi phát").click()
        await expect(page.get_by_role("alertdialog")).to_contain_text("Xác nhận phát khẩn cấp tới 6 thiết bị?")
        await screenshot(page, "emergency-confirm")
        await page.get_by_role("button", name="PHÁT KHẨN CẤP NGAY").click()
        await expect(page.locator("h1")).to_contain_text("Đang phát khẩn cấp")
        await expect(page.locator("#total")).to_have_text("6")  # the 6 speakers: the commune's board plays no audio
        await expect(page.locator("#reached")).to_have_text("3", timeout=15_000)  # counts up without a reload
        await screenshot(page, "emergency-live")
        page.on("dialog", lambda d: d.accept())
        await page.get_by_role("button", name="DỪNG PHÁT KHẨN CẤP").click()
        await expect(page.get_by_role("status")).to_have_text("Đã gửi lệnh dừng tới mọi thiết bị.")
        await expect(page.locator("h1")).to_contain_text("Đã kết thúc")
        editor = await login(chromium_browser, live, "editor-a")
        response = await editor.goto(f"{live.url}/ui/emergency")
        assert response is not None and response.status == 403  # an editor writes, the leader sends
    finally:
        await fleet.stop()


async def test_the_proof_of_play_page_of_a_finished_emergency_is_reachable_from_the_bulletin(
    live: LiveServer, chromium_browser: Browser
) -> None:
    fleet = fleet_for(live, SPEAKERS[:1])
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        page = await login(chromium_browser, live, "approver-a")
        await send_emergency(
            page,
            live.url,
            commune=COMMUNE_A,
            title="Cảnh báo cháy rừng",
            text="Nguy cơ cháy rừng cấp cao. Không đốt nương rẫy.",
        )
        await expect(page.locator("#reached")).to_have_text("1", timeout=15_000)
        bulletin_url = page.url.replace("/ui/emergency/", "/ui/bulletins/")
        await page.goto(bulletin_url)
        await page.get_by_role("link", name="Kết quả phát trên thiết bị").click()
        await expect(page.locator("#by-commune tbody tr")).to_have_count(1)
        await screenshot(page, "bulletin-proof")
    finally:
        await fleet.stop()
