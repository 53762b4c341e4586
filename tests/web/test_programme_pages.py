"""The programme pages: the week with computed times, fill and skipped days; a placement's problems shown before
saving (and nothing saved); a good placement saved; reorder and removal through the page; slot forms with their
errors in Vietnamese; the priority-collision notice; scope (another commune 404) and a viewer's read-only page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, time, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role
from source_server.scheduling import service
from source_server.scheduling.models import ScheduleItem, Slot
from tests.scheduling.support import GAP, PROVINCE, A, B, bulletin, future_day, slot, who
from tests.web.auth_support import add_user, browser, csrf_of, login, make_app
from tests.web.bulletin_page_support import seed

Client = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    add_user(db, "editor-b", (Role.COMMUNE_EDITOR, B))
    app = make_app(db, tmp_path)

    @asynccontextmanager
    async def open_as(name: str) -> AsyncIterator[httpx.AsyncClient]:
        async with browser(app) as c:
            assert (await login(c, name)).status_code == 303
            yield c

    return open_as


def place(db: sessionmaker[Session], bulletin_id: int, slot_id: int, day: date, user: str = "approver-a") -> int:
    with db.begin() as s:
        return service.place(s, principal=who(user), area_code=A, bulletin_id=bulletin_id, slot_id=slot_id,
                             day=day, gap=GAP).id  # fmt: skip


def count_items(db: sessionmaker[Session]) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(ScheduleItem).where(ScheduleItem.state != "cancelled")) or 0


def audited(db: sessionmaker[Session], action: str) -> list[str]:
    with db() as s:
        return list(s.scalars(select(AuditEntry.actor).where(AuditEntry.action == action)))


async def post(c: httpx.AsyncClient, url: str, data: dict[str, object], page: str) -> httpx.Response:
    """Post a form with the session's CSRF token (as the page's own form does)."""
    token = csrf_of((await c.get(page)).text)
    return await c.post(url, data={"csrf_token": token, **data})  # type: ignore[arg-type]


def text_of(html: str) -> str:
    """The page's words without tags (for assertions on sentences that span elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_week_shows_slots_items_computed_times_fill_and_skipped_days(
    client: Client, db: sessionmaker[Session]
) -> None:
    day = future_day()
    sid = slot(db, skip_dates=[day + timedelta(days=1)])
    x = bulletin(db, duration_ms=60_000, title="Lịch tiêm chủng")
    y = bulletin(db, duration_ms=40_000, title="Thu gom rác thải")
    place(db, x, sid, day)
    place(db, y, sid, day)
    async with client("viewer-a") as c:
        r = await c.get(f"/ui/programme/{A}", params={"day": day.isoformat()})
        assert r.status_code == 200, r.text
        page = r.text
        occ = page.split(f'id="occ-{sid}-{day.isoformat()}"')[1].split("</section>")[0]
        assert "06:00–06:30" in occ and "Buổi sáng" in occ
        assert re.findall(r'data-role="start">([\d:]+)<', occ) == ["06:00:00", "06:01:02"]
        assert "Lịch tiêm chủng" in occ and "Thu gom rác thải" in occ and "dài 1:00" in occ and "dài 0:40" in occ
        assert "Đã xếp 1,7 / 30 phút" in occ
        skipped = page.split(f'id="occ-{sid}-{(day + timedelta(days=1)).isoformat()}"')[1].split("</section>")[0]
        assert "Không phát: ngày nghỉ" in skipped
        assert f'<section class="p-occ is-off" id="occ-{sid}-{(day + timedelta(days=1)).isoformat()}"' in page
        assert "Lịch phát — Phường Pleiku" in page and 'href="/ui/programme" aria-current="page">Lịch phát' in page
        assert "Tuần trước" in page and "Tuần sau" in page
        # a viewer reads, and is told so: no form changes anything
        assert "/move" not in page and "/remove" not in page and "slots/new" not in page and "/place" not in page
        assert "Bạn được xem lịch phát này" in page
        today = await c.get(f"/ui/programme/{A}")
        assert today.text.count('aria-current="date"') == 1
        english = await c.get(f"/ui/programme/{A}", params={"day": day.isoformat(), "lang": "en"})
        assert "Broadcast schedule — Phường Pleiku" in english.text and "Does not run: a day off" in english.text
        bad = await c.get(f"/ui/programme/{A}", params={"day": "2026-13-45", "lang": "vi"})
        assert bad.status_code == 200 and "Ngày trong địa chỉ không hợp lệ" in bad.text
        home = await c.get("/ui/programme")
        assert home.status_code == 200 and "Lịch phát — Phường Pleiku" in home.text


