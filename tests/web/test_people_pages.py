"""People: administrators manage users of their areas (API and pages); everyone manages their password and tokens."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry, User
from source_server.accounts.service import Role, create_user, issue_token
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from tests.web.auth_support import PASSWORD, add_user, browser, csrf_of, login, make_app

A, B = "23563", "23575"


def seed(db: sessionmaker[Session]) -> str:
    """Areas, an administrator with a token, a commune editor."""
    with db.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        admin = create_user(s, username="admin", grants=[(Role.PROVINCE_ADMIN, "64")], password=PASSWORD)
        token = issue_token(s, user=admin)
    add_user(db, "editor-a", (Role.COMMUNE_EDITOR, A))
    return token


def audit_actions(db: sessionmaker[Session], object_id: str) -> list[str]:
    with db() as s:
        return list(
            s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == object_id).order_by(AuditEntry.id))
        )


async def test_an_administrator_creates_a_user_who_logs_in_with_the_password_shown_once(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    token = seed(db)
    auth = {"Authorization": f"Bearer {token}"}
    async with browser(make_app(db, tmp_path)) as c:
        body = {"username": "lan.nguyen", "full_name": "Nguyễn Thị Lan",
                "grants": [{"role": "commune_approver", "area_code": A}]}  # fmt: skip
        r = await c.post("/api/v1/users", json=body, headers=auth)
        assert r.status_code == 201, r.text
        password = r.json()["password"]
        assert len(password) >= 12 and r.json()["grants"] == [{"role": "commune_approver", "area_code": A}]
        again = await c.post("/api/v1/users", json=body, headers=auth)
        assert again.status_code == 422 and "already exists" in again.text
        for bad in (
            {**body, "username": "Lan Nguyễn"},
            {**body, "username": "x2", "grants": [{"role": "commune_editor", "area_code": "64"}]},
            {**body, "username": "x3", "grants": [{"role": "king", "area_code": A}]},
            {**body, "username": "x4", "grants": [{"role": "viewer", "area_code": "99999"}]},
        ):
            assert (await c.post("/api/v1/users", json=bad, headers=auth)).status_code == 422, bad
        listed = [u["username"] for u in (await c.get("/api/v1/users", headers=auth)).json()]
        assert listed == ["admin", "editor-a", "lan.nguyen"]
        logged = await login(c, "lan.nguyen", password)
        assert logged.status_code == 303
        assert (await c.get("/api/v1/users")).status_code == 403  # not an administrator
    with db() as s:
        user = s.scalar(select(User).where(User.username == "lan.nguyen"))
        assert user is not None and password not in (user.password_hash or "")
    assert audit_actions(db, "lan.nguyen")[:2] == ["user.created", "login.success"]


async def test_deactivating_ends_sessions_and_tokens_and_a_reset_replaces_the_password(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    token = seed(db)
    auth = {"Authorization": f"Bearer {token}"}
    with db.begin() as s:
        editor = s.scalar(select(User).where(User.username == "editor-a"))
        assert editor is not None
        editor_token = issue_token(s, user=editor)
    app = make_app(db, tmp_path)
    async with browser(app) as editor_browser, browser(app) as admin_client:
        await login(editor_browser, "editor-a")
        assert (await editor_browser.get("/ui/")).status_code == 200
        off = await admin_client.patch("/api/v1/users/editor-a", json={"active": False}, headers=auth)
        assert off.status_code == 200 and off.json()["active"] is False
        assert (await editor_browser.get("/ui/")).status_code == 303  # the session ended
        me = await admin_client.get("/api/v1/me", headers={"Authorization": f"Bearer {editor_token}"})
        assert me.status_code == 401
        await admin_client.patch("/api/v1/users/editor-a", json={"active": True}, headers=auth)
        reset = await admin_client.post("/api/v1/users/editor-a/password", headers=auth)
        new = reset.json()["password"]
        assert (await login(editor_browser, "editor-a")).status_code == 401  # the old password is gone
        assert (await login(editor_browser, "editor-a", new)).status_code == 303
        self_off = await admin_client.patch("/api/v1/users/admin", json={"active": False}, headers=auth)
        assert self_off.status_code == 422
        ghost = await admin_client.patch("/api/v1/users/ghost", json={"active": False}, headers=auth)
        assert ghost.status_code == 404
    assert audit_actions(db, "editor-a")[-3:] == ["user.password_reset", "login.failed", "login.success"]


async def test_pages_create_a_user_add_a_role_and_refuse_non_administrators(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    seed(db)
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "admin")
        page = await c.get("/ui/users")
        assert page.status_code == 200 and "Quản lý người dùng" in page.text and "editor-a" in page.text
        csrf = csrf_of(page.text)
        form = {"csrf_token": csrf, "username": "binh", "full_name": "Trần Văn Bình", "role": "viewer", "area": B}
        created = await c.post("/ui/users", data=form)
        assert created.status_code == 201 and "chỉ hiển thị một lần" in created.text
        password = re.search(r'id="initial-password">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
        bad = await c.post("/ui/users", data={**form, "username": "b"})
        assert bad.status_code == 422 and 'value="b"' in bad.text
        edit = await c.post(
            "/ui/users/binh",
            data={
                "csrf_token": csrf,
                "full_name": "Trần Văn Bình",
                "keep": f"viewer|{B}",
                "new_role": "commune_editor",
                "new_area": B,
                "active": "1",
            },
        )
        assert edit.status_code == 303
        shown = await c.get("/ui/users/binh")
        assert "Biên tập viên xã — Phường Hội Phú" in shown.text and "Chỉ xem — Phường Hội Phú" in shown.text
        assert (await c.post("/ui/users/binh", data={"full_name": "x"})).status_code == 403  # no CSRF token
    async with browser(make_app(db, tmp_path)) as c:
        assert (await login(c, "binh", password)).status_code == 303
        assert (await c.get("/ui/users")).status_code == 403
        assert (await c.get("/ui/users/admin")).status_code == 403


async def test_my_account_changes_the_password_and_manages_tokens(db: sessionmaker[Session], tmp_path: Path) -> None:
    seed(db)
    app = make_app(db, tmp_path)
    async with browser(app) as c, browser(app) as other:
        await login(other, "editor-a")
        await login(c, "editor-a")
        page = await c.get("/ui/account")
        assert page.status_code == 200 and "Biên tập viên xã — Phường Pleiku" in page.text
        csrf = csrf_of(page.text)
        new = "mật-khẩu-mới-rất-dài-2027"
        mismatch = await c.post("/ui/account/password", data={"csrf_token": csrf, "current": PASSWORD, "new": new,
                                                              "again": new + "x"})  # fmt: skip
        assert mismatch.status_code == 422 and "không khớp" in mismatch.text
        wrong = await c.post(
            "/ui/account/password", data={"csrf_token": csrf, "current": "sai", "new": new, "again": new}
        )
        assert wrong.status_code == 422
        weak = await c.post("/ui/account/password", data={"csrf_token": csrf, "current": PASSWORD, "new": "ngắn",
                                                          "again": "ngắn"})  # fmt: skip
        assert weak.status_code == 422
        ok = await c.post(
            "/ui/account/password", data={"csrf_token": csrf, "current": PASSWORD, "new": new, "again": new}
        )
        assert ok.status_code == 303
        assert (await c.get("/ui/account")).status_code == 200  # this browser stays logged in
        assert (await other.get("/ui/account")).status_code == 303  # the other one is logged out
        made = await c.post("/ui/account/tokens", data={"csrf_token": csrf, "name": "LGSP", "read_only": "true"})
        assert made.status_code == 201
        secret = re.search(r'id="new-token">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
        assert secret.startswith("ngn_")
        me = await c.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 200
        refused = await c.post(
            "/api/v1/tokens", json={"name": "x"}, headers={"Authorization": f"Bearer {secret}"}
        )  # read-only
        assert refused.status_code == 403
        listed = (await c.get("/api/v1/tokens")).json()
        token_id = listed[0]["id"]
        assert (await c.post(f"/ui/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})).status_code == 303
        assert (await c.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})).status_code == 401
    assert audit_actions(db, "editor-a").count("user.password_changed") == 1
