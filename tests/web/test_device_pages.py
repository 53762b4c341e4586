"""The device list and the device page over HTTP (no browser): filters, pages, scope, actions, bad input, language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.fleet.models import Device
from tests.web.auth_support import browser, csrf_of, login, make_app
from tests.web.device_support import A, B, add_dispatch, seed_commands, seed_province

ROW = re.compile(r'<tr data-device-id="([^"]+)"')


@pytest.fixture
def seeded(db: sessionmaker[Session]) -> sessionmaker[Session]:
    seed_province(db)
    return db


@asynccontextmanager
async def _as(db: sessionmaker[Session], tmp_path: Path, username: str) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(make_app(db, tmp_path)) as client:
        assert (await login(client, username)).status_code == 303
        yield client


def _ids(html: str) -> list[str]:
    return ROW.findall(html)


def _href(html: str, rel: str) -> str:
    m = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    assert m, f"no {rel} link"
    return m.group(1).replace("&amp;", "&")


async def test_the_list_pages_by_50_filters_and_searches(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    async with _as(seeded, tmp_path, "operator") as c:
        first = await c.get("/ui/devices")
        assert first.status_code == 200 and "<h1>Thiết bị</h1>" in first.text
        assert _ids(first.text) == sorted(_ids(first.text)) and len(_ids(first.text)) == 50
        assert "Tìm thấy 62 thiết bị, đang hiển thị 1–50." in first.text and "Trang 1 / 2" in first.text
        second = await c.get(_href(first.text, "next"))
        assert len(_ids(second.text)) == 12 and not set(_ids(second.text)) & set(_ids(first.text))
        assert 'rel="next"' not in second.text and 'rel="prev"' in second.text

        offline = await c.get("/ui/devices", params={"status": "offline", "commune": A})
        assert _ids(offline.text) == [f"spk-a{i:02d}" for i in range(0, 55, 5)]
        assert offline.text.count('class="status status-offline"') == 11 and "Mất kết nối" in offline.text
        assert "24/11/2026 14:05" in offline.text  # since, in Vietnam time

        never = await c.get("/ui/devices", params={"status": "never_seen"})
        assert len(_ids(never.text)) == 45 and "Chưa từng kết nối" in never.text and 'rel="next"' not in never.text
        speakers = await c.get("/ui/devices", params={"kind": "speaker", "q": "spk"})
        assert _href(speakers.text, "next") == "/ui/devices?q=spk&kind=speaker&page=2"  # the filters are kept
        assert len(_ids((await c.get(_href(speakers.text, "next"))).text)) == 11
        assert (await c.get("/ui/devices", params={"kind": "eboard"})).text.count("<tr data-device-id") == 1
        village = await c.get("/ui/devices", params={"commune": A, "village": f"{A}-02", "vendor": "Hanel"})
        assert _ids(village.text) == [f"spk-a{i:02d}" for i in range(3, 55, 6)]
        assert "Tổ dân phố 2" in village.text and "Phường Pleiku" in village.text
        by_name = await c.get("/ui/devices", params={"q": "Hội Phú"})
        assert _ids(by_name.text) == [f"spk-b{i}" for i in range(6)]
        by_id = await c.get("/ui/devices", params={"q": "a4"})
        assert _ids(by_id.text) == [f"spk-a{i}" for i in range(40, 50)]
        none = await c.get("/ui/devices", params={"q": "không-có-thiết-bị-này"})
        assert none.status_code == 200 and _ids(none.text) == []
        assert "Không có thiết bị nào khớp với bộ lọc." in none.text
        assert 'for="f-q"' in first.text and 'for="f-status"' in first.text and 'for="f-commune"' in first.text


async def test_a_commune_user_sees_only_their_commune(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    async with _as(seeded, tmp_path, "viewer-b") as c:
        page = await c.get("/ui/devices")
        assert _ids(page.text) == [f"spk-b{i}" for i in range(6)]
        options = re.search(r'<select id="f-commune".*?</select>', page.text, re.S)
        assert options and re.findall(r'<option value="([^"]*)"', options.group(0)) == [B]
        other = await c.get("/ui/devices", params={"commune": A})
        assert other.status_code == 400 and "Không có xã, phường này trong địa bàn của bạn." in other.text
        assert _ids(other.text) == []
        hidden = await c.get("/ui/devices/spk-a00")
        missing = await c.get("/ui/devices/no-such-device")
        assert hidden.status_code == missing.status_code == 404
        assert "Không có thiết bị “spk-a00” trong địa bàn của bạn." in hidden.text
        assert "Cụm loa Tổ" not in hidden.text  # nothing of the device leaks
        assert (await c.get("/ui/devices/spk-a00/commands")).status_code == 404
        odd = await c.get("/ui/devices/<b>x")
        assert odd.status_code == 404 and "“&lt;b&gt;x”" in odd.text and "<b>x" not in odd.text
        assert (await c.get("/ui/devices/spk-b0")).status_code == 200


async def test_the_device_page_shows_state_history_uptime_and_commands(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    app = make_app(seeded, tmp_path)
    seed_commands(seeded, app.state.runtime.settings, add_dispatch(app))
    async with browser(app) as c:
        await login(c, "operator")
        page = await c.get("/ui/devices/spk-a00")
    html = page.text
    assert page.status_code == 200 and "Cụm loa Tổ 1 số 0" in html
    assert 'id="device-status" data-status="offline"' in html and "Mất kết nối" in html
    assert "24/11/2026 14:05:00" in html and "2.4.1" in html and "1700000000" in html
    assert "Gia Lai › Phường Pleiku › Tổ dân phố 1" in html and "truong-hoc" in html and "cột-cao" in html
    assert "-71 dBm" in html and "41,5 °C" in html and "1 ngày 2 giờ" in html and "HL-200" in html
    timeline = re.search(r'<ol class="timeline".*?</ol>', html, re.S)
    assert timeline
    labels = re.findall(r'<span class="event-label">([^<]+)</span>', timeline.group(0))
    stale = "Im lặng (không nhận được tín hiệu định kỳ)"
    assert labels == ["Mất kết nối", "Đã kết nối", "Có tín hiệu trở lại", stale, "Đã kết nối"]  # newest first
    assert "Phiên 1 → 2" in timeline.group(0)
    assert html.count('<rect class="bar') == 30 and "Trung bình 30 ngày" in html
    assert html.count('<rect class="bar poor"') < 30 and 'id="uptime-average">0,0 %<' not in html  # ~47 h online
    assert len(re.findall(r"<title>\d\d/\d\d/\d{4}: [\d,]+ %</title>", html)) == 30
    commands = re.findall(r'<tr data-command-id="([^"]+)"', html)
    assert len(commands) == 3
    table = html[html.index("command-table") :]
    states = re.findall(r'<span class="delivery delivery-([a-z_]+)">([^<]+)</span>', table)
    assert states == [("done", "Hoàn tất"), ("failed", "Thất bại"), ("not_reached", "Không tới được thiết bị")]
    assert "Đặt âm lượng: 65" in table and "Khởi động lại (5 s)" in table and "Lý do: watchdog refused" in table


async def test_actions_are_shown_to_operators_only_and_the_api_refuses_the_others(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    app = make_app(seeded, tmp_path)
    add_dispatch(app)
    for username, device in (("viewer", "spk-a00"), ("editor-a", "spk-a00"), ("viewer-b", "spk-b0")):
        async with browser(app) as c:
            await login(c, username)
            page = await c.get(f"/ui/devices/{device}")
            assert page.status_code == 200 and "device-actions" not in page.text
            assert 'data-command="reboot"' not in page.text and "credentials-button" not in page.text
            headers = {"X-CSRF-Token": csrf_of(page.text)}
            sent = await c.post(f"/api/v1/devices/{device}/commands", json={"type": "reboot"}, headers=headers)
            issued = await c.post(f"/api/v1/devices/{device}/credentials", headers=headers)
            assert (sent.status_code, issued.status_code) == (403, 403), username
    async with browser(app) as c:
        await login(c, "operator")
        page = await c.get("/ui/devices/spk-a00")
        assert "Điều khiển thiết bị" in page.text and 'data-command="reboot"' in page.text
        assert 'id="volume-input"' in page.text and 'role="status"' in page.text
        headers = {"X-CSRF-Token": csrf_of(page.text)}
        bad = await c.post(
            "/api/v1/devices/spk-a00/commands", json={"type": "set_volume", "volume": 101}, headers=headers
        )
        assert bad.status_code == 422
        sent = await c.post(
            "/api/v1/devices/spk-a00/commands", json={"type": "set_volume", "volume": 40}, headers=headers
        )
        assert sent.status_code == 201
        fragment = await c.get("/ui/devices/spk-a00/commands")
        assert sent.json()["id"] in fragment.text and "Đặt âm lượng: 40" in fragment.text
        assert "Đang chờ thiết bị nhận" in fragment.text and "<html" not in fragment.text
    with seeded() as s:
        actions = {e.action for e in s.query(AuditEntry).filter(AuditEntry.actor == "operator")}
    assert "command.set_volume" in actions


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "broken"}, "Trạng thái không hợp lệ."),
        ({"kind": "toaster"}, "Loại thiết bị không hợp lệ."),
        ({"page": "-1"}, "Số trang phải là số nguyên dương."),
        ({"page": "abc"}, "Số trang phải là số nguyên dương."),
        ({"page": "0"}, "Số trang phải là số nguyên dương."),
        ({"page": "10000000000000000000000"}, "Số trang phải là số nguyên dương."),
        ({"q": "x" * 65}, "Nội dung tìm kiếm dài quá 64 ký tự."),
        ({"commune": "99999"}, "Không có xã, phường này trong địa bàn của bạn."),
        ({"commune": A, "village": "23575-01"}, "Không có thôn, tổ dân phố này trong xã, phường đã chọn."),
    ],
)
async def test_bad_filter_values_get_a_clear_400_page(
    seeded: sessionmaker[Session], tmp_path: Path, params: dict[str, str], message: str
) -> None:
    async with _as(seeded, tmp_path, "operator") as c:
        page = await c.get("/ui/devices", params=params)
    assert page.status_code == 400 and message in page.text and 'role="alert"' in page.text
    assert _ids(page.text) == [] and 'action="/ui/devices"' in page.text


async def test_a_page_past_the_end_shows_the_last_page(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    async with _as(seeded, tmp_path, "operator") as c:
        page = await c.get("/ui/devices", params={"page": "40", "status": "offline"})
    assert page.status_code == 200 and len(_ids(page.text)) == 11 and "Trang 1 / 1" in page.text


async def test_english_on_request_and_log_in_first(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    async with browser(make_app(seeded, tmp_path)) as anonymous:
        went = await anonymous.get("/ui/devices/spk-a00")
        assert went.status_code == 303 and went.headers["location"].startswith("/login?next=")
    async with _as(seeded, tmp_path, "operator") as c:
        listing = await c.get("/ui/devices", params={"lang": "en", "status": "online"})
        assert "<h1>Devices</h1>" in listing.text and "Online" in listing.text and "Last seen" in listing.text
        assert "Trực tuyến" not in listing.text.split("<main", 1)[1]
        device = await c.get("/ui/devices/spk-a00")  # the language is remembered
        assert "Connectivity history" in device.text and "Disconnected" in device.text
        assert "Device actions" in device.text and "30-day average" in device.text
        assert "41.5 °C" in device.text


async def test_the_device_page_says_what_the_device_can_play(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    with seeded.begin() as s:
        s.execute(update(Device).where(Device.id == "brd-a0").values(capabilities="text image"))
    async with _as(seeded, tmp_path, "operator") as c:
        speaker = (await c.get("/ui/devices/spk-a00")).text
        board = (await c.get("/ui/devices/brd-a0")).text
        english = (await c.get("/ui/devices/brd-a0", params={"lang": "en"})).text
    assert '<dd id="state-renders">âm thanh (mặc định theo loại thiết bị)</dd>' in speaker
    assert '<dd id="state-renders">chữ, hình ảnh (thiết bị tự khai báo)</dd>' in board
    assert '<dd id="state-renders">text, images (announced by the device)</dd>' in english and "Can play" in english