async def test_a_placements_problems_are_shown_before_saving_and_nothing_is_saved(
    client: Client, db: sessionmaker[Session]
) -> None:
    day = future_day()
    sid = slot(db, length_s=120, weekdays=[day.isoweekday()])
    place(db, bulletin(db, duration_ms=60_000), sid, day)
    place(db, bulletin(db, duration_ms=40_000), sid, day)
    z = bulletin(db, duration_ms=30_000, title="Họp tổ dân phố")
    page_url = f"/ui/programme/{A}/place?slot={sid}&day={day.isoformat()}"
    async with client("editor-a") as c:
        form = await c.get(page_url)
        assert form.status_code == 200
        assert f'value="{z}"' in form.text and "Họp tổ dân phố" in form.text and "dài 0:30" in form.text
        assert f'<option value="{sid}" selected>06:00 · Buổi sáng</option>' in form.text
        data = {"bulletin_id": z, "mode": "slot", "slot_id": sid, "day": day.isoformat()}
        checked = await post(c, f"/ui/programme/{A}/place", {**data, "then": "check"}, page_url)
        assert checked.status_code == 200
        words = text_of(checked.text)
        assert f"Khung giờ “Buổi sáng” ngày {day:%d/%m/%Y} sẽ bị quá 14 giây (khung dài 2 phút)" in words
        assert "Chưa xếp được vào lịch vì:" in words and "Chưa lưu gì" in words
        assert f'value="{z}" checked' in checked.text  # the choice is kept
        assert count_items(db) == 2
        other_day = await post(c, f"/ui/programme/{A}/place",
                               {**data, "day": (day + timedelta(days=1)).isoformat(), "then": "check"}, page_url)  # fmt: skip
        assert "không phát vào ngày" in other_day.text and "không phát vào thứ này" in other_day.text
        saved = await post(c, f"/ui/programme/{A}/place", {**data, "then": "save"}, page_url)
        assert saved.status_code == 422 and "sẽ bị quá 14 giây" in saved.text
        missing = await post(c, f"/ui/programme/{A}/place", {"mode": "slot", "then": "check"}, page_url)
        assert missing.status_code == 422
        assert "Vui lòng chọn một bản tin." in missing.text and "Vui lòng chọn khung giờ." in missing.text
    assert count_items(db) == 2
    assert audited(db, "programme.item_placed") == ["approver-a", "approver-a"]


async def test_a_good_placement_is_checked_then_saved_in_a_slot_and_once(
    client: Client, db: sessionmaker[Session]
) -> None:
    day = future_day()
    sid = slot(db)
    x = bulletin(db, duration_ms=60_000, title="Lịch tiêm chủng")
    y = bulletin(db, duration_ms=20_000, title="Thông báo mất điện")
    page_url = f"/ui/programme/{A}/place"
    async with client("editor-a") as c:
        data = {"bulletin_id": x, "mode": "slot", "slot_id": sid, "day": day.isoformat()}
        checked = await post(c, page_url, {**data, "then": "check"}, page_url)
        assert f"Không có vấn đề gì. Bản tin sẽ phát lúc 06:00:00 ngày {day:%d/%m/%Y}." in checked.text
        assert count_items(db) == 0
        saved = await post(c, page_url, {**data, "then": "save"}, page_url)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/ui/programme/{A}?day={day.isoformat()}&done=placed#occ-{sid}-{day}"
        week = await c.get(saved.headers["location"])
        assert "Đã xếp bản tin vào lịch phát." in week.text and "Lịch tiêm chủng" in week.text
        once = {"bulletin_id": y, "mode": "once", "at_day": day.isoformat(), "at_time": "07:30", "then": "save"}
        assert (await post(c, page_url, once, page_url)).status_code == 303
        week = await c.get(f"/ui/programme/{A}", params={"day": day.isoformat()})
        one_off = week.text.split('class="p-once')[1].split("</div>")[0]
        assert "07:30:00" in one_off and "Phát một lần" in one_off and "Thông báo mất điện" in one_off
    assert count_items(db) == 2
    assert audited(db, "programme.item_placed") == ["editor-a", "editor-a"]


