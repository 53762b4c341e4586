"""The device list and page in a real browser: filter, open a device, watch it come online live, set its volume."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Browser, Dialog, expect

from device_agent import Agent, AgentConfig, NullPlayer, parse_broker_url
from protocols import Keyring
from source_server.db import utcnow
from source_server.fleet.models import DeviceEvent
from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, login
from tests.browser.support import screenshot


def _agent(live: LiveServer, device_id: str, village: str) -> Agent:
    """A simulated speaker that trusts the live server's key, on the test broker."""
    signer = live.runtime.signer
    addr = parse_broker_url(live.runtime.settings.mqtt_url)
    return Agent(
        AgentConfig(
            device_id=device_id,
            password=None,
            keyring=Keyring({signer.kid: signer.public_b64()}),
            area_path=("64", COMMUNE_A, village),
            broker_host=addr.host,
            broker_port=addr.port,
            player=NullPlayer(),
            heartbeat_s=1,
            keepalive_s=10,
            backoff_base_s=0.1,
            backoff_cap_s=0.5,
            firmware="loa-2.4.1",
        )
    )


def _history(live: LiveServer, device_id: str) -> None:
    """Four weeks of past connectivity: up most of each day, down a few hours, a bad week in the middle."""
    now = utcnow()
    with live.runtime.sessions.begin() as db:
        for day in range(28, 1, -1):
            down_h = 14 if 12 <= day <= 16 else day % 4
            up_at = now - timedelta(days=day, hours=-1)
            db.add(DeviceEvent(device_id=device_id, kind="connected", at=up_at, commune_code=COMMUNE_A, session=day))
            db.add(DeviceEvent(device_id=device_id, kind="disconnected", at=up_at + timedelta(hours=24 - down_h),
                               commune_code=COMMUNE_A, session=day))  # fmt: skip


async def test_an_operator_filters_opens_a_device_sees_it_come_online_and_sets_its_volume(
    live: LiveServer, chromium_browser: Browser
) -> None:
    _history(live, "spk-a0")
    page = await login(chromium_browser, live, "operator")
    await page.get_by_role("link", name="Thiết bị", exact=True).click()
    await expect(page.locator("h1")).to_have_text("Thiết bị")
    await expect(page.locator("tbody tr")).to_have_count(12)  # every device of the province
    await page.get_by_label("Xã / phường").select_option(label="Phường Pleiku")
    await page.get_by_label("Trạng thái", exact=True).select_option(label="Chưa từng kết nối")
    await page.get_by_role("button", name="Lọc", exact=True).click()
    await expect(page).to_have_url(re.compile(r"status=never_seen.*commune=23563|commune=23563.*status=never_seen"))
    await expect(page.locator("tbody tr")).to_have_count(7)
    await expect(page.get_by_text("Tìm thấy 7 thiết bị, đang hiển thị 1–7.")).to_be_visible()
    await expect(page.locator("tbody tr").first.locator(".status")).to_have_text("– Chưa từng kết nối")
    await screenshot(page, "devices-list")

    await page.get_by_role("link", name="spk-a0", exact=True).click()
    await expect(page.locator("h1")).to_contain_text("Cụm loa Tổ 1 số 0")
    badge = page.locator("#device-status")
    await expect(badge).to_contain_text("Chưa từng kết nối")
    await expect(page.locator("[data-live-ready]")).to_have_count(1)  # the websocket is open
    agent = _agent(live, "spk-a0", f"{COMMUNE_A}-01")
    agent.start()
    try:
        await agent.wait_connected()
        await expect(badge).to_contain_text("Trực tuyến", timeout=5000)  # no reload
        await expect(page.locator("#timeline li").first).to_contain_text("Đã kết nối")

        await page.get_by_label("Âm lượng mới (0–100)").fill("170")
        await page.get_by_role("button", name="Đặt âm lượng", exact=True).click()
        result = page.locator("#action-result")
        await expect(result).to_have_text("Vui lòng nhập âm lượng là số nguyên từ 0 đến 100.")
        await page.get_by_label("Âm lượng mới (0–100)").fill("70")
        await page.get_by_role("button", name="Đặt âm lượng", exact=True).click()
        await expect(result).to_contain_text("Đã gửi lệnh")
        row = page.locator("#device-commands tbody tr").first
        await expect(row).to_contain_text("Đặt âm lượng: 70")
        await expect(row).to_contain_text("Hoàn tất", timeout=15000)  # the device's ack, without reload
        assert agent.volume == 70

        dialogs: list[str] = []

        async def dismiss(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            await dialog.dismiss()

        page.once("dialog", dismiss)
        await page.get_by_role("button", name="Khởi động lại").click()
        await expect(page.locator("#device-commands tbody tr")).to_have_count(1)  # cancelled: nothing sent
        assert dialogs and dialogs[0].startswith("Khởi động lại thiết bị này?")

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        page.once("dialog", accept)
        await page.get_by_role("button", name="Cấp lại mật khẩu MQTT").click()
        await expect(page.locator("#credential-result")).to_be_visible()
        await expect(page.locator("#credential-result")).to_contain_text("chỉ hiển thị một lần")
        assert len(await page.locator("#credential-password").text_content() or "") >= 40
        await expect(page.locator("#state-credentials")).to_contain_text("Cấp lúc")
        await screenshot(page, "device-page")

        phone = await login(chromium_browser, live, "operator", viewport=(375, 812))
        await phone.goto(f"{live.url}/ui/devices/spk-a0")
        await expect(phone.locator("#device-status")).to_contain_text("Trực tuyến")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone ({width} px)"
        await screenshot(phone, "device-page-phone")
        await phone.goto(f"{live.url}/ui/devices?commune={COMMUNE_A}")
        assert await phone.evaluate("document.documentElement.scrollWidth") <= 375
        await screenshot(phone, "devices-list-phone")
    finally:
        await agent.stop()


async def test_a_commune_viewer_sees_only_their_commune_and_no_actions(
    live: LiveServer, chromium_browser: Browser
) -> None:
    page = await login(chromium_browser, live, "viewer-b")
    await page.goto(f"{live.url}/ui/devices")
    await expect(page.locator("tbody tr")).to_have_count(5)
    await expect(page.locator("tbody")).not_to_contain_text("spk-a")
    await page.get_by_role("link", name="spk-b0", exact=True).click()
    await expect(page.locator("#device-status")).to_contain_text("Chưa từng kết nối")
    await expect(page.get_by_role("button", name="Đặt âm lượng", exact=True)).to_have_count(0)
    await expect(page.get_by_role("button", name="Khởi động lại")).to_have_count(0)
    response = await page.goto(f"{live.url}/ui/devices/spk-a0")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("alert")).to_contain_text("Không có thiết bị “spk-a0” trong địa bàn của bạn.")
