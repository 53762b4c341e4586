"""Managing people: administrators create users, grant roles in their own areas, deactivate, reset passwords;
everyone changes their own password (no HTTP here; every change is audited by the caller's service call).

An administrator's reach is the areas of their ``province_admin`` grants (a province covers its communes and
villages); they see and change only users whose every grant lies inside it, and grant only inside it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from source_server.accounts.models import ApiToken, RoleGrant, User, WebSession
from source_server.accounts.passwords import WeakPassword, check_policy, hash_password, verify_password
from source_server.accounts.service import ADMIN_ROLES, Principal, Role, audit, create_user, issue_token, set_password
from source_server.areas import tree

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"


class PeopleError(ValueError):
    """A refused change to a user; ``field`` names what is wrong, ``code`` and ``params`` let a page say it in its
    language (``message`` is the English sentence); nothing was changed."""

    def __init__(self, field: str, message: str, code: str = "", **params: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.params = params


class NotYourUser(LookupError):
    """No such user within the administrator's reach (not told apart from 'no such user')."""


@dataclass(frozen=True)
class Reach:
    """The area codes an administrator may manage (each grant's area and everything under it)."""

    codes: frozenset[str]

    def covers(self, area_code: str, db: Session) -> bool:
        """True when ``area_code`` lies inside the reach."""
        return bool(self.codes & set(tree.area_path(db, area_code) or (area_code,)))


def reach_of(principal: Principal) -> Reach:
    """Where ``principal`` administers (empty for non-administrators)."""
    return Reach(frozenset(principal.areas_for(ADMIN_ROLES)))


def _in_reach(db: Session, reach: Reach, user: User) -> bool:
    return bool(user.grants) and all(reach.covers(g.area_code, db) for g in user.grants)


def list_users(db: Session, *, principal: Principal) -> list[User]:
    """Users the administrator may manage, by name."""
    reach = reach_of(principal)
    if not reach.codes:
        return []
    users = db.scalars(select(User).order_by(User.username))
    return [u for u in users if _in_reach(db, reach, u)]


def get_managed(db: Session, *, principal: Principal, username: str) -> User:
    """One user within reach; NotYourUser otherwise."""
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not _in_reach(db, reach_of(principal), user):
        raise NotYourUser(username)
    return user


def _check_grants(db: Session, reach: Reach, grants: Iterable[tuple[str, str]]) -> list[tuple[Role, str]]:
    out: list[tuple[Role, str]] = []
    for role, area_code in grants:
        try:
            r = Role(role)
        except ValueError:
            raise PeopleError("grants", f"unknown role {role!r}", "unknown_role", role=role) from None
        area = tree.get_area(db, area_code)
        if area is None or area.level not in ("province", "commune"):
            raise PeopleError("grants", f"{area_code} is not a province or commune", "not_area", area=area_code)
        if r in (Role.PROVINCE_ADMIN, Role.PROVINCE_OPERATOR) and area.level != "province":
            raise PeopleError("grants", f"{r.value} is granted on the province", "province_role", role=r.value)
        if r in (Role.COMMUNE_EDITOR, Role.COMMUNE_APPROVER) and area.level != "commune":
            raise PeopleError("grants", f"{r.value} is granted on a commune", "commune_role", role=r.value)
        if not reach.covers(area_code, db):
            raise PeopleError("grants", f"{area_code} is outside the areas you administer", "outside", area=area_code)
        out.append((r, area_code))
    if not out:
        raise PeopleError("grants", "give the user at least one role", "no_role")
    return list(dict.fromkeys(out))


def new_password() -> str:
    """A random initial password, shown once to the administrator."""
    return secrets.token_urlsafe(12)


def add_user(
    db: Session,
    *,
    principal: Principal,
    username: str,
    full_name: str,
    grants: Iterable[tuple[str, str]],
    source_ip: str | None = None,
) -> tuple[User, str]:
    """Create a user with roles inside the reach and a random password; returns (user, password shown once)."""
    reach = reach_of(principal)
    if not reach.codes:
        raise PeopleError("user", "only an administrator creates users", "not_admin")
    username = username.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise PeopleError("username", "2–64 characters: lower-case letters, digits, '.', '_' or '-'", "username_format")
    checked = _check_grants(db, reach, grants)
    password = new_password()
    try:
        user = create_user(db, username=username, full_name=full_name.strip()[:200], grants=checked, password=password)
    except ValueError as exc:
        raise PeopleError("username", str(exc), "username_taken", username=username) from None
    audit(db, actor=principal.username, action="user.created", object_type="user", object_id=username,
          area_code=checked[0][1], source_ip=source_ip, summary=full_name[:200],
          detail={"grants": [[r.value, a] for r, a in checked]})  # fmt: skip
    return user, password