async def test_reorder_and_remove_through_the_page(client: Client, db: sessionmaker[Session]) -> None:
    day = future_day()
    sid = slot(db)
    ix = place(db, bulletin(db, duration_ms=60_000, title="Tin thứ nhất"), sid, day)
    iy = place(db, bulletin(db, duration_ms=40_000, title="Tin thứ hai"), sid, day)
    week_url = f"/ui/programme/{A}?day={day.isoformat()}"
    async with client("editor-a") as c:
        page = (await c.get(week_url)).text
        assert f'action="/ui/programme/{A}/items/{ix}/move"' in page and 'draggable="true"' in page
        assert f'data-reorder-url="/api/v1/programmes/{A}/slots/{sid}/days/{day.isoformat()}/order"' in page
        r = await post(c, f"/ui/programme/{A}/items/{ix}/move", {"direction": "down"}, week_url)
        assert r.status_code == 303 and r.headers["location"].endswith(f"done=moved#occ-{sid}-{day.isoformat()}")
        page = (await c.get(r.headers["location"])).text
        assert "Đã đổi thứ tự." in page
        occ = page.split(f'id="occ-{sid}-{day.isoformat()}"')[1].split("</section>")[0]
        assert re.findall(r'data-item-id="(\d+)"', occ) == [str(iy), str(ix)]
        assert re.findall(r'data-role="start">([\d:]+)<', occ) == ["06:00:00", "06:00:42"]
        gone = await post(c, f"/ui/programme/{A}/items/{iy}/remove", {}, week_url)
        assert gone.status_code == 303 and "done=removed" in gone.headers["location"]
        page = (await c.get(gone.headers["location"])).text
        assert "Đã bỏ bản tin khỏi lịch phát." in page and "Tin thứ hai" not in page
        assert re.findall(r'data-role="start">([\d:]+)<', page) == ["06:00:00"]
    assert audited(db, "programme.items_reordered") == ["editor-a"]
    assert audited(db, "programme.item_removed") == ["editor-a"]


async def test_an_occurrence_that_has_begun_cannot_be_reordered(client: Client, db: sessionmaker[Session]) -> None:
    day = future_day()
    sid = slot(db)
    ix = place(db, bulletin(db, duration_ms=60_000), sid, day)
    iy = place(db, bulletin(db, duration_ms=40_000), sid, day)
    with db.begin() as s:  # the same occurrence, as if its day had come: move the slot's day back
        s.execute(ScheduleItem.__table__.update().values(day=day - timedelta(days=10)))
    async with client("editor-a") as c:
        past = f"/ui/programme/{A}?day={(day - timedelta(days=10)).isoformat()}"
        page = (await c.get(past)).text
        assert "/move" not in page and "Khung giờ đã bắt đầu: không đổi thứ tự được." in page
        r = await post(c, f"/ui/programme/{A}/items/{ix}/move", {"direction": "down"}, past)
        assert r.status_code == 409
        assert "đã bắt đầu phát, không đổi thứ tự được nữa" in r.text
    with db() as s:
        assert [i.id for i in s.scalars(select(ScheduleItem).order_by(ScheduleItem.position))] == [ix, iy]


async def test_another_communes_programme_is_not_found(client: Client, db: sessionmaker[Session]) -> None:
    day = future_day()
    sid = slot(db)
    ix = place(db, bulletin(db, duration_ms=60_000), sid, day)
    async with client("editor-b") as c:
        for url in (f"/ui/programme/{A}", f"/ui/programme/{A}/place", f"/ui/programme/{A}/slots/new",
                    f"/ui/programme/{A}/slots/{sid}/edit", f"/ui/programme?area={A}"):  # fmt: skip
            r = await c.get(url)
            assert r.status_code == 404, url
            assert "Pleiku" not in r.text and "Buổi sáng" not in r.text
        own = await c.get("/ui/programme")
        assert own.status_code == 200 and "Lịch phát — Phường Hội Phú" in own.text and "Pleiku" not in own.text
        r = await post(c, f"/ui/programme/{A}/items/{ix}/move", {"direction": "up"}, "/ui/programme")
        assert r.status_code == 404
        r = await post(c, f"/ui/programme/{A}/items/{ix}/remove", {}, "/ui/programme")
        assert r.status_code == 404
        r = await post(c, f"/ui/programme/{B}/items/{ix}/remove", {}, "/ui/programme")  # its own area, A's item
        assert r.status_code == 404
    assert count_items(db) == 1


