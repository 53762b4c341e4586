"""The audit log is append-only in the database and over HTTP, and admins read it on ``/audit``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role, audit
from source_server.app import create_app
from source_server.web.people.access import router as pages_router
from tests.accounts.helpers import seed
from tests.web.auth_support import add_user, browser, login, make_app


def _entries(db: sessionmaker[Session], n: int, **kw: str) -> None:
    with db.begin() as s:
        for i in range(n):
            audit(
                s,
                actor=kw.get("actor", "op"),
                action=kw.get("action", "device.updated"),
                object_type="device",
                object_id=f"d{i}",
                area_code=kw.get("area", "23563"),
            )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log", "DELETE FROM audit_log WHERE id > 0"],
)
def test_the_database_refuses_to_change_or_delete_audit_entries(db: sessionmaker[Session], statement: str) -> None:
    _entries(db, 2)
    with pytest.raises(DatabaseError, match="append-only"), db.begin() as s:
        s.execute(text(statement))
    with db() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 2
        assert set(s.scalars(select(AuditEntry.actor))) == {"op"}
    with pytest.raises(DatabaseError, match="append-only"), db.begin() as s:  # through the ORM too
        entry = s.scalars(select(AuditEntry)).first()
        assert entry is not None
        s.delete(entry)


def test_no_route_of_the_app_can_change_the_audit_log() -> None:
    api = {p: set(ops) for p, ops in create_app().openapi()["paths"].items() if "audit" in p}
    assert api == {"/api/v1/audit": {"get"}, "/api/v1/audit/export.csv": {"get"}}
    pages = [r for r in pages_router.routes if isinstance(r, APIRoute) and "audit" in r.path]
    assert [(r.path, r.methods) for r in pages] == [("/audit", {"GET"})]


async def test_admins_browse_filter_and_page_the_audit_log(db: sessionmaker[Session], tmp_path: Path) -> None:
    seed(db)
    add_user(db, "admin", (Role.PROVINCE_ADMIN, "64"))
    add_user(db, "viewer", (Role.VIEWER, "64"))
    _entries(db, 60)
    _entries(db, 1, actor="minh", action="broadcast.created", area="23626")
    async with browser(make_app(db, tmp_path)) as c:
        assert (await c.get("/audit")).status_code == 303
        await login(c, "viewer")
        denied = await c.get("/audit")
        assert denied.status_code == 403 and 'href="/audit"' not in denied.text
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "admin")
        first = await c.get("/audit")
        assert first.status_code == 200 and "Nhật ký hoạt động" in first.text
        assert first.text.count("<tr><td>") == 50 and 'rel="next"' in first.text and 'rel="prev"' not in first.text
        second = await c.get("/audit", params={"page": 2})
        assert "63 mục" in first.text  # 61 entries and two log-ins
        assert second.text.count("<tr><td>") == 13 and 'rel="prev"' in second.text
        only = await c.get("/audit", params={"actor": "minh", "since": "2000-01-01", "until": "2999-12-31"})
        assert only.text.count("<tr><td>") == 1 and "broadcast.created" in only.text
        assert "export.csv?actor=minh" in only.text
        csv = await c.get("/api/v1/audit/export.csv", params={"actor": "minh"})
        assert csv.status_code == 200 and len(csv.text.splitlines()) == 2
        none = await c.get("/audit", params={"area": "99999"})
        assert "Không có mục nào." in none.text
