"""The bulletin pages: write → submit → approve, reasons, diffs, buttons exactly as the service allows, the list
and the area scope (another commune's bulletin is "not found")."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.bulletin_page_support import (
    TEXT,
    A,
    B,
    Client,
    action_forms,
    audit_actions,
    bulletin_id_of,
    clients,
    form,
    make,
    post,
    seed,
    stored,
)


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return clients(db, tmp_path)


async def test_write_submit_approve_through_the_pages(client: Client, db: sessionmaker[Session]) -> None:
    async with client("editor-a") as c:
        page = await c.get("/ui/bulletins")
        assert 'href="/ui/bulletins/new"' in page.text and "Viết bản tin mới" in page.text
        assert "Chờ tôi duyệt" not in page.text  # not an approver
        new = await c.get("/ui/bulletins/new")
        assert new.status_code == 200
        assert "Phường Pleiku" in new.text and 'name="owner_area" id="b-owner" value="23563"' in new.text
        assert "Y tế, phòng chống dịch bệnh" in new.text and "Tổ dân phố 2" in new.text
        assert 'id="speech-tools"' in new.text and "Nghe thử" in new.text
        bid = bulletin_id_of(await post(c, "/ui/bulletins/new", "/ui/bulletins/new", form()))
        draft = await c.get(f"/ui/bulletins/{bid}?done=created")
        assert "Đã lưu bản nháp" in draft.text and "Bản nháp" in draft.text
        assert action_forms(draft.text) == {"submit", "cancel"}
        r = await post(c, f"/ui/bulletins/{bid}/submit", f"/ui/bulletins/{bid}", {})
        assert (r.status_code, r.headers["location"]) == (303, f"/ui/bulletins/{bid}?done=submit")
        sent = await c.get(r.headers["location"])
        assert "Đã gửi bản tin cho lãnh đạo duyệt." in sent.text
        assert '<li class="step step-current step-is-submitted" aria-current="step">' in sent.text
    async with client("approver-a") as c:
        queue = await c.get("/ui/bulletins?tab=queue")
        assert "Chờ tôi duyệt (1)" in queue.text and f'href="/ui/bulletins/{bid}"' in queue.text
        page = await c.get(f"/ui/bulletins/{bid}")
        assert action_forms(page.text) == {"approve", "reject", "cancel"}
        assert 'name="version" value="1"' in page.text and TEXT in page.text
        r = await post(c, f"/ui/bulletins/{bid}/approve", f"/ui/bulletins/{bid}", {"version": "1"})
        assert r.status_code == 303
        done = await c.get(r.headers["location"])
        assert "Đã duyệt bản tin." in done.text and "Chờ tôi duyệt (0)" not in done.text
        assert "Chờ tôi duyệt (0)" in (await c.get("/ui/bulletins?tab=queue")).text
    b = stored(db, bid)
    assert (b.state, b.approved_version, b.author, b.target_type, b.target_codes) == (
        "approved",
        1,
        "editor-a",
        "commune",
        [A],
    )
    assert audit_actions(db, bid) == [
        ("editor-a", "bulletin.create"),
        ("editor-a", "bulletin.speech"),  # synthesised before it goes to the approver
        ("editor-a", "bulletin.submit"),
        ("approver-a", "bulletin.approve"),
    ]


async def test_a_rejection_needs_a_reason_and_the_writer_sees_it(client: Client, db: sessionmaker[Session]) -> None:
    bid = make(db, "submitted")
    async with client("approver-a") as c:
        empty = await post(c, f"/ui/bulletins/{bid}/reject", f"/ui/bulletins/{bid}", {"reason": "  "})
        assert empty.status_code == 422
        assert "Vui lòng ghi lý do trả lại" in empty.text and '<details class="action" open>' in empty.text
        assert stored(db, bid).state == "submitted"
        reason = "Sai ngày tiêm: phải là 10/01, không phải 09/01."
        r = await post(c, f"/ui/bulletins/{bid}/reject", f"/ui/bulletins/{bid}", {"reason": reason})
        assert r.status_code == 303
    async with client("editor-a") as c:
        page = await c.get(f"/ui/bulletins/{bid}")
        assert "approver-a đã trả lại bản tin lúc" in page.text
        assert f"<blockquote>{html.escape(reason)}</blockquote>" in page.text
        assert "Bị trả lại" in page.text and action_forms(page.text) == {"submit", "cancel"}
        # corrected and sent again: the approver sees what changed since the rejected version
        edit = await c.get(f"/ui/bulletins/{bid}/edit")
        assert "Lưu và gửi duyệt" in edit.text
        new_text = TEXT.replace("09/01/2026", "10/01/2026")
        r = await post(
            c, f"/ui/bulletins/{bid}/edit", f"/ui/bulletins/{bid}/edit", form(text=new_text, version="1", then="submit")
        )
        assert r.headers["location"] == f"/ui/bulletins/{bid}?done=submit"
    assert (stored(db, bid).state, stored(db, bid).version) == ("submitted", 2)
    async with client("approver-a") as c:
        page = await c.get(f"/ui/bulletins/{bid}")
        assert "So với phiên bản 1 đã bị trả lại, phiên bản 2" in page.text
        assert "đã xóa: </span>09/01/2026.<" in page.text and "đã thêm: </span>10/01/2026.<" in page.text


async def test_an_edit_after_approval_goes_back_and_the_approver_sees_the_diff(
    client: Client, db: sessionmaker[Session]
) -> None:
    bid = make(db, "approved")
    async with client("editor-a") as c:
        edit = await c.get(f"/ui/bulletins/{bid}/edit")
        assert "Khi lưu thay đổi, bản tin sẽ quay lại chờ lãnh đạo duyệt lại" in edit.text
        assert "Lưu và gửi lại để duyệt" in edit.text and "Lưu và gửi duyệt" not in edit.text
        changed = form(title="Lịch cắt điện (sửa)", text=TEXT.replace("09/01/2026", "10/01/2026"), version="1")
        r = await post(c, f"/ui/bulletins/{bid}/edit", f"/ui/bulletins/{bid}/edit", changed)
        assert r.headers["location"] == f"/ui/bulletins/{bid}?done=saved"
        assert "Đã lưu thay đổi." in (await c.get(r.headers["location"])).text
    b = stored(db, bid)
    assert (b.state, b.version, b.approved_version, b.category_code) == ("submitted", 2, 1, "y-te")
    async with client("approver-a") as c:
        page = await c.get(f"/ui/bulletins/{bid}")
        assert "So với phiên bản 1 đã được duyệt, phiên bản 2 có các thay đổi dưới đây." in page.text
        assert (
            '<del><span class="visually-hidden">[đã xóa: </span>09/01/2026.<span class="visually-hidden">]</span></del>'
            in page.text
        )
        assert (
            '<ins><span class="visually-hidden">[đã thêm: </span>10/01/2026.<span class="visually-hidden">]</span></ins>'
            in page.text
        )
        assert "Lịch cắt điện (sửa)" in page.text and "Thông báo của địa phương" in page.text  # title, category before
        assert 'name="version" value="2"' in page.text
        # approving the version read before the edit is refused, nothing changes
        stale = await post(c, f"/ui/bulletins/{bid}/approve", f"/ui/bulletins/{bid}", {"version": "1"})
        assert stale.status_code == 409 and "nay là phiên bản 2" in stale.text
        assert stored(db, bid).state == "submitted"
        between = await c.get(f"/ui/bulletins/{bid}", params={"base": "1", "head": "2"})
        assert "Thay đổi từ phiên bản 1 sang phiên bản 2." in between.text


async def test_an_edit_on_a_changed_bulletin_is_refused_with_the_typed_values_kept(
    client: Client, db: sessionmaker[Session]
) -> None:
    bid = make(db)
    async with client("editor-a") as c:
        await post(c, f"/ui/bulletins/{bid}/edit", f"/ui/bulletins/{bid}/edit", form(text="Bản đầu.", version="1"))
        late = await post(
            c, f"/ui/bulletins/{bid}/edit", f"/ui/bulletins/{bid}/edit", form(text="Bản muộn.", version="1")
        )
        assert late.status_code == 409 and "vừa được người khác sửa (nay là phiên bản 2)" in late.text
        assert ">Bản muộn.</textarea>" in late.text and 'name="version" value="2"' in late.text
    assert stored(db, bid).text == "Bản đầu."


@pytest.mark.parametrize(
    ("user", "state"),
    [
        (u, s)
        for u in ("editor-a", "approver-a", "viewer-a", "operator", "admin")
        for s in ("draft", "submitted", "approved", "rejected", "cancelled")
    ],
)
async def test_the_buttons_shown_are_exactly_the_steps_the_service_accepts(
    client: Client, db: sessionmaker[Session], user: str, state: str
) -> None:
    """Each action on a fresh emergency bulletin: offered on the page ⇔ the POST succeeds; refused → unchanged."""
    bids = {a: make(db, state, priority="emergency") for a in ("submit", "approve", "reject", "send-direct", "cancel")}
    async with client(user) as c:
        for action, bid in bids.items():
            page = await c.get(f"/ui/bulletins/{bid}")
            shown = action in action_forms(page.text)
            r = await post(
                c, f"/ui/bulletins/{bid}/{action}", f"/ui/bulletins/{bid}", {"version": "1", "reason": "Lý do"}
            )
            assert (r.status_code == 303) == shown, (action, r.status_code)
            if not shown:
                assert r.status_code in (403, 409), (action, r.status_code)
                assert stored(db, bid).state == state
                assert 'role="alert"' in r.text


async def test_the_author_cannot_approve_and_a_viewer_cannot_edit(client: Client, db: sessionmaker[Session]) -> None:
    bid = make(db, "submitted", by="approver-a")
    async with client("approver-a") as c:
        page = await c.get(f"/ui/bulletins/{bid}")
        assert "approve" not in action_forms(page.text)
        r = await post(c, f"/ui/bulletins/{bid}/approve", f"/ui/bulletins/{bid}", {"version": "1"})
        assert r.status_code == 403 and "Người viết không thể tự duyệt bản tin của mình" in r.text
    async with client("viewer-a") as c:
        page = await c.get(f"/ui/bulletins/{bid}")
        assert action_forms(page.text) == set() and "/edit" not in page.text
        assert "Bạn chỉ xem được bản tin này" in page.text
        assert (await c.get(f"/ui/bulletins/{bid}/edit")).status_code == 403
        assert (await c.get("/ui/bulletins/new")).status_code == 403
        r = await post(c, f"/ui/bulletins/{bid}/edit", f"/ui/bulletins/{bid}", form(title="Sửa trộm", version="1"))
        assert r.status_code == 403
    assert stored(db, bid).title == "Lịch cắt điện"
    done = make(db, "cancelled")
    async with client("editor-a") as c:
        r = await c.get(f"/ui/bulletins/{done}/edit")
        assert r.status_code == 409 and "Không thể sửa vì bản tin đang ở trạng thái “Đã hủy”." in r.text


async def test_another_communes_bulletin_is_not_found(client: Client, db: sessionmaker[Session]) -> None:
    bid = make(db, "submitted")
    async with client("approver-b") as c:
        page = await c.get("/ui/bulletins")
        assert "Lịch cắt điện" not in page.text and "Chưa có bản tin nào." in page.text
        assert "Chờ tôi duyệt (0)" in page.text
        assert (await c.get(f"/ui/bulletins/{bid}")).status_code == 404
        assert (await c.get(f"/ui/bulletins/{bid}/edit")).status_code == 404
        assert (await c.get("/ui/bulletins", params={"area": A})).status_code == 404
        r = await post(c, f"/ui/bulletins/{bid}/approve", "/ui/bulletins", {"version": "1"})
        assert r.status_code == 404 and f"Không tìm thấy bản tin số {bid}" in r.text
        r = await post(c, f"/ui/bulletins/{bid}/edit", "/ui/bulletins", form(version="1"))
        assert r.status_code == 404
    assert stored(db, bid).state == "submitted"


async def test_the_list_filters_by_state_and_area_and_pages(client: Client, db: sessionmaker[Session]) -> None:
    for i in range(23):
        make(db, title=f"Bản tin {i:02d}")
    make(db, "submitted", title="Đang chờ")
    async with client("admin") as c:
        first = await c.get("/ui/bulletins")
        assert "Tìm thấy 24 bản tin, đang hiển thị 1–20." in first.text
        assert first.text.index("Đang chờ") < first.text.index("Bản tin 22")  # newest first
        assert 'rel="next" href="/ui/bulletins?page=2"' in first.text
        second = await c.get("/ui/bulletins", params={"page": "2"})
        assert "đang hiển thị 21–24" in second.text and "Bản tin 00" in second.text
        waiting = await c.get("/ui/bulletins", params={"state": "submitted", "area": A})
        assert "Tìm thấy 1 bản tin" in waiting.text and "Đang chờ" in waiting.text
        assert "Không có bản tin nào khớp bộ lọc." in (await c.get("/ui/bulletins", params={"area": B})).text
        bad = await c.get("/ui/bulletins", params={"state": "nope", "page": "x"})
        assert "Trạng thái cần lọc không đúng" in bad.text and "Số trang không đúng" in bad.text
        en = await c.get("/ui/bulletins", params={"lang": "en", "state": "submitted"})
        assert "Waiting for approval" in en.text and "Write a new bulletin" in en.text
