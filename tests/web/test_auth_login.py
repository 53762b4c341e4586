"""Log-in with a password: sessions in a cookie, wrong passwords, lockout per address and slowing per user name,
expiry, log-out, all audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry, User, WebSession
from source_server.accounts.service import Role, hash_token
from source_server.db import utcnow
from tests.web.auth_support import IP, PASSWORD, add_user, browser, csrf_of, login, make_app

STRANGER = "203.0.113.66"


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


def browser_from(app: FastAPI, ip: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """A cookie-keeping client from ``ip`` (with extra headers on every request)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://nguon.test", headers=headers)


def audit_rows(db: sessionmaker[Session], username: str) -> list[tuple[str, str | None]]:
    with db() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.object_id == username).order_by(AuditEntry.id))
        return [(e.action, e.source_ip) for e in rows]


async def test_five_failures_lock_that_address_not_the_user_who_logs_in_from_elsewhere(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    add_user(db, "admin", (Role.PROVINCE_ADMIN, "64"))
    app = make_app(db, tmp_path)
    async with browser_from(app, STRANGER) as stranger:
        for _ in range(4):
            assert (await login(stranger, "admin", "wrong-password!")).status_code == 401
        fifth = await login(stranger, "admin", "wrong-password!")
        assert fifth.status_code == 429 and "từ máy này" in fifth.text and "15 phút" in fifth.text
        locked = await login(stranger, "admin")  # even the right password, from that address
        assert locked.status_code == 429 and "nguon_session" not in stranger.cookies
    # The failure this guards against: the lockout was per user name, so five requests from anyone locked the
    # administrator out everywhere. Now the administrator, from the office, logs in at once.
    async with browser_from(app, IP) as office:
        assert (await login(office, "admin")).status_code == 303
    assert audit_rows(db, "admin") == [
        *[("login.failed", STRANGER)] * 5,
        ("login.lockout", STRANGER),
        ("login.refused_locked", STRANGER),
        ("login.success", IP),
    ]
    async with browser_from(make_app(db, tmp_path, login_lockout_s=0), STRANGER) as c:  # once the lockout ran out
        assert (await login(c, "admin")).status_code == 303


async def test_a_distributed_guesser_is_slowed_not_the_users_known_address(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    add_user(db, "admin", (Role.PROVINCE_ADMIN, "64"))
    app = make_app(db, tmp_path, login_user_max_failures=6, login_user_throttle_s=60)
    async with browser_from(app, IP) as office:  # the administrator's usual address
        assert (await login(office, "admin")).status_code == 303
    guessers = [f"203.0.113.{n}" for n in range(1, 9)]
    for ip in guessers[:6]:  # one guess from each of six addresses: no address reaches its own lockout
        async with browser_from(app, ip) as c:
            assert (await login(c, "admin", "guess-" + ip)).status_code == 401
    for ip in guessers[6:]:  # past the user name's cap, a new address waits its turn, unchecked
        async with browser_from(app, ip) as c:
            slowed = await login(c, "admin")
            assert slowed.status_code == 429 and "Vui lòng đợi 60 giây" in slowed.text
    async with browser_from(app, IP) as office:  # the known address is not slowed
        assert (await login(office, "admin")).status_code == 303
    async with browser_from(
        make_app(db, tmp_path, login_user_max_failures=6, login_user_throttle_s=0), "192.0.2.7"
    ) as c:
        assert (await login(c, "admin")).status_code == 303  # a new address of the user gets its turn after the wait
    rows = audit_rows(db, "admin")
    assert [a for a, _ in rows].count("login.throttled") == 2
    assert "login.lockout" not in [a for a, _ in rows]


async def test_the_lockout_message_is_in_english_too(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    async with browser_from(make_app(db, tmp_path, login_max_failures=1, login_lockout_s=600), STRANGER) as c:
        await c.get("/login", params={"lang": "en"})
        r = await login(c, "lan", "wrong-password!")
        assert r.status_code == 429
        assert "Too many failed log-ins from this computer. Please try again in 10 minutes." in r.text


async def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(db: sessionmaker[Session], tmp_path: Path) -> None:
    add_user(db, "lan", (Role.VIEWER, "64"))
    trusting = make_app(db, tmp_path, trusted_proxies="10.0.0.0/8, ::1")
    # Behind the proxy: the right-most untrusted hop is the client (the left one is the client's own claim).
    forwarded = {"X-Forwarded-For": "192.0.2.99, 198.51.100.77, 10.0.0.9"}
    async with browser_from(trusting, "10.0.0.5", forwarded) as c:
        assert (await login(c, "lan", "wrong-password!")).status_code == 401
    # Straight from the Internet, a forged header changes nothing; nor without trusted proxies at all.
    async with browser_from(trusting, STRANGER, {"X-Forwarded-For": "192.0.2.1"}) as c:
        assert (await login(c, "lan", "wrong-password!")).status_code == 401
    async with browser_from(make_app(db, tmp_path), "10.0.0.5", forwarded) as c:
        assert (await login(c, "lan", "wrong-password!")).status_code == 401
    assert [ip for _, ip in audit_rows(db, "lan")] == ["198.51.100.77", STRANGER, "10.0.0.5"]


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