def update_user(
    db: Session,
    *,
    principal: Principal,
    username: str,
    full_name: str | None = None,
    grants: Iterable[tuple[str, str]] | None = None,
    active: bool | None = None,
    source_ip: str | None = None,
) -> User:
    """Change name, roles (all inside the reach) or activity; deactivating ends the user's sessions."""
    user = get_managed(db, principal=principal, username=username)
    detail: dict[str, object] = {}
    if grants is not None:
        checked = _check_grants(db, reach_of(principal), grants)
        if user.username == principal.username and not any(r in ADMIN_ROLES for r, _ in checked):
            raise PeopleError("grants", "you cannot remove your own administrator role", "own_admin")
        user.grants = [RoleGrant(role=r.value, area_code=a) for r, a in checked]
        detail["grants"] = [[r.value, a] for r, a in checked]
    if full_name is not None:
        user.full_name = full_name.strip()[:200]
        detail["full_name"] = user.full_name
    if active is not None and active != user.active:
        if user.username == principal.username and not active:
            raise PeopleError("active", "you cannot deactivate yourself", "self_deactivate")
        user.active = active
        detail["active"] = active
        if not active:
            db.execute(delete(WebSession).where(WebSession.user_id == user.id))
    db.flush()
    if detail:
        audit(db, actor=principal.username, action="user.updated", object_type="user", object_id=user.username,
              area_code=user.grants[0].area_code if user.grants else None, source_ip=source_ip, detail=detail)  # fmt: skip
    return user


def reset_password(db: Session, *, principal: Principal, username: str, source_ip: str | None = None) -> str:
    """A new random password for a user within reach (their sessions end); shown once."""
    user = get_managed(db, principal=principal, username=username)
    password = new_password()
    set_password(db, user=user, password=password)
    audit(db, actor=principal.username, action="user.password_reset", object_type="user", object_id=user.username,
          source_ip=source_ip)  # fmt: skip
    return password


def change_own_password(
    db: Session, *, username: str, current: str, new: str, keep_session: str | None = None, source_ip: str | None = None
) -> None:
    """Change one's own password after checking the current one; other sessions end (``keep_session`` stays)."""
    user = db.scalar(select(User).where(User.username == username))
    if user is None or not verify_password(user.password_hash, current):
        raise PeopleError("current", "the current password is wrong", "wrong_current")
    if new == current:
        raise PeopleError("new", "the new password must differ from the current one", "same_password")
    try:
        check_policy(new, username=username)
    except WeakPassword as exc:
        raise PeopleError("new", str(exc), "weak_password") from None
    user.password_hash = hash_password(new)
    others = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session:
        others = others.where(WebSession.id_hash != keep_session)
    db.execute(others)
    db.flush()
    audit(db, actor=username, action="user.password_changed", object_type="user", object_id=username,
          source_ip=source_ip)  # fmt: skip


def create_own_token(
    db: Session,
    *,
    principal: Principal,
    name: str,
    read_only: bool = False,
    areas: list[str] | None = None,
    source_ip: str | None = None,
) -> tuple[ApiToken, str]:
    """A bearer token for the caller, never wider than the caller (a narrowed token mints narrowed ones).

    Returns (row, clear token shown once); PeopleError when refused.
    """
    user = db.scalar(select(User).where(User.username == principal.username))
    if user is None:
        raise PeopleError("user", "unknown user")
    if principal.read_only:
        raise PeopleError("read_only", "a read-only token cannot create tokens", "read_only_token")
    granted = {a for _, a in principal.grants}
    if areas is not None and not set(areas) <= granted:
        raise PeopleError("areas", f"areas must be some of yours: {', '.join(sorted(granted))}", "token_areas")
    if areas is None and granted != {g.area_code for g in user.grants}:
        areas = sorted(granted)
    try:
        secret = issue_token(db, user=user, name=name.strip()[:100], read_only=read_only, areas=areas)
    except ValueError as exc:
        raise PeopleError("areas", str(exc)) from None
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()).limit(1))
    assert row is not None
    audit(db, actor=principal.username, action="token.created", object_type="token", object_id=str(row.id),
          source_ip=source_ip, summary=name[:200], detail={"read_only": read_only, "areas": areas})  # fmt: skip
    return row, secret
