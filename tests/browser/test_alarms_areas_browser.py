"""Alarms and areas in a real browser: a device dies, the alarm arrives live, the operator acknowledges it;
the areas tree and a merger preview. Screenshots: alarms, alarms-phone, areas, areas-merge-preview."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiomqtt
import pytest
from playwright.async_api import Browser, expect

from protocols import StateMessage, device_topic, dump
from source_server.config import Settings
from source_server.db import utcnow
from source_server.fleet.models import Alarm
from source_server.mqtt import parse_broker_url
from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, COMMUNE_B, login
from tests.browser.support import screenshot

OFFLINE_AFTER_S = 2.0


@pytest.fixture
def settings(settings: Settings, fresh_broker_url: str) -> Settings:
    """A private broker (retained states stay here) and an offline alarm after 2 s instead of 10 min."""
    return settings.model_copy(update={"mqtt_url": fresh_broker_url, "offline_alarm_after_s": OFFLINE_AFTER_S})


@asynccontextmanager
async def device(broker_url: str, device_id: str) -> AsyncIterator[aiomqtt.Client]:
    """A device connection announcing itself online (retained, as the protocol says)."""
    host, port, _ = parse_broker_url(broker_url)
    session = int(utcnow().timestamp())
    will = aiomqtt.Will(device_topic(device_id, "state"), dump(StateMessage(online=False, session=session)), 1, True)
    async with aiomqtt.Client(host, port, identifier=f"{device_id}-{session}", will=will, keepalive=5) as c:
        await c.publish(device_topic(device_id, "state"), dump(StateMessage(online=True, session=session)), 1, True)
        yield c
        # dying: the retained offline state the broker would publish from the Will
        await c.publish(device_topic(device_id, "state"), dump(StateMessage(online=False, session=session)), 1, True)


def older_alarms(live: LiveServer) -> None:
    """History to look at: a flapping alarm still open in commune B and a cleared offline one in commune A."""
    now = utcnow()
    with live.runtime.sessions.begin() as db:
        db.add(
            Alarm(
                device_id="spk-b1",
                kind="flapping",
                opened_at=now - timedelta(hours=3, minutes=10),
                detail="7 disconnects within 600 s",
            )
        )
        db.add(
            Alarm(
                device_id="spk-a3",
                kind="offline",
                opened_at=now - timedelta(days=1, hours=2),
                cleared_at=now - timedelta(hours=20),
                acked_at=now - timedelta(days=1),
                acked_by="admin",
                comment="Mất điện lưới khu vực, điện lực đã khắc phục.",
                detail=f"offline since {(now - timedelta(days=1, hours=2, minutes=10)).isoformat()}",
            )
        )


async def test_a_dead_device_raises_an_alarm_live_and_the_operator_acknowledges_it(
    live: LiveServer, chromium_browser: Browser, settings: Settings
) -> None:
    older_alarms(live)
    async with device(settings.mqtt_url, "spk-a1"):
        page = await login(chromium_browser, live, "operator")
        await page.goto(f"{live.url}/ui/alarms")
        await expect(page.locator("h1")).to_have_text("Cảnh báo thiết bị")
        await expect(page.locator("#open-alarm-count")).to_have_text("1")
        await expect(page.locator("#alarm-live")).to_be_hidden()
        await page.wait_for_timeout(300)  # the websocket is open before the device dies
    # the device is gone: after OFFLINE_AFTER_S the alarm opens, arrives over the websocket, counts follow
    await expect(page.locator("#alarm-live")).to_be_visible(timeout=OFFLINE_AFTER_S * 1000 + 8000)
    await expect(page.locator("#open-alarm-count")).to_have_text("2", timeout=5000)
    await expect(page.locator('.count[data-kind="offline"]')).to_have_text("1", timeout=5000)
    await page.get_by_role("link", name="Tải lại trang").click()
    row = page.locator("tr", has=page.get_by_role("link", name="spk-a1", exact=True))
    await expect(row).to_contain_text("Mất kết nối quá lâu")
    await expect(row).to_contain_text("Phường Pleiku")
    await screenshot(page, "alarms")

    await row.get_by_label("Ghi chú xử lý").fill("Đã gọi cán bộ phường kiểm tra nguồn điện cụm loa.")
    await row.get_by_role("button", name="Xác nhận").click()
    await expect(page).to_have_url(re.compile(r"/ui/alarms\?done=\d+#alarm-\d+$"))
    await expect(page.get_by_role("status").first).to_contain_text("Đã xác nhận cảnh báo của thiết bị spk-a1")
    row = page.locator("tr", has=page.get_by_role("link", name="spk-a1", exact=True))
    await expect(row).to_contain_text("Đã xác nhận bởi operator")
    await expect(row).to_contain_text("Đã gọi cán bộ phường kiểm tra nguồn điện cụm loa.")
    await expect(row.get_by_role("button", name="Xác nhận")).to_have_count(0)
    with live.runtime.sessions() as db:
        alarm = db.query(Alarm).filter(Alarm.device_id == "spk-a1").one()
        assert (alarm.acked_by, alarm.cleared_at) == ("operator", None)

    phone = await login(chromium_browser, live, "operator", viewport=(375, 812))
    await phone.goto(f"{live.url}/ui/alarms?state=all")
    await expect(phone.get_by_role("link", name="spk-b1", exact=True)).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    await screenshot(phone, "alarms-phone")

    viewer = await login(chromium_browser, live, "viewer-b")
    await viewer.goto(f"{live.url}/ui/alarms")
    await expect(viewer.get_by_role("link", name="spk-b1", exact=True)).to_be_visible()
    await expect(viewer.get_by_role("link", name="spk-a1", exact=True)).to_have_count(0)
    await expect(viewer.get_by_role("button", name="Xác nhận")).to_have_count(0)


async def test_the_areas_tree_and_a_merger_preview(live: LiveServer, chromium_browser: Browser) -> None:
    page = await login(chromium_browser, live, "operator")
    await page.goto(f"{live.url}/ui/areas")
    await expect(page.locator("h1")).to_have_text("Địa bàn")
    province = page.locator("li.level-province > details > summary")
    await expect(province).to_contain_text("Gia Lai")
    await expect(province).to_contain_text("12 thiết bị")
    await page.get_by_role("button", name="Mở tất cả").click()
    await expect(page.get_by_text("Tổ dân phố Hội Phú 2")).to_be_visible()
    await screenshot(page, "areas")

    await page.get_by_label("Chuyển từ xã/phường").select_option(COMMUNE_B)
    await page.get_by_label("Sang xã/phường").select_option(COMMUNE_A)
    await page.get_by_role("button", name="Xem trước").click()
    await expect(page.locator("h1")).to_have_text("Xem trước việc chuyển thiết bị")
    await expect(page.locator("#merge-device-count")).to_have_text("5")
    await expect(page.locator("#merge-village-count")).to_have_text("2")
    for device_id in ("brd-b0", "spk-b0", "spk-b3"):
        await expect(page.get_by_role("link", name=device_id, exact=True)).to_be_visible()
    await screenshot(page, "areas-merge-preview")

    await page.get_by_role("button", name="Xác nhận chuyển").click()
    await expect(page.get_by_role("status").first).to_contain_text(
        "Đã chuyển 5 thiết bị và 2 thôn/tổ dân phố từ Phường Hội Phú (23575) sang Phường Pleiku (23563)."
    )
    commune_a = page.locator("li.level-commune", has_text="Phường Pleiku").locator("summary").first
    await expect(commune_a).to_contain_text("12 thiết bị")

    editor = await login(chromium_browser, live, "editor-a")
    await editor.goto(f"{live.url}/ui/areas")
    await expect(editor.get_by_text("Phường Pleiku")).to_be_visible()
    await expect(editor.get_by_role("button", name="Xem trước")).to_have_count(0)
    await expect(editor.get_by_role("button", name="Nhập tệp")).to_have_count(0)