async def test_a_viewer_gets_no_forms_and_every_change_is_refused(client: Client, db: sessionmaker[Session]) -> None:
    day = future_day()
    sid = slot(db)
    ix = place(db, bulletin(db, duration_ms=60_000), sid, day)
    spare = bulletin(db, duration_ms=10_000)
    week_url = f"/ui/programme/{A}?day={day.isoformat()}"
    async with client("viewer-a") as c:
        page = (await c.get(week_url)).text
        assert 'method="post" action="/ui/programme' not in page
        for url in (f"/ui/programme/{A}/place", f"/ui/programme/{A}/slots/new", f"/ui/programme/{A}/slots/{sid}/edit"):
            r = await c.get(url)
            assert r.status_code == 403 and "không được thay đổi" in r.text, url
        posts = {
            f"/ui/programme/{A}/items/{ix}/move": {"direction": "up"},
            f"/ui/programme/{A}/items/{ix}/remove": {},
            f"/ui/programme/{A}/slots/new": {"label": "Trưa", "start": "11:00", "length": "30", "weekdays": "1"},
            f"/ui/programme/{A}/slots/{sid}/edit": {"label": "Trưa", "start": "11:00", "length": "30", "weekdays": "1"},
            f"/ui/programme/{A}/slots/{sid}/delete": {},
            f"/ui/programme/{A}/place": {"bulletin_id": spare, "mode": "slot", "slot_id": sid, "day": day.isoformat(),
                                         "then": "check"},
        }  # fmt: skip
        for url, data in posts.items():
            r = await post(c, url, data, week_url)
            assert r.status_code == 403, url
    with db() as s:
        assert s.get_one(Slot, sid).label == "Buổi sáng" and s.get_one(Slot, sid).active
    assert count_items(db) == 1


async def test_slots_are_added_changed_and_deleted_with_errors_next_to_their_fields(
    client: Client, db: sessionmaker[Session]
) -> None:
    new = f"/ui/programme/{A}/slots/new"
    async with client("approver-a") as c:
        form = await c.get(new)
        assert form.status_code == 200 and "Thêm khung giờ phát" in form.text and "Chủ Nhật" in form.text
        bad = await post(c, new, {"label": " ", "start": "25:00", "length": "0", "skips": "31/02/2026"}, new)
        assert bad.status_code == 422
        for message in ("Vui lòng đặt tên khung giờ", "Vui lòng nhập giờ bắt đầu", "Độ dài phải từ 1 đến 360 phút",
                        "Vui lòng chọn ít nhất một ngày trong tuần", "Không đọc được ngày “31/02/2026”"):  # fmt: skip
            assert message in bad.text
        assert 'id="label-error"' in bad.text and 'aria-invalid="true"' in bad.text
        good = {"label": "Buổi sáng", "start": "06:00", "length": "30", "weekdays": ["1", "3", "5"],
                "first_day": "2026-01-05", "skips": "30/04/2026, 2026-05-01"}  # fmt: skip
        r = await post(c, new, good, new)
        assert r.status_code == 303 and r.headers["location"] == f"/ui/programme/{A}?done=slot_created"
        week = await c.get(r.headers["location"])
        assert "Đã thêm khung giờ." in week.text
        assert "T2, T4, T6" in week.text and "từ 05/01/2026" in week.text and "30/04/2026, 01/05/2026" in week.text
        with db() as s:
            made = s.scalars(select(Slot)).one()
            assert (made.start_local, made.duration_s, made.weekdays) == (time(6, 0), 1800, [1, 3, 5])
            assert made.skip_dates == ["2026-04-30", "2026-05-01"]
        clash = await post(c, new, {**good, "label": "Sáng sớm", "start": "06:15"}, new)
        assert clash.status_code == 422 and "Trùng giờ với khung “Buổi sáng” (06:00) vào cùng ngày" in clash.text
        edit = f"/ui/programme/{A}/slots/{made.id}/edit"
        page = await c.get(edit)
        assert 'value="Buổi sáng"' in page.text and 'value="06:00"' in page.text and 'value="30"' in page.text
        r = await post(c, edit, {**good, "label": "Buổi sáng sớm", "length": "45", "weekdays": ["1", "2"]}, edit)
        assert r.status_code == 303 and r.headers["location"].endswith("done=slot_saved")
        day = future_day(weekday=1)
        place(db, bulletin(db, duration_ms=60_000), made.id, day)
        busy = await post(c, f"/ui/programme/{A}/slots/{made.id}/delete", {}, edit)
        assert busy.status_code == 409 and f"còn bản tin chờ phát vào ngày {day:%d/%m/%Y}" in busy.text
        moved = await post(c, edit, {**good, "weekdays": ["3"]}, edit)
        assert moved.status_code == 422 and f"Đã có 1 bản tin xếp vào ngày {day:%d/%m/%Y}" in moved.text
        with db.begin() as s:
            item = s.scalars(select(ScheduleItem)).one()
            service.remove(s, principal=who("approver-a"), area_code=A, item_id=item.id)
        r = await post(c, f"/ui/programme/{A}/slots/{made.id}/delete", {}, edit)
        assert r.status_code == 303 and r.headers["location"].endswith("done=slot_deleted")
    with db() as s:
        kept = s.get_one(Slot, made.id)
        assert (kept.label, kept.duration_s, kept.weekdays, kept.active) == ("Buổi sáng sớm", 2700, [1, 2], False)
    assert audited(db, "programme.slot_created") == ["approver-a"]
    assert audited(db, "programme.slot_updated") == ["approver-a"]
    assert audited(db, "programme.slot_deleted") == ["approver-a"]


