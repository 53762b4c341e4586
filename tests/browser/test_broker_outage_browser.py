"""A broker outage seen from the dashboard: a banner appears live, the devices are counted unverified, not online,
and when the broker is back the devices reconnect without a single one counted offline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from source_server.broker import free_port
from source_server.config import Settings
from source_server.serve import LiveServer, live_server
from tests.browser.conftest import COMMUNE_A, fleet_for, login, seed
from tests.browser.support import screenshot
from tests.support.brokers import MosquittoProcess

A_DEVICES = ["spk-a0", "spk-a1", "spk-a2", "spk-a3"]


@pytest.fixture
async def outage_live(settings: Settings) -> AsyncIterator[tuple[LiveServer, MosquittoProcess]]:
    """The whole server on a Mosquitto the test stops and starts."""
    mosq = MosquittoProcess(persistence=True)
    mosq.start()
    try:
        update = {"http_port": free_port(), "mqtt_url": mosq.url, "reconnect_window_s": 60}
        async with live_server(settings.model_copy(update=update)) as srv:
            seed(srv)
            await srv.runtime.presence.refresh_devices()
            yield srv, mosq
    finally:
        mosq.stop()


async def test_the_dashboard_says_the_broker_is_down_and_no_device_goes_offline(
    outage_live: tuple[LiveServer, MosquittoProcess], chromium_browser: Browser
) -> None:
    live, mosq = outage_live
    fleet = fleet_for(live, A_DEVICES)
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        page = await login(chromium_browser, live, "operator")
        cell = lambda status: page.locator(f'#commune-table tr[data-commune="{COMMUNE_A}"] [data-count="{status}"]')  # noqa: E731
        await expect(cell("online")).to_have_text("4", timeout=10_000)
        banner = page.locator("#broker-banner")
        await expect(banner).to_be_hidden()

        await asyncio.to_thread(mosq.stop)
        await expect(banner).to_be_visible(timeout=10_000)
        await expect(banner).to_contain_text("mất kết nối tới MQTT broker")
        await expect(cell("unverified")).to_have_text("4", timeout=10_000)
        await expect(cell("online")).to_have_text("0")
        await expect(cell("offline")).to_have_text("0")
        await screenshot(page, "dashboard-broker-down")

        await asyncio.to_thread(mosq.start)
        await expect(banner).to_be_hidden(timeout=20_000)
        await expect(cell("online")).to_have_text("4", timeout=30_000)
        await expect(cell("offline")).to_have_text("0")
    finally:
        await fleet.stop()
