"""The dashboard in a real browser: scoped to the user's area, counts that change live, an offline map."""

from __future__ import annotations

import time

from playwright.async_api import Browser, Page, expect

from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, COMMUNE_B, fleet_for, login
from tests.browser.support import screenshot

A_DEVICES = ["spk-a0", "spk-a1", "spk-a2", "spk-a3"]


def cell(page: Page, commune: str, status: str) -> object:
    return page.locator(f'#commune-table tr[data-commune="{commune}"] [data-count="{status}"]')


async def test_a_commune_editor_sees_only_their_commune(live: LiveServer, chromium_browser: Browser) -> None:
    page = await login(chromium_browser, live, "editor-a")
    await expect(page.locator("h1")).to_have_text("Tổng quan: Phường Pleiku")
    rows = page.locator("#commune-table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-commune", COMMUNE_A)
    await expect(page.get_by_text("Phường Hội Phú")).to_have_count(0)
    await expect(page.locator('[data-total="speaker:total"]')).to_have_text("6")
    await expect(page.locator('[data-total="eboard:total"]')).to_have_text("1")
    # one commune: the map shows its devices, not communes
    await expect(page.locator("#map circle.dev")).to_have_count(6)
    await expect(page.locator('a[href="/audit"]')).to_have_count(0)  # not an administrator
    api = await page.request.get(f"{live.url}/api/v1/presence/map?commune={COMMUNE_B}")
    assert api.status == 404  # the other commune does not exist for this user
    await screenshot(page, "dashboard-commune-editor")


async def test_the_operator_watches_a_device_go_offline_without_reloading(
    live: LiveServer, chromium_browser: Browser
) -> None:
    fleet = fleet_for(live, A_DEVICES)
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        page = await login(chromium_browser, live, "operator")
        await expect(page.locator("h1")).to_have_text("Tổng quan toàn tỉnh")
        await expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
        await expect(cell(page, COMMUNE_A, "online")).to_have_text("4", timeout=10_000)
        await expect(cell(page, COMMUNE_B, "never_seen")).to_have_text("5")
        # worst connected first: commune B (0 of 5 online) above commune A (4 of 7)
        await expect(page.locator("#commune-table tbody tr").first).to_have_attribute("data-commune", COMMUNE_B)
        await expect(page.locator("#map g.commune")).to_have_count(2)
        await screenshot(page, "dashboard")
        marker = await page.evaluate("() => { window.__sameDocument = true; return location.href; }")

        killed_at = time.monotonic()
        await fleet.kill(["spk-a0"], "abort")  # the socket drops without DISCONNECT: the broker sends the Will
        await expect(cell(page, COMMUNE_A, "offline")).to_have_text("1", timeout=10_000)
        seen_after = time.monotonic() - killed_at
        await expect(cell(page, COMMUNE_A, "online")).to_have_text("3")
        await expect(page.locator('[data-total="speaker:offline"]').first).to_have_text("1")
        assert await page.evaluate("() => window.__sameDocument === true") and page.url == marker  # no reload
        assert seen_after < 2, seen_after  # the Will, then one fence round trip (no timer)

        # the map's commune view follows the same events
        await page.locator('#map g.commune[data-map-commune="23563"]').click()
        await expect(page.locator("#map circle.dev")).to_have_count(6)
        await expect(page.locator('#map circle[data-device="spk-a0"]')).to_have_class("dev offline")
        fleet.revive(["spk-a0"])
        await expect(page.locator('#map circle[data-device="spk-a0"]')).to_have_class("dev online", timeout=10_000)
        await expect(cell(page, COMMUNE_A, "online")).to_have_text("4")
        await screenshot(page, "dashboard-commune-map")
    finally:
        await fleet.stop()


async def test_filters_search_and_english(live: LiveServer, chromium_browser: Browser) -> None:
    page = await login(chromium_browser, live, "operator", lang="en")
    await expect(page.locator("h1")).to_have_text("Province overview")
    await page.get_by_label("Device kind").select_option("eboard")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(f"{live.url}/ui/?kind=eboard&vendor=&status=")
    await expect(page.locator(".kind-card")).to_have_count(1)
    await expect(cell(page, COMMUNE_A, "total")).to_have_text("1")
    await page.get_by_label("Vendor").select_option("Hanel")
    await page.get_by_label("Device kind").select_option("")
    await page.get_by_role("button", name="Filter").click()
    await expect(cell(page, COMMUNE_A, "total")).to_have_text("3")  # spk-a1, a3, a5
    await expect(page.locator("#commune-table tbody tr")).to_have_count(1)  # commune B has no Hanel device
    await page.get_by_label("Find a device by id or name").fill("spk-b2")
    await page.get_by_role("button", name="Search").click()
    await expect(page).to_have_url(f"{live.url}/ui/devices?q=spk-b2")
    phone = await login(chromium_browser, live, "admin", viewport=(375, 812))
    await screenshot(phone, "dashboard-phone")
