"""From a proof-of-play count to the devices it counts, in a real browser: an emergency goes to commune A's
simulated agents, the proof page counts them live, one click on the commune's count lists its devices."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, fleet_for, login
from tests.browser.support import screenshot, send_emergency

RUNNING = ["spk-a0", "spk-a1", "spk-a2"]
SILENT = ["spk-a3", "spk-a4", "spk-a5"]
"""The connected-nowhere speakers; the commune's board (brd-a0) renders no audio, so the play never targets it."""
PLAYED = re.compile("^(Đã bắt đầu|Hoàn tất)$")


async def test_a_communes_count_on_the_proof_page_opens_the_list_of_its_devices(
    live: LiveServer, chromium_browser: Browser
) -> None:
    fleet = fleet_for(live, RUNNING)
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        page = await login(chromium_browser, live, "approver-a")
        await send_emergency(
            page,
            live.url,
            commune=COMMUNE_A,
            title="Cảnh báo sạt lở đất",
            text="Mưa lớn kéo dài. Bà con tránh xa sườn đồi.",
        )
        await expect(page.locator("#reached")).to_have_text("3", timeout=15_000)

        row = page.locator(f'#by-commune tr[data-commune="{COMMUNE_A}"]')
        await expect(row.locator('td[data-k="total"] a')).to_have_text("6")  # still a link after the live updates
        await screenshot(page, "proof-counts-linked")
        await row.locator('td[data-k="total"] a').click()
        await expect(page.locator("h1")).to_have_text("Thiết bị nhận bản tin: Cảnh báo sạt lở đất")
        table = page.locator("table.proof-device-table tbody tr")
        await expect(table).to_have_count(6)
        await expect(page.locator('tr[data-device-id="brd-a0"]')).to_have_count(0)
        for device in RUNNING:
            state = page.locator(f'tr[data-device-id="{device}"] .delivery')
            await expect(state).to_have_text(PLAYED)  # playing, or already done
        await expect(page.locator(f'tr[data-device-id="{SILENT[0]}"] .delivery')).to_have_text("Đang chờ thiết bị nhận")
        await expect(page.get_by_label("Xã, phường")).to_have_value(COMMUNE_A)
        await screenshot(page, "proof-devices")

        await page.get_by_label("Tình trạng", exact=True).select_option("pending")
        await page.get_by_role("button", name="Lọc", exact=True).click()
        await expect(table).to_have_count(len(SILENT))
        assert sorted(await table.evaluate_all("rows => rows.map(r => r.dataset.deviceId)")) == SILENT
        await page.get_by_role("link", name="spk-a3").click()
        await expect(page).to_have_url(f"{live.url}/ui/devices/spk-a3")
    finally:
        await fleet.stop()
