"""The areas page: the scoped tree with device counts, CSV import (all or nothing) and the commune merger."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role
from source_server.fleet.models import Area, Device, DeviceAreaChange
from source_server.fleet.service import set_area_active
from tests.accounts.helpers import C1, C2, seed
from tests.web.auth_support import IP, add_user, browser, csrf_of, login, make_app

INACTIVE = "23650"  # Xã Chư Păh: no devices, deactivated as if merged away earlier


@pytest.fixture(autouse=True)
def _areas(db: sessionmaker[Session]) -> None:
    seed(db)
    with db.begin() as s:
        set_area_active(s, code=INACTIVE, active=False)


def audited(db: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with db() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def marked_inactive(page: str, name: str) -> bool:
    """True when the tree node named ``name`` carries the merged/inactive mark."""
    node = re.search(rf'<span class="area-name">{name}</span>(.*?)</(?:summary|div)>', page, re.S)
    assert node, f"no node {name}"
    return "Đã sáp nhập / ngừng hoạt động" in node.group(1)


def snapshot(db: sessionmaker[Session]) -> tuple[object, ...]:
    """Everything an import or a merger could change."""
    with db() as s:
        areas = sorted((a.code, a.name, a.parent_code, a.active) for a in s.scalars(select(Area)))
        devices = sorted((d.id, d.commune_code, d.village_code) for d in s.scalars(select(Device)))
        changes = s.scalar(select(func.count()).select_from(DeviceAreaChange))
    return tuple(areas), tuple(devices), changes


async def test_operators_see_the_whole_tree_with_counts_commune_users_only_theirs(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    add_user(db, "editor", (Role.COMMUNE_EDITOR, C1))
    app = make_app(db, tmp_path)
    async with browser(app) as c:
        await login(c, "op")
        page = (await c.get("/ui/areas")).text
        assert "Gia Lai" in page and "Xã Ia Grai" in page and "Làng Dơr 1" in page
        assert re.search(r"Tỉnh · mã 64</span>\s*<span class=\"area-count\">2 thiết bị", page)
        assert re.search(r"mã 23626-01</span>\s*<span class=\"area-count\">1 thiết bị", page)
        assert marked_inactive(page, "Xã Chư Păh") and not marked_inactive(page, "Xã Ia Grai")
        assert 'action="/ui/areas/import"' in page and 'action="/ui/areas/merge"' in page
        assert "Import areas from a CSV file" in (await c.get("/ui/areas?lang=en")).text
    async with browser(app) as c:
        await login(c, "editor")
        page = (await c.get("/ui/areas")).text
        assert "Phường Pleiku" in page and "Tổ dân phố 3" in page
        assert "Xã Ia Grai" not in page and "Làng Dơr" not in page and "Phường Hội Phú" not in page
        assert "2 thiết bị" not in page  # the province is only shown as the way to the commune, without its count
        assert 'action="/ui/areas/import"' not in page and 'action="/ui/areas/merge"' not in page
        token = csrf_of(page)
        preview = await c.get("/ui/areas/merge", params={"from_code": C1, "to_code": C2})
        upload = await c.post(
            "/ui/areas/import", data={"csrf_token": token}, files={"file": ("a.csv", b"code,name,level,parent_code\n")}
        )
        applied = await c.post("/ui/areas/merge", data={"csrf_token": token, "from_code": C1, "to_code": C2})
        assert preview.status_code == upload.status_code == applied.status_code == 403


async def test_a_csv_with_an_unknown_parent_shows_the_row_and_imports_nothing(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    before = snapshot(db)
    bad = "code,name,level,parent_code\n23563-04,Tổ dân phố 4,village,23563\n99-01,Thôn Lạ,village,99999\n"
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "op")
        token = csrf_of((await c.get("/ui/areas")).text)
        refused = await c.post("/ui/areas/import", data={"csrf_token": token}, files={"file": ("x.csv", bad.encode())})
        assert refused.status_code == 422
        assert "Tệp có 1 lỗi nên chưa nhập dòng nào" in refused.text
        assert re.search(
            r"<tr><td>3</td><td><code>parent_code</code></td><td>Không tìm thấy địa bàn cấp trên “99999”", refused.text
        )
        other = "code,name,level,parent_code\n65,Tỉnh khác,province,\n"
        outside = await c.post(
            "/ui/areas/import", data={"csrf_token": token}, files={"file": ("o.csv", other.encode())}
        )
        assert outside.status_code == 403 and "tỉnh 65" in outside.text
        empty = await c.post("/ui/areas/import", data={"csrf_token": token})
        assert empty.status_code == 422 and "Vui lòng chọn một tệp CSV" in empty.text
        no_csrf = await c.post("/ui/areas/import", files={"file": ("x.csv", bad.replace("99999", C1).encode())})
        assert no_csrf.status_code == 403
        assert snapshot(db) == before and audited(db, "area.imported") == []
        good = (
            "code,name,level,parent_code\n23563-04,Tổ dân phố 4,village,23563\n23563-01,Tổ dân phố Một,village,23563\n"
        )
        done = await c.post("/ui/areas/import", data={"csrf_token": token}, files={"file": ("g.csv", good.encode())})
        assert done.status_code == 303
        page = await c.get(done.headers["location"])
        assert "Đã nhập tệp: thêm 1 địa bàn, đổi tên 1 địa bàn." in page.text and "Tổ dân phố Một" in page.text
    [entry] = audited(db, "area.imported")
    assert (entry.actor, entry.object_id, entry.source_ip) == ("op", "64", IP)
    assert entry.detail == {"created": ["23563-04"], "renamed": ["23563-01"], "file": "g.csv"}


async def test_a_merger_is_previewed_then_applied_keeping_history(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    before = snapshot(db)
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "op")
        preview = await c.get("/ui/areas/merge", params={"from_code": C2, "to_code": C1})
        assert preview.status_code == 200
        assert re.search(r'id="merge-device-count">1<', preview.text)
        assert re.search(r'id="merge-village-count">3<', preview.text)
        assert 'href="/ui/devices/d2"' in preview.text and "Làng Dơr 2" in preview.text
        assert snapshot(db) == before  # a preview changes nothing
        form = {
            "csrf_token": csrf_of(preview.text),
            "from_code": C2,
            "to_code": C1,
            "reason": "Nghị quyết sáp nhập 2025",
        }
        done = await c.post("/ui/areas/merge", data=form)
        assert done.status_code == 303
        page = await c.get(done.headers["location"])
        assert (
            "Đã chuyển 1 thiết bị và 3 thôn/tổ dân phố từ Xã Ia Grai (23626) sang Phường Pleiku (23563)." in page.text
        )
        assert marked_inactive(page.text, "Xã Ia Grai") and not marked_inactive(page.text, "Phường Pleiku")
    with db() as s:
        device = s.get(Device, "d2")
        assert device is not None and (device.commune_code, device.village_code) == (C1, "23626-01")
        assert s.get(Area, C2).active is False  # type: ignore[union-attr]
        assert s.get(Area, "23626-03").parent_code == C1  # type: ignore[union-attr]
        [change] = s.scalars(select(DeviceAreaChange))
        assert (change.device_id, change.from_commune, change.to_commune, change.reason) == (
            "d2",
            C2,
            C1,
            "Nghị quyết sáp nhập 2025",
        )
    [merged] = audited(db, "area.merged")
    assert (merged.actor, merged.object_id, merged.area_code, merged.source_ip) == ("op", C2, C1, IP)
    assert [(e.object_id, e.area_code) for e in audited(db, "device.reparented")] == [("d2", C1)]


@pytest.mark.parametrize(
    ("from_code", "to_code", "status", "text"),
    [
        (C1, C1, 422, "phải khác nhau"),
        (C1, INACTIVE, 422, "Xã/phường nhận (23650) đã sáp nhập hoặc ngừng hoạt động"),
        (C1, "99999", 404, "Không tìm thấy xã/phường có mã 99999"),
        ("64", C1, 422, "Chỉ có thể chuyển giữa hai xã/phường"),
        (C1, "", 422, "Vui lòng chọn cả xã/phường chuyển đi và xã/phường nhận"),
    ],
)
async def test_merger_mistakes_are_explained_and_change_nothing(
    db: sessionmaker[Session], tmp_path: Path, from_code: str, to_code: str, status: int, text: str
) -> None:
    add_user(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    before = snapshot(db)
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "op")
        token = csrf_of((await c.get("/ui/areas")).text)
        preview = await c.get("/ui/areas/merge", params={"from_code": from_code, "to_code": to_code})
        applied = await c.post(
            "/ui/areas/merge", data={"csrf_token": token, "from_code": from_code, "to_code": to_code}
        )
        for answer in (preview, applied):
            assert answer.status_code == status and text in answer.text and 'role="alert"' in answer.text
    assert snapshot(db) == before
    assert audited(db, "area.merged") == []
