"""CSRF on cookie-authenticated writes, and bearer tokens: revoked, deactivated, area-scoped, read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry, User
from source_server.accounts.service import Role, create_user, issue_token
from tests.accounts.helpers import C1, C2, seed
from tests.web.auth_support import IP, add_user, browser, csrf_of, login, make_app


@pytest.fixture(autouse=True)
def _areas(db: sessionmaker[Session]) -> None:
    seed(db)


def audited(db: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with db() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


async def test_cookie_writes_need_the_sessions_csrf_token(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.PROVINCE_OPERATOR, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "lan")
        token = csrf_of((await c.get("/ui/")).text)
        assert (await c.get("/api/v1/devices/d1")).status_code == 200  # reads need no token
        missing = await c.patch("/api/v1/devices/d1", json={"name": "Loa chợ"})
        forged = await c.patch("/api/v1/devices/d1", json={"name": "Loa chợ"}, headers={"X-CSRF-Token": "forged"})
        assert missing.status_code == forged.status_code == 403
        assert "CSRF" in forged.json()["detail"]
        assert (await c.get("/api/v1/devices/d1")).json()["name"] != "Loa chợ"
        ok = await c.patch("/api/v1/devices/d1", json={"name": "Loa chợ"}, headers={"X-CSRF-Token": token})
        assert ok.status_code == 200 and ok.json()["name"] == "Loa chợ"
        form_forged = await c.post("/api/v1/tokens", data={"csrf_token": "nope"})
        assert form_forged.status_code == 403
    rejected = audited(db, "csrf.rejected")
    assert [(e.actor, e.object_id, e.source_ip) for e in rejected] == [
        ("lan", "PATCH /api/v1/devices/d1", IP),
        ("lan", "PATCH /api/v1/devices/d1", IP),
        ("lan", "POST /api/v1/tokens", IP),
    ]


async def test_bearer_tokens_need_no_csrf_and_revoked_or_deactivated_ones_fail(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    with db.begin() as s:
        user = create_user(s, username="api", grants=[(Role.PROVINCE_OPERATOR, "64")])
        secret = issue_token(s, user=user, name="integration")
    h = {"Authorization": f"Bearer {secret}"}
    async with browser(make_app(db, tmp_path)) as c:
        created = await c.post("/api/v1/tokens", json={"name": "second"}, headers=h)
        assert created.status_code == 201
        second = {"Authorization": f"Bearer {created.json()['token']}"}
        assert (await c.delete(f"/api/v1/tokens/{created.json()['id']}", headers=h)).status_code == 204
        assert (await c.get("/api/v1/me", headers=second)).status_code == 401
        assert (await c.get("/api/v1/me", headers=h)).status_code == 200
        with db.begin() as s:
            s.execute(update(User).values(active=False))
        assert (await c.get("/api/v1/me", headers=h)).status_code == 401
    assert [e.action for e in audited(db, "token.created") + audited(db, "token.revoked")] == [
        "token.created",
        "token.revoked",
    ]


async def test_area_scoped_and_read_only_tokens(db: sessionmaker[Session], tmp_path: Path) -> None:
    with db.begin() as s:
        user = create_user(s, username="op", grants=[(Role.PROVINCE_OPERATOR, C1), (Role.PROVINCE_OPERATOR, C2)])
        both = issue_token(s, user=user)
        with pytest.raises(ValueError, match="some of the user's areas"):
            issue_token(s, user=user, areas=["64"])
    h = {"Authorization": f"Bearer {both}"}
    async with browser(make_app(db, tmp_path)) as c:
        bad = await c.post("/api/v1/tokens", json={"areas": ["64"]}, headers=h)
        assert bad.status_code == 422
        r = await c.post("/api/v1/tokens", json={"name": "xã 1", "areas": [C1]}, headers=h)
        assert r.status_code == 201 and r.json()["area_scope"] == [C1]
        c1 = {"Authorization": f"Bearer {r.json()['token']}"}
        assert (await c.get("/api/v1/devices/d1", headers=c1)).status_code == 200
        assert (await c.get("/api/v1/devices/d2", headers=c1)).status_code == 404
        assert (await c.patch("/api/v1/devices/d2", json={"name": "x"}, headers=c1)).status_code == 404
        assert (await c.patch("/api/v1/devices/d1", json={"name": "ok"}, headers=c1)).status_code == 200
        wider = await c.post("/api/v1/tokens", json={"name": "wider"}, headers=c1)
        assert wider.json()["area_scope"] == [C1]  # a narrowed token cannot mint a wider one
        r = await c.post("/api/v1/tokens", json={"name": "ro", "read_only": True}, headers=h)
        ro = {"Authorization": f"Bearer {r.json()['token']}"}
        assert (await c.get("/api/v1/devices/d2", headers=ro)).status_code == 200
        refused = await c.patch("/api/v1/devices/d2", json={"name": "x"}, headers=ro)
        assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
        assert (await c.post("/api/v1/tokens", json={}, headers=ro)).status_code == 403
        assert (await c.get("/api/v1/devices/d2", headers=h)).json()["name"] != "x"