async def test_a_priority_insertion_next_to_the_communes_own_priority_item_is_told(
    client: Client, db: sessionmaker[Session]
) -> None:
    day = future_day()
    sid = slot(db, start=time(17, 0), label="Buổi chiều", first_day=day)  # its next occurrence is on ``day``
    own = bulletin(db, duration_ms=30_000, priority="priority", title="Lịch cắt nước của phường")
    place(db, own, sid, day)
    province = bulletin(db, owner=PROVINCE, duration_ms=45_000, priority="priority", codes=[A],
                        title="Cảnh báo mưa lớn của tỉnh")  # fmt: skip
    with db.begin() as s:
        result = service.insert_priority(s, principal=who("operator"), bulletin_id=province, gap=GAP)
        [outcome] = result.outcomes
        assert outcome.status == "inserted" and outcome.day == day and [i.bulletin_id for i in outcome.collides_with]
    async with client("editor-a") as c:
        page = await c.get(f"/ui/programme/{A}", params={"day": day.isoformat()})
        words = text_of(page.text)
        assert "Bản tin ưu tiên được chèn vào lịch" in words
        assert (
            f"Bản tin ưu tiên “Cảnh báo mưa lớn của tỉnh” được chèn vào khung “Buổi chiều” ngày {day:%d/%m/%Y}, "
            "cùng với bản tin ưu tiên của địa phương “Lịch cắt nước của phường”." in words
        )
        assert "Bạn quyết định thứ tự phát" in words
        occ = page.text.split(f'id="occ-{sid}-{day.isoformat()}"')[1].split("</section>")[0]
        assert occ.count('class="prio-tag prio-priority">Ưu tiên') == 2 and "Của tỉnh" in occ
        assert 'data-move="up"' in occ  # and the operator may reorder them
    async with client("viewer-a") as c:
        words = text_of((await c.get(f"/ui/programme/{A}", params={"day": day.isoformat()})).text)
        assert "Cảnh báo mưa lớn của tỉnh" in words and "Bạn quyết định thứ tự phát" not in words


async def test_province_staff_see_the_provinces_programme_and_a_commune_picker(
    client: Client, db: sessionmaker[Session]
) -> None:
    slot(db, area=PROVINCE, start=time(19, 0), label="Thời sự tỉnh")
    async with client("operator") as c:
        page = await c.get("/ui/programme")
        assert page.status_code == 200
        assert "Lịch phát — Gia Lai" in page.text and "Thời sự tỉnh" in page.text
        assert "Gia Lai (lịch phát của tỉnh)" in page.text
        assert f'<option value="{A}">Phường Pleiku</option>' in page.text and f'value="{B}"' in page.text
        chosen = await c.get("/ui/programme", params={"area": A})
        assert "Lịch phát — Phường Pleiku" in chosen.text and 'slots/new"' in chosen.text
