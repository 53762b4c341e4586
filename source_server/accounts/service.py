"""Principals, roles scoped to areas, API tokens and the audit log (no HTTP here)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from source_server.accounts.models import ApiToken, AuditEntry, RoleGrant, User, WebSession
from source_server.accounts.passwords import check_policy, hash_password
from source_server.db import utcnow

TOKEN_PREFIX = "ngn_"


class Role(StrEnum):
    """Roles; each is granted in one area (a province or a commune code)."""

    PROVINCE_ADMIN = "province_admin"
    PROVINCE_OPERATOR = "province_operator"
    COMMUNE_EDITOR = "commune_editor"
    COMMUNE_APPROVER = "commune_approver"
    VIEWER = "viewer"


# Who may do what (the area check comes on top of this).
READ_ROLES = frozenset(Role)
OPERATE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.PROVINCE_OPERATOR})
BROADCAST_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.PROVINCE_OPERATOR, Role.COMMUNE_EDITOR, Role.COMMUNE_APPROVER})
ADMIN_ROLES = frozenset({Role.PROVINCE_ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who is calling, with their (role, area) grants."""

    username: str
    grants: frozenset[tuple[Role, str]]
    read_only: bool = False
    """True for a read-only token: any state-changing request is refused."""

    def areas_for(self, roles: Iterable[Role]) -> set[str]:
        """Area codes where the principal holds any of ``roles``."""
        wanted = set(roles)
        return {area for role, area in self.grants if role in wanted}

    def can(self, roles: Iterable[Role], area_path: Iterable[str]) -> bool:
        """True when one of ``roles`` is granted on an area on ``area_path`` (province, commune, village)."""
        return bool(self.areas_for(roles) & set(area_path))


def hash_token(token: str) -> str:
    """SHA-256 hex of a bearer token (tokens are random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    db: Session,
    *,
    username: str,
    full_name: str = "",
    grants: Iterable[tuple[Role, str]] = (),
    password: str | None = None,
) -> User:
    """A new user with role grants (and a password for log-in, checked by the policy); ValueError if taken."""
    if db.scalar(select(User).where(User.username == username)) is not None:
        raise ValueError(f"user {username!r} already exists")
    if password is not None:
        check_policy(password, username=username)
    user = User(username=username, full_name=full_name, password_hash=hash_password(password) if password else None)
    user.grants = [RoleGrant(role=Role(r).value, area_code=a) for r, a in grants]
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, *, user: User, password: str) -> None:
    """Replace ``user``'s password (WeakPassword when refused by the policy); ends their browser sessions."""
    check_policy(password, username=user.username)
    user.password_hash = hash_password(password)
    db.execute(delete(WebSession).where(WebSession.user_id == user.id))
    db.flush()


def principal_for_user(user: User, *, areas: Iterable[str] | None = None, read_only: bool = False) -> Principal:
    """The principal of ``user``, its grants optionally narrowed to ``areas``."""
    scope = None if areas is None else set(areas)
    grants = frozenset((Role(g.role), g.area_code) for g in user.grants if scope is None or g.area_code in scope)
    return Principal(username=user.username, grants=grants, read_only=read_only)


def issue_token(
    db: Session, *, user: User, name: str = "", read_only: bool = False, areas: Iterable[str] | None = None
) -> str:
    """Create a bearer token for ``user``; the clear token is returned once and never stored.

    ``areas`` narrows the token to some of the user's granted area codes (ValueError for any other).
    """
    scope = None if areas is None else sorted(set(areas))
    if scope is not None:
        granted = {g.area_code for g in user.grants}
        if not scope or not set(scope) <= granted:
            raise ValueError(f"a token's areas must be some of the user's areas: {sorted(granted)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=hash_token(token),
            prefix=token[:10],
            read_only=read_only,
            area_scope=scope,
        )
    )
    db.flush()
    return token


def principal_for_token(db: Session, token: str) -> Principal | None:
    """The principal a valid, unrevoked token of an active user stands for."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = utcnow()
    return principal_for_user(user, areas=row.area_scope, read_only=row.read_only)


def audit(
    db: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    area_code: str | None = None,
    source_ip: str | None = None,
    summary: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (in the caller's transaction, so it commits with the act)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        area_code=area_code,
        source_ip=source_ip,
        summary=summary,
        detail=detail or {},
    )
    db.add(entry)
    return entry
