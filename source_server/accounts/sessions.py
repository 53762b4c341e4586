"""Browser log-in: password check with lockout, server-side sessions, CSRF tokens (no HTTP here).

Lockout state is read from the append-only audit log: failures of a username since its last success or
lockout, within the window; the 5th one writes ``login.lockout`` and the username is refused for
``lockout_s`` whatever the password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from source_server.accounts.models import AuditEntry, User, WebSession
from source_server.accounts.passwords import verify_password
from source_server.accounts.service import Principal, audit, hash_token, principal_for_user
from source_server.db import utcnow


class AuthSettings(BaseSettings):
    """Session and lockout settings (environment prefix ``NGUON_``)."""

    model_config = SettingsConfigDict(env_prefix="NGUON_", env_file=".env", extra="ignore")

    session_idle_s: int = 8 * 3600
    session_absolute_s: int = 24 * 3600
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    login_lockout_s: int = 15 * 60
    login_failure_delay_s: float = 0.5
    """A constant pause after each failed log-in (slows guessing)."""


class LoginResult(StrEnum):
    """Outcome of a log-in attempt (the user is only ever told ok or not)."""

    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class SessionInfo:
    """A valid session: who, its CSRF token, and the user's display name."""

    principal: Principal
    full_name: str
    csrf_token: str
    id_hash: str


def _last(db: Session, username: str, actions: tuple[str, ...]) -> datetime | None:
    return db.scalar(
        select(func.max(AuditEntry.at)).where(AuditEntry.object_id == username, AuditEntry.action.in_(actions))
    )


def locked_until(db: Session, *, username: str, cfg: AuthSettings, now: datetime | None = None) -> datetime | None:
    """When the username's current lockout ends, or None when it is not locked."""
    now = now or utcnow()
    last = _last(db, username, ("login.lockout",))
    if last is None:
        return None
    until = last + timedelta(seconds=cfg.login_lockout_s)
    return until if until > now else None


def _recent_failures(db: Session, *, username: str, cfg: AuthSettings, now: datetime) -> int:
    since = now - timedelta(seconds=cfg.login_window_s)
    reset = _last(db, username, ("login.success", "login.lockout"))
    if reset is not None and reset > since:
        since = reset
    return (
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "login.failed", AuditEntry.object_id == username, AuditEntry.at > since)
        )
        or 0
    )


def authenticate(
    db: Session, *, username: str, password: str, ip: str | None, cfg: AuthSettings
) -> tuple[LoginResult, User | None]:
    """Check a password with lockout; every outcome is audited (the caller commits even on failure)."""
    now = utcnow()
    username = username.strip()[:64]
    if locked_until(db, username=username, cfg=cfg, now=now) is not None:
        audit(db, actor=username, action="login.refused_locked", object_type="user", object_id=username, source_ip=ip)
        return LoginResult.LOCKED, None
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
    if _recent_failures(db, username=username, cfg=cfg, now=now) >= cfg.login_max_failures:
        audit(
            db,
            actor=username,
            action="login.lockout",
            object_type="user",
            object_id=username,
            source_ip=ip,
            summary=f"{cfg.login_max_failures} failed log-ins; locked for {cfg.login_lockout_s} s",
        )
        return LoginResult.LOCKED, None
    return LoginResult.FAILED, None


def create_session(db: Session, *, user: User, ip: str | None, user_agent: str, cfg: AuthSettings) -> str:
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


def resolve_session(db: Session, *, sid: str, cfg: AuthSettings) -> SessionInfo | SessionState:
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
