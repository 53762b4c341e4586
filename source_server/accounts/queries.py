"""Reads and revocations over tokens and the audit log (kept apart from ``service`` by ownership; merge later)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from source_server.accounts.models import ApiToken, AuditEntry, User

__all__ = ["AuditFilter", "User", "audit_all", "audit_page", "get_user", "list_tokens", "revoke_token"]
from source_server.db import utcnow


def get_user(db: Session, username: str) -> User | None:
    """A user by name."""
    return db.scalar(select(User).where(User.username == username))


def list_tokens(db: Session, *, username: str | None = None) -> Sequence[tuple[ApiToken, str]]:
    """Tokens (newest first) with their owner's name, optionally of one user."""
    stmt = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc())
    if username is not None:
        stmt = stmt.where(User.username == username)
    return [(t, u) for t, u in db.execute(stmt).all()]


def revoke_token(db: Session, *, token_id: int, username: str | None = None) -> ApiToken | None:
    """Revoke a token (only one of ``username`` when given); None if there is no such token. Idempotent."""
    token = db.get(ApiToken, token_id)
    if token is None:
        return None
    if username is not None:
        owner = db.get(User, token.user_id)
        if owner is None or owner.username != username:
            return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
    return token


@dataclass
class AuditFilter:
    """Which audit entries to show; ``areas`` None means every area (including none)."""

    actor: str | None = None
    action: str | None = None
    area: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    areas: Iterable[str] | None = None


def _audit_query(f: AuditFilter) -> Select[Any]:
    stmt = select(AuditEntry)
    if f.actor:
        stmt = stmt.where(AuditEntry.actor == f.actor)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.area:
        stmt = stmt.where(AuditEntry.area_code == f.area)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEntry.at < f.until)
    if f.areas is not None:
        stmt = stmt.where(AuditEntry.area_code.in_(list(f.areas)))
    return stmt


def audit_page(db: Session, f: AuditFilter, *, limit: int = 100, offset: int = 0) -> tuple[int, Sequence[AuditEntry]]:
    """Total matching entries and one page of them, newest first."""
    stmt = _audit_query(f)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return total, rows


def audit_all(db: Session, f: AuditFilter) -> Sequence[AuditEntry]:
    """Every matching entry, oldest first (exports)."""
    return db.scalars(_audit_query(f).order_by(AuditEntry.id)).all()
