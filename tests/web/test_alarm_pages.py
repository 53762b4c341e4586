"""The alarms page: scoped to the user's areas, filtered and paged on the server, acknowledged by operators only."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role
from source_server.db import utcnow
from source_server.fleet.models import Alarm
from tests.accounts.helpers import C1, C2, seed
from tests.web.auth_support import IP, add_user, browser, csrf_of, login, make_app


@pytest.fixture(autouse=True)
def _areas(db: sessionmaker[Session]) -> None:
    seed(db)


def add_alarm(
    db: sessionmaker[Session], device_id: str, kind: str = "offline", *, minutes_ago: int = 90, **kw: object
) -> int:
    """An alarm row opened ``minutes_ago`` (as the presence tracker writes it)."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    detail = f"offline since {at.isoformat()}" if kind == "offline" else "7 disconnects within 600 s"
    with db.begin() as s:
        alarm = Alarm(device_id=device_id, kind=kind, opened_at=at, detail=detail, **kw)
        s.add(alarm)
        s.flush()
        return alarm.id


def get_alarm(db: sessionmaker[Session], alarm_id: int) -> Alarm:
    with db() as s:
        alarm = s.get(Alarm, alarm_id)
        assert alarm is not None
        return alarm


def audited(db: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with db() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def ack_forms(html: str) -> list[str]:
    return re.findall(r'action="/ui/alarms/(\d+)/ack"', html)


async def test_a_commune_user_sees_only_their_communes_alarms_and_no_ack_form(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    a1, a2 = add_alarm(db, "d1"), add_alarm(db, "d2", "flapping")
    add_user(db, "editor", (Role.COMMUNE_EDITOR, C1))
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    app = make_app(db, tmp_path)
    async with browser(app) as c:
        await login(c, "editor")
        page = await c.get("/ui/alarms")
        assert page.status_code == 200
        assert 'href="/ui/devices/d1"' in page.text and "/ui/devices/d2" not in page.text
        assert "Mất kết nối quá lâu" in page.text and "Mất kết nối từ" in page.text
        assert ack_forms(page.text) == []
        assert (await c.get("/ui/alarms", params={"commune": C2})).status_code == 404
        assert (await c.get("/ui/alarms/counts")).json()["open_alarms"] == 1
    async with browser(app) as c:
        await login(c, "op")
        page = await c.get("/ui/alarms")
        assert sorted(ack_forms(page.text)) == sorted([str(a1), str(a2)])
        only_c2 = await c.get("/ui/alarms", params={"commune": C2})
        assert ack_forms(only_c2.text) == [str(a2)] and "Kết nối chập chờn" in only_c2.text
        assert "7 lần mất kết nối trong 10 phút" in only_c2.text
        counts = (await c.get("/ui/alarms/counts")).json()
        assert counts == {
            "open_alarms": 2,
            "by_kind": {"offline": 1, "flapping": 1, "takeover": 0, "download_failures": 0, "total": 2},
        }


async def test_a_takeover_alarm_is_shown_in_both_languages(db: sessionmaker[Session], tmp_path: Path) -> None:
    with db.begin() as s:
        s.add(Alarm(device_id="d1", kind="takeover", opened_at=utcnow(), detail="3 session takeovers within 600 s"))
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "op")
        vi = (await c.get("/ui/alarms", params={"kind": "takeover"})).text
        assert "Bị chiếm phiên kết nối" in vi and "kind-tag kind-takeover" in vi
        assert "3 lần phiên kết nối đang hoạt động bị thay thế trong 10 phút" in vi
        en = (await c.get("/ui/alarms", params={"kind": "takeover", "lang": "en"})).text
        assert "Connection taken over" in en and "3 live connections replaced within 10 min" in en
        assert (await c.get("/ui/alarms/counts")).json()["by_kind"]["takeover"] == 1
        assert [a["kind"] for a in (await c.get("/api/v1/alarms", params={"kind": "takeover"})).json()] == ["takeover"]


async def test_an_operator_acknowledges_with_a_comment_and_it_is_audited(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    alarm_id = add_alarm(db, "d1")
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"), full_name="Lê Vận Hành")
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "op")
        token = csrf_of((await c.get("/ui/alarms?kind=offline")).text)
        form = {"csrf_token": token, "comment": "  Đã gọi cán bộ xã kiểm tra nguồn điện  ", "back": "kind=offline"}
        done = await c.post(f"/ui/alarms/{alarm_id}/ack", data=form)
        assert done.status_code == 303
        assert done.headers["location"] == f"/ui/alarms?kind=offline&done={alarm_id}#alarm-{alarm_id}"
        page = await c.get(done.headers["location"])
        assert "Đã xác nhận cảnh báo của thiết bị d1" in page.text
        assert (
            "Đã xác nhận bởi <strong>op</strong>" in page.text and "Đã gọi cán bộ xã kiểm tra nguồn điện" in page.text
        )
        assert ack_forms(page.text) == []
        again = await c.post(f"/ui/alarms/{alarm_id}/ack", data={**form, "comment": "lần hai"})
        assert again.status_code == 409 and "đã được op xác nhận" in again.text
    alarm = get_alarm(db, alarm_id)
    assert (alarm.acked_by, alarm.comment, alarm.cleared_at) == ("op", "Đã gọi cán bộ xã kiểm tra nguồn điện", None)
    [entry] = audited(db, "alarm.ack")
    assert (entry.actor, entry.object_id, entry.area_code, entry.source_ip) == ("op", str(alarm_id), C1, IP)
    assert entry.detail == {"comment": "Đã gọi cán bộ xã kiểm tra nguồn điện"}


async def test_acks_refused_for_a_viewer_another_area_a_missing_token_or_a_bad_comment(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    alarm_id = add_alarm(db, "d1")
    add_user(db, "viewer", (Role.VIEWER, C1))
    add_user(db, "op2", (Role.PROVINCE_OPERATOR, C2))
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    app = make_app(db, tmp_path)
    async with browser(app) as c:
        await login(c, "viewer")
        token = csrf_of((await c.get("/ui/alarms")).text)
        refused = await c.post(f"/ui/alarms/{alarm_id}/ack", data={"csrf_token": token, "comment": "xem"})
        assert refused.status_code == 403 and "không có quyền xác nhận" in refused.text
    async with browser(app) as c:
        await login(c, "op2")
        token = csrf_of((await c.get("/ui/alarms")).text)
        hidden = await c.post(f"/ui/alarms/{alarm_id}/ack", data={"csrf_token": token, "comment": "xem"})
        assert hidden.status_code == 404 and "Không tìm thấy cảnh báo này" in hidden.text
        assert (await c.post("/ui/alarms/999999/ack", data={"csrf_token": token, "comment": "x"})).status_code == 404
    async with browser(app) as c:
        await login(c, "op")
        token = csrf_of((await c.get("/ui/alarms")).text)
        no_csrf = await c.post(f"/ui/alarms/{alarm_id}/ack", data={"comment": "không có mã"})
        forged = await c.post(f"/ui/alarms/{alarm_id}/ack", data={"comment": "giả", "csrf_token": "forged"})
        assert no_csrf.status_code == forged.status_code == 403
        empty = await c.post(f"/ui/alarms/{alarm_id}/ack", data={"csrf_token": token, "comment": "   "})
        assert empty.status_code == 422 and "Vui lòng nhập ghi chú" in empty.text
        long = await c.post(f"/ui/alarms/{alarm_id}/ack", data={"csrf_token": token, "comment": "x" * 2001})
        assert long.status_code == 422 and "tối đa 2000 ký tự" in long.text
        assert 'maxlength="2000"' in long.text
    alarm = get_alarm(db, alarm_id)
    assert (alarm.acked_at, alarm.acked_by, alarm.comment) == (None, None, "")
    assert audited(db, "alarm.ack") == []
    assert len(audited(db, "csrf.rejected")) == 2


async def test_kinds_states_and_pages_are_filtered_on_the_server(db: sessionmaker[Session], tmp_path: Path) -> None:
    for i in range(55):
        add_alarm(db, "d1", minutes_ago=200 + i)
    cleared = add_alarm(db, "d2", "flapping", minutes_ago=30, cleared_at=utcnow() - timedelta(minutes=5))
    acked = add_alarm(db, "d2", "download_failures", minutes_ago=10, acked_at=utcnow(), acked_by="op", comment="ok")
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "op")
        first = await c.get("/ui/alarms")
        assert first.text.count('<tr id="alarm-') == 50 and "Trang 1/2" in first.text
        assert re.search(r'data-kind="total">56<', first.text) and re.search(r'data-kind="offline">55<', first.text)
        ids = [int(i) for i in re.findall(r'<tr id="alarm-(\d+)"', first.text)]
        assert ids[0] == acked and ids[1:] == sorted(ids[1:])  # newest first: the offline ones were opened oldest last
        second = await c.get("/ui/alarms", params={"page": 2})
        assert second.text.count('<tr id="alarm-') == 6 and 'rel="prev"' in second.text
        gone = await c.get("/ui/alarms", params={"state": "cleared"})
        assert re.findall(r'<tr id="alarm-(\d+)"', gone.text) == [str(cleared)] and "Đã kết thúc lúc" in gone.text
        assert "25 phút" in gone.text  # lasted from 30 to 5 minutes ago
        acked_only = await c.get("/ui/alarms", params={"state": "acked"})
        assert re.findall(r'<tr id="alarm-(\d+)"', acked_only.text) == [str(acked)]
        flapping = await c.get("/ui/alarms", params={"kind": "flapping", "state": "all"})
        assert re.findall(r'<tr id="alarm-(\d+)"', flapping.text) == [str(cleared)]
        english = await c.get("/ui/alarms", params={"lang": "en", "kind": "offline"})
        assert "Offline too long" in english.text and "Device alarms" in english.text
        assert re.search(r"\d+ h \d+ min", english.text)
