"""The proof-of-play device list: every count of the proof page links to the devices it counts; the list is the
caller's communes only, says why it refuses a bad filter, and exports as CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.service import Role
from tests.bulletins.proof_support import A_DEVICES, B_DEVICES, LIVE_ACKS, A, B, Played, seed_played
from tests.web.auth_support import add_user, browser, login, make_app

Client = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]
USERS = {
    "viewer-a": (Role.VIEWER, A),
    "viewer-b": (Role.VIEWER, B),
    "admin": (Role.PROVINCE_ADMIN, "64"),
}


@pytest.fixture
def played(db: sessionmaker[Session], tmp_path: Path) -> Played:
    return seed_played(db, tmp_path)


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path, played: Played) -> Client:
    for name, grant in USERS.items():
        add_user(db, name, grant)
    app = make_app(db, tmp_path)

    @asynccontextmanager
    async def as_user(name: str) -> AsyncIterator[httpx.AsyncClient]:
        async with browser(app) as c:
            assert (await login(c, name)).status_code == 303
            yield c

    return as_user


def devices_in(page: str) -> list[str]:
    return re.findall(r'<tr data-device-id="([^"]+)"', page)


def links(page: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'href="([^"]*/proof/devices[^"]*)"', page)}


async def test_the_proof_page_links_every_count_to_its_devices(client: Client, played: Played) -> None:
    base = f"/ui/bulletins/{played.bulletin_id}/proof/devices"
    async with client("viewer-a") as c:
        proof = await c.get(f"/ui/bulletins/{played.bulletin_id}/proof")
        emergency_view = await c.get(f"/ui/emergency/{played.bulletin_id}")
    assert proof.status_code == 200 and "Xem từng thiết bị" in proof.text
    found = links(proof.text)
    assert {base, f"{base}?state=failed", f"{base}?state=not_reached"} <= found  # the counts by state
    assert {f"{base}?commune={A}", f"{base}?commune={A}&state=pending"} <= found  # the commune rows
    assert f"{base}?command={played.expired}&state=not_reached" in found  # the plays
    assert not any(f"commune={B}" in h for h in found)  # commune A's reader: B is not on their proof
    assert links(emergency_view.text) == found


async def test_a_commune_count_drills_down_to_its_devices_with_their_times_and_reasons(
    client: Client, played: Played
) -> None:
    url = f"/ui/bulletins/{played.bulletin_id}/proof/devices"
    async with client("viewer-a") as c:
        pending = await c.get(url, params={"commune": A, "state": "pending"})
        failed = await c.get(url, params={"commune": A, "state": "failed"})
        everything = await c.get(url)
        one_play = await c.get(url, params={"command": played.live})
    assert pending.status_code == 200
    assert sorted(devices_in(pending.text)) == sorted(set(A_DEVICES) - set(LIVE_ACKS))
    assert 'href="/ui/devices/spk-a3"' in pending.text and "Cụm loa Tổ 2 số 3" in pending.text
    assert "Phường Pleiku" in pending.text and "Đang chờ thiết bị nhận" in pending.text
    assert "4 dòng (mỗi dòng là một thiết bị trong một lượt phát), đang xem 1–4." in pending.text
    row = failed.text[failed.text.index('<tr data-device-id="spk-a2"') :].split("</tr>")[0]
    assert "Thất bại" in row and "download: timeout" in row
    assert len(re.findall(r"<time datetime=", row)) == 2  # received and finished, in local time
    assert re.search(r">\d\d/\d\d/\d{4} \d\d:\d\d:\d\d</time>", row)
    # all of commune A's rows of both plays, and nothing of commune B although the live play reached it
    assert sorted(devices_in(everything.text)) == sorted(A_DEVICES * 2)
    assert not any(d in everything.text for d in B_DEVICES) and "Hội Phú" not in everything.text
    assert "14 dòng" in everything.text and 'id="f-play"' in everything.text
    assert "7 thiết bị, đang xem 1–7." in one_play.text


async def test_another_communes_rows_and_bulletins_are_not_shown(client: Client, played: Played) -> None:
    url = f"/ui/bulletins/{played.bulletin_id}/proof/devices"
    async with client("viewer-a") as c:
        theirs = await c.get(url, params={"commune": B})
        theirs_csv = await c.get(url + ".csv", params={"commune": B})
    async with client("viewer-b") as c:
        not_theirs = await c.get(url, params={"commune": B})
        not_theirs_csv = await c.get(url + ".csv")
    async with client("admin") as c:
        province = await c.get(url, params={"commune": B})
    assert theirs.status_code == 422 and "nằm ngoài địa bàn của bạn" in theirs.text
    assert not any(d in theirs.text for d in B_DEVICES) and theirs_csv.status_code == 422
    assert not_theirs.status_code == 404 and not_theirs_csv.status_code == 404
    assert not any(d in not_theirs.text + not_theirs_csv.text for d in B_DEVICES + A_DEVICES)
    assert province.status_code == 200 and sorted(devices_in(province.text)) == sorted(B_DEVICES)


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"state": "played"}, "Tình trạng không có trong danh sách"),
        ({"command": "other"}, "Lượt phát này không thuộc bản tin"),
        ({"page": "abc"}, "Số trang không hợp lệ"),
        ({"state": "x" * 5000}, "Tình trạng không có trong danh sách"),
    ],
    ids=["unknown-state", "unknown-play", "bad-page", "long-value"],
)
async def test_bad_filters_say_what_is_wrong(client: Client, played: Played, params: dict[str, str], says: str) -> None:
    if params.get("command") == "other":
        params = {"command": played.other_play}  # a real play, of another bulletin
    async with client("viewer-a") as c:
        r = await c.get(f"/ui/bulletins/{played.bulletin_id}/proof/devices", params=params)
    assert r.status_code == 422 and says in r.text and 'role="alert"' in r.text
    assert devices_in(r.text) == [] and 'name="state"' in r.text  # the form stays, to choose again


async def test_the_list_in_english_and_as_csv(client: Client, played: Played) -> None:
    url = f"/ui/bulletins/{played.bulletin_id}/proof/devices"
    async with client("admin") as c:
        english = await c.get(url, params={"state": "not_reached", "lang": "en"})
        exported = await c.get(url + ".csv", params={"state": "failed", "lang": "vi"})
        everything = await c.get(url + ".csv")
    assert english.status_code == 200 and "Devices of the bulletin" in english.text
    assert "Not reached" in english.text and sorted(devices_in(english.text)) == sorted(set(A_DEVICES) - {"spk-a0"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Mã thiết bị", "Tên thiết bị", "Xã, phường"]
    assert [(r[0], r[2], r[4], r[-1]) for r in rows[1:]] == [
        ("spk-a2", "Phường Pleiku", "Thất bại", "download: timeout")
    ]
    assert len(list(csv.reader(io.StringIO(everything.text)))) == 1 + 19  # every page, not just the first
