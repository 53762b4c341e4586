"""The "Từ viết tắt" page: the dictionary with defaults and overrides, the form, "try it", roles and areas."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.audio.dictionary.models import Abbreviation
from tests.web.bulletin_page_support import PROVINCE, A, B, Client, clients, post, seed

PAGE = "/ui/abbreviations"


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return clients(db, tmp_path)


def text_of(page: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (tags dropped, entities decoded, spaces collapsed)."""
    m = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert m, f"no #{element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(2))).split())


def entries(db: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with db() as s:
        rows = s.execute(select(Abbreviation.area_code, Abbreviation.abbreviation, Abbreviation.reading)).all()
        return sorted(tuple(r) for r in rows)


async def test_an_editor_adds_changes_and_removes_an_entry_and_try_it_reads_with_it(
    client: Client, db: sessionmaker[Session]
) -> None:
    async with client("editor-a") as c:
        page = await c.get(PAGE)
        assert page.status_code == 200
        assert 'href="/ui/abbreviations"' in page.text  # in the navigation for those who may edit
        assert "Phường Pleiku" in text_of(page.text, "form-h")  # their own commune's dictionary
        assert "Ủy ban nhân dân" in text_of(page.text, "try-spoken")  # the default sample, read
        assert "Mặc định" in text_of(page.text, "abbr-table")

        sample = {"area": A, "sample": "BQL chợ họp lúc 7h."}
        tried = await c.get(PAGE, params=sample)
        assert text_of(tried.text, "try-spoken") == "Bê quy e lờ chợ họp lúc bảy giờ."

        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "BQL", "reading": "ban quản lý"})
        assert r.status_code == 303 and r.headers["location"].startswith(f"{PAGE}?area={A}&done=created")
        shown = await c.get(r.headers["location"])
        assert text_of(shown.text, "abbr-done") == "Đã thêm “BQL”."
        assert "Riêng Phường Pleiku" in text_of(shown.text, "abbr-table")
        tried = await c.get(PAGE, params=sample)
        assert text_of(tried.text, "try-spoken") == "Ban quản lý chợ họp lúc bảy giờ."

        entry = entries(db)
        assert entry == [(A, "BQL", "ban quản lý")]
        with db() as s:
            entry_id = s.scalars(select(Abbreviation.id)).one()
        editing = await c.get(PAGE, params={"area": A, "edit": entry_id})
        assert "Sửa mục “BQL”" in text_of(editing.text, "form-h")
        r = await post(c, f"{PAGE}/{entry_id}/edit", PAGE, {"abbreviation": "BQL", "reading": "ban quản lý chợ"})
        assert r.status_code == 303 and "done=updated" in r.headers["location"]
        assert entries(db) == [(A, "BQL", "ban quản lý chợ")]

        # A default switched off in this commune: shown with how it is read now.
        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "HTX", "reading": ""})
        assert r.status_code == 303
        shown = await c.get(PAGE, params={"area": A, "q": "HTX"})
        assert "Đã tắt — đọc là: Hát tê ích xì" in text_of(shown.text, "abbr-table")
        assert "thay cho: hợp tác xã" in text_of(shown.text, "abbr-table")

        r = await post(c, f"{PAGE}/{entry_id}/delete", PAGE, {})
        assert r.status_code == 303 and "done=deleted" in r.headers["location"]
        assert entries(db) == [(A, "HTX", "")]
    with db() as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "abbreviation").order_by(AuditEntry.id)
        ).all()
    assert list(actions) == [
        "abbreviation.created",
        "abbreviation.updated",
        "abbreviation.created",
        "abbreviation.deleted",
    ]


async def test_a_refused_entry_comes_back_in_vietnamese_with_the_values_kept_and_nothing_stored(
    client: Client, db: sessionmaker[Session]
) -> None:
    async with client("approver-a") as c:
        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "KDC", "reading": "khu dân cư số 5"})
        assert r.status_code == 422
        assert "chỉ dùng chữ, dấu cách và dấu phẩy" in text_of(r.text, "form-error")
        assert "(không dùng: 5)" in text_of(r.text, "form-error")
        assert 'value="khu dân cư số 5"' in r.text and 'id="e-reading"' in r.text
        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "xã", "reading": "xã hội"})
        assert r.status_code == 422 and "là một tiếng có nghĩa" in text_of(r.text, "form-error")
        r = await post(c, PAGE, f"{PAGE}?lang=en", {"area": A, "abbreviation": "F0", "reading": "ép không"})
        assert r.status_code == 422 and "does not see “F0” as one word" in text_of(r.text, "form-error")
    assert entries(db) == []


async def test_readers_see_the_dictionary_but_no_form_and_other_communes_are_not_found(
    client: Client, db: sessionmaker[Session]
) -> None:
    async with client("admin") as c:
        r = await post(c, PAGE, PAGE, {"area": PROVINCE, "abbreviation": "BQL", "reading": "ban quản lý"})
        assert r.status_code == 303
        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "TDP", "reading": "tổ dân phố"})
        assert r.status_code == 303
        province = await c.get(PAGE)
        assert "Gia Lai (toàn tỉnh)" in text_of(province.text, "form-h")
    with db() as s:
        a_entry = s.scalars(select(Abbreviation.id).where(Abbreviation.area_code == A)).one()
        p_entry = s.scalars(select(Abbreviation.id).where(Abbreviation.area_code == PROVINCE)).one()
    before = entries(db)
    async with client("viewer-a") as c:
        page = await c.get(PAGE)
        assert page.status_code == 200 and "Bạn chỉ được xem từ điển này" in page.text
        assert 'id="e-abbr"' not in page.text and 'href="/ui/abbreviations"' not in page.text
        assert "Toàn tỉnh" in text_of(page.text, "abbr-table")  # the province's entry applies here too
        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "KDC", "reading": "khu dân cư"})
        assert r.status_code == 403
        r = await post(c, f"{PAGE}/{a_entry}/delete", PAGE, {})
        assert r.status_code == 403
    async with client("editor-a") as c:
        r = await post(c, f"{PAGE}/{p_entry}/edit", PAGE, {"abbreviation": "BQL", "reading": "ban"})
        assert r.status_code == 403  # the province's entry: province administrators only
        province = await c.get(PAGE, params={"area": PROVINCE})
        assert province.status_code == 200 and 'id="e-abbr"' not in province.text
    async with client("approver-b") as c:
        assert (await c.get(PAGE, params={"area": A})).status_code == 404
        assert (await c.get(PAGE, params={"area": B, "edit": a_entry})).status_code == 404
        r = await post(c, f"{PAGE}/{a_entry}/edit", PAGE, {"abbreviation": "TDP", "reading": "tổ"})
        assert r.status_code == 404
        r = await post(c, PAGE, PAGE, {"area": A, "abbreviation": "KDC", "reading": "khu dân cư"})
        assert r.status_code == 404
        own = await c.get(PAGE)
        assert "Phường Pleiku" not in own.text and "TDP" not in own.text
    assert entries(db) == before


async def test_the_page_in_english_and_the_bulletin_form_links_to_it(client: Client) -> None:
    async with client("editor-a") as c:
        page = await c.get(PAGE, params={"lang": "en"})
        assert "Abbreviation dictionary" in page.text and "Will be read as:" in page.text
        form = await c.get("/ui/bulletins/new", params={"lang": "vi"})
        link = re.search(r'<a href="([^"]+)" id="reading-dictionary"', form.text)
        assert link and link.group(1) == f"{PAGE}?area={A}"
