"""``nguon user`` / ``nguon token``: users with grants, a token printed once, revocation, listing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from source_server.accounts.cli import token_app, user_app
from source_server.accounts.models import AuditEntry
from source_server.accounts.passwords import verify_password
from source_server.accounts.queries import get_user
from source_server.accounts.service import principal_for_token
from source_server.config import get_settings


@pytest.fixture
def env(db: sessionmaker[Session], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NGUON_DATABASE_URL", db_url)
    monkeypatch.setenv("NGUON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_user_add_and_token_lifecycle(env: None, db: sessionmaker[Session]) -> None:
    runner = CliRunner()
    r = runner.invoke(
        user_app,
        [
            "add",
            "lan",
            "--role",
            "commune_editor",
            "--area",
            "23563",
            "--role",
            "viewer",
            "--area",
            "64",
            "--full-name",
            "Nguyễn Thị Lan",
            "--password-stdin",
        ],
        input="mật khẩu dài đủ\n",
    )
    assert r.exit_code == 0, r.output
    assert "created" in r.output
    again = runner.invoke(user_app, ["add", "lan", "--role", "viewer", "--area", "64", "--no-password"])
    assert again.exit_code == 1 and "already exists" in again.output
    assert runner.invoke(user_app, ["add", "x", "--role", "king", "--area", "64"]).exit_code == 1
    assert runner.invoke(user_app, ["add", "x", "--role", "viewer"]).exit_code != 0
    assert "lan\tactive\tNguyễn Thị Lan\tcommune_editor@23563,viewer@64" in runner.invoke(user_app, ["list"]).output

    r = runner.invoke(token_app, ["create", "lan", "--name", "máy tính"])
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    with db.begin() as s:
        principal = principal_for_token(s, secret)
    assert principal is not None and principal.username == "lan" and len(principal.grants) == 2
    assert runner.invoke(token_app, ["create", "ghost"]).exit_code == 1

    listing = runner.invoke(token_app, ["list"]).output
    assert "lan" in listing and "máy tính" in listing and "active" in listing and secret not in listing
    token_id = listing.split("\t", 1)[0]
    assert runner.invoke(token_app, ["revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(token_app, ["list", "--user", "lan"]).output
    assert runner.invoke(token_app, ["revoke", "999999"]).exit_code == 1
    with db.begin() as s:
        assert principal_for_token(s, secret) is None


def test_user_add_reads_the_password_from_stdin_and_refuses_weak_ones(env: None, db: sessionmaker[Session]) -> None:
    runner = CliRunner()
    add = ["add", "an", "--role", "province_admin", "--area", "64", "--password-stdin"]
    short = runner.invoke(user_app, add, input="ngắn\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    empty = runner.invoke(user_app, add, input="\n")
    assert empty.exit_code == 1 and "empty" in empty.output
    with db() as s:
        assert get_user(s, "an") is None
    ok = runner.invoke(user_app, add, input="một mật khẩu dài\n")
    assert ok.exit_code == 0, ok.output
    with db() as s:
        user = get_user(s, "an")
        assert user is not None and user.password_hash and user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "một mật khẩu dài") and "một mật khẩu" not in user.password_hash
    typed = runner.invoke(
        user_app, ["add", "binh", "--role", "viewer", "--area", "64"], input="mật khẩu thứ hai\nkhác\n"
    )
    assert typed.exit_code != 0  # typed twice, the two entries differ
    passwd = runner.invoke(user_app, ["passwd", "an", "--password-stdin"], input="mật khẩu mới rất dài\n")
    assert passwd.exit_code == 0, passwd.output
    assert runner.invoke(user_app, ["passwd", "an", "--password-stdin"], input="an\n").exit_code == 1
    assert (
        runner.invoke(user_app, ["passwd", "ghost", "--password-stdin"], input="mật khẩu mới rất dài\n").exit_code == 1
    )
    with db() as s:
        user = get_user(s, "an")
        assert user is not None and verify_password(user.password_hash, "mật khẩu mới rất dài")
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == "an")))
    assert actions == ["user.created", "user.password_changed"]
