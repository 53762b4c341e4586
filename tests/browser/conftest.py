"""A live server on the session's database and broker, a seeded province, users per role, and Chromium.

Every browser test gets: ``live`` (the started server, areas of the Gia Lai sample and ``DEVICES`` in two
communes, a user per role with ``PASSWORD``), ``chromium_browser`` (the system Chromium through Playwright),
and ``login(browser, live, username)`` returns a logged-in page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
from playwright.async_api import Browser, Page

from device_agent.mqtt import parse_broker_url
from simulators.fleet import Fleet, FleetOptions
from simulators.layout import DeviceSpec
from source_server.accounts.service import Role, create_user
from source_server.broker import free_port
from source_server.config import Settings
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from source_server.serve import LiveServer, live_server
from tests.browser.support import chromium

pytestmark = pytest.mark.broker

PROVINCE, COMMUNE_A, COMMUNE_B = "64", "23563", "23575"
PASSWORD = "mật-khẩu-trình-duyệt-2026"
USERS: dict[str, tuple[tuple[Role, str], ...]] = {
    "admin": ((Role.PROVINCE_ADMIN, PROVINCE),),
    "operator": ((Role.PROVINCE_OPERATOR, PROVINCE),),
    "editor-a": ((Role.COMMUNE_EDITOR, COMMUNE_A),),
    "approver-a": ((Role.COMMUNE_APPROVER, COMMUNE_A),),
    "viewer-b": ((Role.VIEWER, COMMUNE_B),),
}
FULL_NAMES = {"admin": "Trần Văn Quản", "operator": "Lê Thị Vận Hành", "editor-a": "Nguyễn Thị Biên Tập"}


def device_inputs() -> list[DeviceInput]:
    """Six speakers and a board in commune A (two villages), four speakers and a board in commune B."""
    out = []
    for i in range(6):
        village = f"{COMMUNE_A}-0{1 + i % 2}"
        out.append(
            DeviceInput(
                id=f"spk-a{i}",
                kind="speaker",
                commune_code=COMMUNE_A,
                village_code=village,
                name=f"Cụm loa Tổ {1 + i % 2} số {i}",
                vendor="Hanel" if i % 2 else "VNPT",
                lat=13.98 + 0.004 * i,
                lon=108.0 + 0.003 * i,
            )
        )
    out.append(DeviceInput(id="brd-a0", kind="eboard", commune_code=COMMUNE_A, name="Bảng tin UBND phường"))
    for i in range(4):
        out.append(
            DeviceInput(
                id=f"spk-b{i}",
                kind="speaker",
                commune_code=COMMUNE_B,
                name=f"Cụm loa Hội Phú {i}",
                vendor="VNPT",
                lat=14.02 + 0.004 * i,
                lon=108.05 + 0.003 * i,
            )
        )
    out.append(DeviceInput(id="brd-b0", kind="eboard", commune_code=COMMUNE_B, name="Bảng tin Hội Phú"))
    return out


def seed(srv: LiveServer) -> None:
    """Areas, devices and one user per role (all with ``PASSWORD``)."""
    with srv.runtime.sessions.begin() as db:
        import_areas(db, SAMPLE_AREAS.read_bytes())
        for data in device_inputs():
            create_device(db, data=data)
        for username, grants in USERS.items():
            create_user(db, username=username, full_name=FULL_NAMES.get(username, ""), grants=grants, password=PASSWORD)


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


def fleet_for(live: LiveServer, device_ids: Sequence[str]) -> Fleet:
    """Simulated agents (real MQTT, real signature checks) for some of the seeded devices; call ``start()``."""
    by_id = {d.id: d for d in device_inputs()}
    specs = [
        DeviceSpec(i, tuple(c for c in (PROVINCE, by_id[i].commune_code, by_id[i].village_code) if c))
        for i in device_ids
    ]
    addr = parse_broker_url(live.runtime.broker.url)
    signer = live.runtime.signer
    options = FleetOptions(
        broker_host=addr.host,
        broker_port=addr.port,
        server_keys={signer.kid: signer.public_b64()},
        heartbeat_s=1,
        keepalive_s=5,
        ramp_per_s=0,
        backoff_base_s=0.2,
        backoff_cap_s=1,
    )
    return Fleet(specs, options)
