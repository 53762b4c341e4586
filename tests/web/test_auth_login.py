"""Log-in with a password: sessions in a cookie, wrong passwords, lockout, expiry, log-out, all audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry, User, WebSession
from source_server.accounts.service import Role, hash_token
from source_server.db import utcnow
from tests.web.auth_support import IP, PASSWORD, add_user, browser, csrf_of, login, make_app


def actions(db: sessionmaker[Session], username: str) -> list[str]:
    with db() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.object_id == username).order_by(AuditEntry.id))
        return [e.action for e in rows]


async def test_login_sets_a_safe_cookie_and_pages_need_it(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.PROVINCE_ADMIN, "64"), full_name="Nguyễn Thị Lan")
    async with browser(make_app(db, tmp_path)) as c:
        anon = await c.get("/ui/?x=1")
        assert anon.status_code == 303 and anon.headers["location"] == "/login?next=%2Fui%2F%3Fx%3D1"
        r = await login(c, "lan", next_url="/ui/?x=1")
        assert r.status_code == 303 and r.headers["location"] == "/ui/?x=1"
        cookie = r.headers["set-cookie"]
        assert "nguon_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie
        page = await c.get("/ui/")
        assert page.status_code == 200 and '<html lang="vi">' in page.text
        assert "Tổng quan" in page.text and "Nguyễn Thị Lan" in page.text and 'href="/audit"' in page.text
        assert 'name="csrf_token"' in page.text and csrf_of(page.text)
        en = await c.get("/ui/?lang=en")
        assert '<html lang="en">' in en.text and "Overview" in en.text and "nguon_lang=en" in en.headers["set-cookie"]
        assert '<html lang="en">' in (await c.get("/ui/")).text
        assert (await c.get("/static/app.css")).status_code == 200
        assert (await c.get("/api/v1/me")).json()["username"] == "lan"
    with db() as s:
        row = s.scalars(select(WebSession)).one()
        assert row.ip == IP and row.expires_at - row.created_at == timedelta(hours=24)
        assert row.id_hash != cookie.split("=", 1)[1].split(";")[0]
    entries = actions(db, "lan")
    assert entries == ["login.success"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        wrong = await login(c, "lan", "sai-mật-khẩu-rồi")
        ghost = await login(c, "ghost", "sai-mật-khẩu-rồi")
        assert wrong.status_code == ghost.status_code == 401
        assert (
            "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
            and "Tên đăng nhập hoặc mật khẩu không đúng." in ghost.text
        )
        assert "nguon_session" not in c.cookies
        no_form_token = await c.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": "x"})
        assert no_form_token.status_code == 400 and "nguon_session" not in c.cookies
    with db() as s:
        failed = s.scalars(select(AuditEntry).where(AuditEntry.action == "login.failed")).all()
    assert {(e.object_id, e.source_ip) for e in failed} == {("lan", IP), ("ghost", IP)}


async def test_five_failures_lock_the_username_even_with_the_right_password(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        for _ in range(4):
            assert (await login(c, "lan", "wrong-password!")).status_code == 401
        fifth = await login(c, "lan", "wrong-password!")
        assert fifth.status_code == 429 and "15 phút" in fifth.text
        locked = await login(c, "lan")
        assert locked.status_code == 429 and "nguon_session" not in c.cookies
    assert actions(db, "lan") == ["login.failed"] * 5 + ["login.lockout", "login.refused_locked"]
    async with browser(make_app(db, tmp_path, login_lockout_s=0)) as c:  # once the lockout has run out
        assert (await login(c, "lan")).status_code == 303


async def test_expired_session_goes_back_to_login_with_a_message(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "lan")
        with db.begin() as s:
            s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=8, seconds=1)))
        r = await c.get("/ui/")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fui%2F&expired=1"
        assert "Phiên làm việc đã hết hạn" in (await c.get(r.headers["location"])).text
        assert (await c.get("/api/v1/me")).status_code == 401
        await login(c, "lan")
        with db.begin() as s:
            s.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert (await c.get("/ui/")).headers["location"].endswith("&expired=1")
    with db() as s:
        assert s.scalars(select(WebSession)).all() == []


async def test_logout_needs_the_csrf_token_and_ends_the_session(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "lan")
        sid = c.cookies["nguon_session"]
        assert (await c.post("/logout", data={"csrf_token": "forged"})).status_code == 403
        token = csrf_of((await c.get("/ui/")).text)
        out = await c.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/login?out=1"
        assert (await c.get("/ui/")).status_code == 303
    with db() as s:
        assert s.get(WebSession, hash_token(sid)) is None
    assert actions(db, "lan") == ["login.success", "logout"]


async def test_deactivated_user_loses_the_session(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    async with browser(make_app(db, tmp_path)) as c:
        await login(c, "lan")
        with db.begin() as s:
            s.execute(update(User).values(active=False))
        assert (await c.get("/api/v1/me")).status_code == 401
        assert (await login(c, "lan")).status_code == 401


async def test_the_cookie_is_secure_behind_an_https_public_url(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    app = make_app(db, tmp_path)
    app.state.runtime.settings = app.state.runtime.settings.model_copy(update={"public_url": "https://nguon.example"})
    async with browser(app) as c:
        r = await login(c, "lan")
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
