"""Browser log-in: password check with throttling, server-side sessions, CSRF tokens (no HTTP here).

The numbers are ``config.Settings``' (``NGUON_SESSION_*``, ``NGUON_LOGIN_*``, ``NGUON_TRUSTED_PROXIES``).
Throttling is read from the append-only audit log (every attempt is audited, ``source_ip`` included) and is
keyed by user name AND source address, so a stranger cannot lock a user out of log-ins from elsewhere:

- Per source: ``login_max_failures`` failures of a user name from one address within ``login_window_s`` (since
  that address's last success or lockout for it) write ``login.lockout`` for that pair; that address is then
  refused for ``login_lockout_s`` whatever the password (``login.refused_locked``). Other addresses are unaffected.
- Per user name, all sources: a distributed guesser spreads its tries over many addresses. Past
  ``login_user_max_failures`` failures within the window, an address that never logged in as that user (within
  ``login_known_source_days``) gets at most one try per ``login_user_throttle_s`` for that user name (others are
  refused unchecked, ``login.throttled``): guessing slows to a trickle, the user still logs in from a known
  address at once, and from a new one after a short wait. Nothing here locks a user name as a whole.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from source_server.accounts.models import AuditEntry, User, WebSession
from source_server.accounts.passwords import verify_password
from source_server.accounts.service import Principal, audit, hash_token, principal_for_user
from source_server.config import Settings
from source_server.db import utcnow


class LoginResult(StrEnum):
    """Outcome of a log-in attempt (the user is only ever told ok or not, or to wait)."""

    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SessionInfo:
    """A valid session: who, its CSRF token, and the user's display name."""

    principal: Principal
    full_name: str
    csrf_token: str
    id_hash: str


ANY_SOURCE: Final = "*"
"""Stands for "from any address" where a source address is asked for (not a valid address itself)."""


def _from(ip: str | None) -> list[ColumnElement[bool]]:
    if ip == ANY_SOURCE:
        return []
    return [AuditEntry.source_ip.is_(None) if ip is None else AuditEntry.source_ip == ip]


def _last(db: Session, username: str, actions: tuple[str, ...], *, ip: str | None) -> datetime | None:
    """The latest of ``actions`` for ``username`` from ``ip`` (or ``ANY_SOURCE``)."""
    q = select(func.max(AuditEntry.at)).where(
        AuditEntry.object_id == username, AuditEntry.action.in_(actions), *_from(ip)
    )
    return db.scalar(q)


def locked_until(
    db: Session, *, username: str, ip: str | None, cfg: Settings, now: datetime | None = None
) -> datetime | None:
    """When the lockout of ``username`` from ``ip`` ends, or None when that pair is not locked."""
    now = now or utcnow()
    last = _last(db, username, ("login.lockout",), ip=ip)
    if last is None:
        return None
    until = last + timedelta(seconds=cfg.login_lockout_s)
    return until if until > now else None


def _failures(db: Session, *, username: str, since: datetime, ip: str | None) -> int:
    q = (
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "login.failed", AuditEntry.object_id == username, AuditEntry.at > since, *_from(ip))
    )
    return db.scalar(q) or 0


def _recent_failures(db: Session, *, username: str, ip: str | None, cfg: Settings, now: datetime) -> int:
    since = now - timedelta(seconds=cfg.login_window_s)
    reset = _last(db, username, ("login.success", "login.lockout"), ip=ip)
    return _failures(db, username=username, since=max(since, reset) if reset else since, ip=ip)


def _slowed(db: Session, *, username: str, ip: str | None, cfg: Settings, now: datetime) -> bool:
    """True when the user name is under a distributed attack and this address must wait its turn."""
    window_start = now - timedelta(seconds=cfg.login_window_s)
    if _failures(db, username=username, since=window_start, ip=ANY_SOURCE) < cfg.login_user_max_failures:
        return False
    known_since = now - timedelta(days=cfg.login_known_source_days)
    known = _last(db, username, ("login.success",), ip=ip)
    if known is not None and known > known_since:
        return False
    last_try = _last(db, username, ("login.failed",), ip=ANY_SOURCE)
    return last_try is not None and last_try > now - timedelta(seconds=cfg.login_user_throttle_s)


def authenticate(
    db: Session, *, username: str, password: str, ip: str | None, cfg: Settings
) -> tuple[LoginResult, User | None]:
    """Check a password with per-address lockout and per-user-name slowing; every outcome is audited (the caller
    commits even on failure)."""
    now = utcnow()
    username = username.strip()[:64]
    if locked_until(db, username=username, ip=ip, cfg=cfg, now=now) is not None:
        audit(db, actor=username, action="login.refused_locked", object_type="user", object_id=username, source_ip=ip)
        return LoginResult.LOCKED, None
    if _slowed(db, username=username, ip=ip, cfg=cfg, now=now):
        audit(db, actor=username, action="login.throttled", object_type="user", object_id=username, source_ip=ip)
        return LoginResult.THROTTLED, None
    user = db.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.active:
        audit(db, actor=username, action="login.success", object_type="user", object_id=username, source_ip=ip)
        return LoginResult.OK, user
    reason = "unknown user" if user is None else ("inactive user" if not user.active else "wrong password")
    audit(
        db,
        actor=username,
        action="login.failed",
        object_type="user",
        object_id=username,
        source_ip=ip,
        detail={"reason": reason},
    )
    db.flush()
    if _recent_failures(db, username=username, ip=ip, cfg=cfg, now=now) >= cfg.login_max_failures:
        audit(
            db,
            actor=username,
            action="login.lockout",
            object_type="user",
            object_id=username,
            source_ip=ip,
            summary=f"{cfg.login_max_failures} failed log-ins from {ip}; that address is locked for "
            f"{cfg.login_lockout_s} s",
        )
        return LoginResult.LOCKED, None
    return LoginResult.FAILED, None


def create_session(db: Session, *, user: User, ip: str | None, user_agent: str, cfg: Settings) -> str:
    """A new session for ``user``; returns the cookie value (only its hash is stored)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.expires_at < now))
    db.add(
        WebSession(
            id_hash=hash_token(sid),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=cfg.session_absolute_s),
            ip=ip,
            user_agent=user_agent[:300],
        )
    )
    db.flush()
    return sid


class SessionState(StrEnum):
    """Why a cookie does not give a session."""

    MISSING = "missing"
    EXPIRED = "expired"


def resolve_session(db: Session, *, sid: str, cfg: Settings) -> SessionInfo | SessionState:
    """The session of a cookie value, refreshing its last-seen time; expired sessions are deleted."""
    row = db.get(WebSession, hash_token(sid)) if sid else None
    if row is None:
        return SessionState.MISSING
    now = utcnow()
    user = db.get(User, row.user_id)
    idle_end = row.last_seen_at + timedelta(seconds=cfg.session_idle_s)
    if now >= row.expires_at or now >= idle_end or user is None or not user.active:
        db.delete(row)
        return SessionState.EXPIRED
    if now - row.last_seen_at > timedelta(seconds=30):
        row.last_seen_at = now
    return SessionInfo(
        principal=principal_for_user(user), full_name=user.full_name, csrf_token=row.csrf_token, id_hash=row.id_hash
    )


def end_session(db: Session, *, sid: str) -> User | None:
    """Delete a session; returns its user (None when there was none)."""
    row = db.get(WebSession, hash_token(sid)) if sid else None
    if row is None:
        return None
    user = db.get(User, row.user_id)
    db.delete(row)
    return user


def csrf_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a request's CSRF token with the session's."""
    return bool(given) and secrets.compare_digest(expected.encode(), (given or "").encode())
