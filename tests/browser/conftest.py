"""A live server with a broker of its own, a seeded province (tests/support/province.py), users per role, Chromium.

Every browser test gets: ``live`` (the started server, areas of the Gia Lai sample and ``DEVICES`` in two
communes, a user per role with ``PASSWORD``), ``chromium_browser`` (the system Chromium through Playwright),
and ``login(browser, live, username)`` returns a logged-in page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from source_server.broker import free_port
from source_server.config import Settings
from source_server.serve import LiveServer, live_server
from tests.browser.support import chromium
from tests.support.province import (
    COMMUNE_A,
    COMMUNE_B,
    FULL_NAMES,
    PASSWORD,
    PROVINCE,
    USERS,
    device_inputs,
    fleet_for,
    seed,
)

pytestmark = pytest.mark.broker


@pytest.fixture
async def live(settings: Settings, fresh_broker_url: str) -> AsyncIterator[LiveServer]:
    """The whole server (API, pages, presence, dispatch) on a free port, seeded, with a broker of its own (the
    agents' retained states must not reach the next test)."""
    settings = settings.model_copy(update={"http_port": free_port(), "mqtt_url": fresh_broker_url})
    async with live_server(settings) as srv:
        seed(srv)
        await srv.runtime.presence.refresh_devices()
        yield srv


@pytest.fixture
async def chromium_browser() -> AsyncIterator[Browser]:
    """The system Chromium, headless."""
    async with chromium() as browser:
        yield browser


async def login(
    browser: Browser, live: LiveServer, username: str, *, lang: str = "vi", viewport: tuple[int, int] = (1366, 768)
) -> Page:
    """A new page logged in as ``username`` through the real log-in form."""
    context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="vi-VN")
    page = await context.new_page()
    await page.goto(f"{live.url}/login?lang={lang}")
    await page.get_by_label("Tên đăng nhập" if lang == "vi" else "Username").fill(username)
    await page.get_by_label("Mật khẩu" if lang == "vi" else "Password").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập" if lang == "vi" else "Log in").click()
    await page.wait_for_url(f"{live.url}/ui/**")
    return page


__all__ = [
    "COMMUNE_A",
    "COMMUNE_B",
    "FULL_NAMES",
    "PASSWORD",
    "PROVINCE",
    "USERS",
    "device_inputs",
    "fleet_for",
    "login",
    "seed",
]
