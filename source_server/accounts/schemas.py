"""API shapes of accounts: the caller, tokens, audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Grant(BaseModel):
    """One role in one area."""

    role: str
    area_code: str


class Me(BaseModel):
    """The calling principal."""

    username: str
    full_name: str
    grants: list[Grant]


class TokenCreate(BaseModel):
    """A new API token for oneself."""

    name: str = Field(default="", max_length=100)
    read_only: bool = False
    areas: list[str] | None = Field(default=None, min_length=1)
    """Some of the caller's area codes; None = all of them."""


class TokenRead(BaseModel):
    """A token as listed: never the secret, only its first characters."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    read_only: bool = False
    area_scope: list[str] | None = None


class TokenCreated(TokenRead):
    """A token just created: ``token`` is shown here once and never again."""

    token: str


class AuditRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    area_code: str | None
    source_ip: str | None
    summary: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditRead]
    total: int
    limit: int
    offset: int


class UserRead(BaseModel):
    """A user as administrators see it (never a password hash)."""

    username: str
    full_name: str
    active: bool
    created_at: datetime
    grants: list[Grant]


class UserCreate(BaseModel):
    """A new user with roles; the server makes the initial password and shows it once."""

    username: str = Field(min_length=2, max_length=64)
    full_name: str = Field(default="", max_length=200)
    grants: list[Grant] = Field(min_length=1, max_length=50)


class UserCreated(UserRead):
    """The new user and its initial password (shown this once)."""

    password: str


class UserUpdate(BaseModel):
    """Fields to change; absent ones stay."""

    full_name: str | None = Field(default=None, max_length=200)
    grants: list[Grant] | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None


class PasswordIssued(BaseModel):
    """A new password, shown this once."""

    username: str
    password: str


class PasswordChange(BaseModel):
    """Change one's own password."""

    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)
