"""``nguon user`` and ``nguon token``: manage users and API tokens from the server's shell.

Each command takes the process settings (``get_settings()``), migrates the database to head and works
in one transaction. Only ``token create`` prints a secret, once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.accounts import queries
from source_server.accounts.models import User
from source_server.accounts.passwords import WeakPassword, check_policy
from source_server.accounts.service import Role, audit, create_user, issue_token, set_password
from source_server.config import Settings, get_settings
from source_server.db import make_engine, make_sessionmaker, session_scope
from source_server.migrate import upgrade

user_app = typer.Typer(help="Users and their roles per area.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
CLI_ACTOR = "cli"


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    upgrade(settings.db_url)
    engine = make_engine(settings.db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            yield db
    finally:
        engine.dispose()


def add_user(
    settings: Settings,
    *,
    username: str,
    grants: list[tuple[Role, str]],
    full_name: str = "",
    password: str | None = None,
) -> int:
    """Create a user with role grants; returns its id. ValueError if the name is taken or the password weak."""
    with _session(settings) as db:
        user = create_user(db, username=username, full_name=full_name, grants=grants, password=password)
        audit(
            db,
            actor=CLI_ACTOR,
            action="user.created",
            object_type="user",
            object_id=username,
            detail={"grants": [[r.value, a] for r, a in grants]},
        )
        return user.id


def change_password(settings: Settings, *, username: str, password: str) -> None:
    """Set a user's password (ends their sessions). LookupError: no such user; WeakPassword: refused."""
    with _session(settings) as db:
        user = queries.get_user(db, username)
        if user is None:
            raise LookupError(f"no user {username!r}")
        set_password(db, user=user, password=password)
        audit(db, actor=CLI_ACTOR, action="user.password_changed", object_type="user", object_id=username)


def _read_password(stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice on the terminal (hidden)."""
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def create_token(
    settings: Settings, *, username: str, name: str = "", read_only: bool = False, areas: list[str] | None = None
) -> tuple[int, str]:
    """A new token for ``username``: (id, clear token). LookupError: no such user; ValueError: bad scope."""
    with _session(settings) as db:
        user = queries.get_user(db, username)
        if user is None:
            raise LookupError(f"no user {username!r}")
        secret = issue_token(db, user=user, name=name, read_only=read_only, areas=areas)
        token_id = queries.list_tokens(db, username=username)[0][0].id
        audit(
            db,
            actor=CLI_ACTOR,
            action="token.created",
            object_type="token",
            object_id=str(token_id),
            summary=name,
            detail={"user": username, "read_only": read_only, "areas": areas},
        )
        return token_id, secret


def revoke_token(settings: Settings, *, token_id: int) -> bool:
    """Revoke a token; False if there is no such token."""
    with _session(settings) as db:
        if queries.revoke_token(db, token_id=token_id) is None:
            return False
        audit(db, actor=CLI_ACTOR, action="token.revoked", object_type="token", object_id=str(token_id))
        return True


def token_rows(settings: Settings, *, username: str | None = None) -> list[str]:
    """One printable line per token: id, owner, name, prefix, state (never the secret)."""
    with _session(settings) as db:
        rows = queries.list_tokens(db, username=username)
        return [
            f"{t.id}\t{owner}\t{t.name or '-'}\t{t.prefix}…\t"
            + (f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active")
            for t, owner in rows
        ]


def user_rows(settings: Settings) -> list[str]:
    """One printable line per user: name, state, full name, grants."""
    with _session(settings) as db:
        users = db.scalars(select(User).order_by(User.username)).all()
        return [
            f"{u.username}\t{'active' if u.active else 'disabled'}\t{u.full_name or '-'}\t"
            + ",".join(f"{g.role}@{g.area_code}" for g in sorted(u.grants, key=lambda g: (g.area_code, g.role)))
            for u in users
        ]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat, paired in order with --area.")],
    area: Annotated[list[str], typer.Option("--area", help="The area code of the matching --role.")],
    full_name: Annotated[str, typer.Option("--full-name", help="Display name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No log-in password (an integration that only uses tokens).")
    ] = False,
) -> None:
    """Add a user with one or more (role, area) grants and a password (asked twice, or from stdin)."""
    if len(role) != len(area):
        _fail(f"give one --area per --role ({len(role)} roles, {len(area)} areas)")
    try:
        grants = [(Role(r), a) for r, a in zip(role, area, strict=True)]
    except ValueError:
        _fail(f"unknown role in {role}; roles: {', '.join(r.value for r in Role)}")
        return
    password = None if no_password else _read_password(password_stdin)
    if password is not None:
        try:
            check_policy(password, username=username)
        except WeakPassword as exc:
            _fail(str(exc))
    try:
        user_id = add_user(get_settings(), username=username, grants=grants, full_name=full_name, password=password)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"user {username} created (id {user_id}) with {len(grants)} grant(s)")


@user_app.command("passwd")
def user_passwd(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Set a user's password (asked twice, or from stdin); their browser sessions end."""
    password = _read_password(password_stdin)
    try:
        change_password(get_settings(), username=username, password=password)
    except (LookupError, WeakPassword) as exc:
        _fail(str(exc))
    typer.echo(f"password of {username} changed")


@user_app.command("list")
def user_list() -> None:
    """List users with their grants."""
    for line in user_rows(get_settings()):
        typer.echo(line)


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    read_only: Annotated[bool, typer.Option("--read-only", help="Refuse every state-changing call.")] = False,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="Limit to this one of the user's areas; repeatable.")
    ] = None,
) -> None:
    """Create a token; it is printed once and cannot be shown again."""
    try:
        token_id, secret = create_token(
            get_settings(), username=username, name=name, read_only=read_only, areas=area or None
        )
    except (LookupError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"token {token_id} for {username} (shown once, store it now):")
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    if not revoke_token(get_settings(), token_id=token_id):
        _fail(f"no token {token_id}")
    typer.echo(f"token {token_id} revoked")


@token_app.command("list")
def token_list(user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None) -> None:
    """List tokens (id, owner, name, prefix, state)."""
    for line in token_rows(get_settings(), username=user):
        typer.echo(line)
