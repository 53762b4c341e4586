"""The content-kind migration carries existing rows over: play commands get their kind, start and duration from
their signed envelopes (the media's when an envelope cannot be read), deliveries their device's kind; and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from protocols import CommandPayload, MediaRef, PlayBody, SigningKey, StopBody, Target, dump, sign_command
from source_server.migrate import alembic_config, upgrade
from tests.support.databases import database_url

BEFORE, AFTER = "d5e1a7c3b902", "3a5dae333294"
SHA = "c" * 64
T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


def _envelope(command_id: str, body: PlayBody | StopBody, kind: str) -> str:
    payload = CommandPayload(id=command_id, type=kind, iat=T0, exp=T0 + timedelta(hours=1),
                             target=Target(area=("64",)), body=body.model_dump(mode="json", exclude_none=True))  # fmt: skip
    return dump(sign_command(payload, SigningKey.generate("k-mig"))).decode()


def test_existing_plays_and_deliveries_are_carried_over_and_back(tmp_path: Path) -> None:
    start = T0 + timedelta(minutes=30)
    media = MediaRef(url="http://x/a.mp3", sha256=SHA, size=10, duration_ms=42_000)
    rows = {
        "C-SCHEDULED": ("play", _envelope("C-SCHEDULED", PlayBody(media=media, start_at=start), "play")),
        "C-UNREADABLE": ("play", "{not an envelope"),
        "C-STOP": ("stop", _envelope("C-STOP", StopBody(), "stop")),
    }
    with database_url(tmp_path) as url:
        upgrade(url, BEFORE)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO areas (code, name, level, active, created_at) "
                              "VALUES ('64', 'Gia Lai', 'province', true, :t)"), {"t": T0})  # fmt: skip
            for device_id, kind in (("s1", "speaker"), ("b1", "eboard")):
                conn.execute(text(
                    "INSERT INTO devices (id, kind, name, vendor, model, province_code, commune_code, tags, "
                    "created_at, updated_at) VALUES (:id, :kind, '', '', '', '64', '64', '[]', :t, :t)"
                ), {"id": device_id, "kind": kind, "t": T0})  # fmt: skip
            conn.execute(text("INSERT INTO media (sha256, size, duration_ms, content_type, original_name, created_at) "
                              "VALUES (:sha, 10, 42000, 'audio/mpeg', 'a.mp3', :t)"), {"sha": SHA, "t": T0})  # fmt: skip
            for command_id, (kind, envelope) in rows.items():
                conn.execute(text(
                    "INSERT INTO commands (id, type, title, target, priority, origin, media_sha256, envelope, topics, "
                    "issued_at, expires_at, created_at) VALUES (:id, :type, '', '{}', 'normal', 'province', :sha, "
                    ":env, '[]', :t, :t, :t)"
                ), {"id": command_id, "type": kind, "sha": SHA if kind == "play" else None, "env": envelope, "t": T0})  # fmt: skip
                for device_id in ("s1", "b1", "gone"):
                    conn.execute(text("INSERT INTO deliveries (command_id, device_id, status) VALUES (:c, :d, 'done')"),
                                 {"c": command_id, "d": device_id})  # fmt: skip
        upgrade(url, AFTER)
        with engine.connect() as conn:
            facts = {r[0]: tuple(r[1:]) for r in conn.execute(
                text("SELECT id, content_kind, start_at, duration_ms FROM commands"))}  # fmt: skip
            kinds = set(conn.execute(text("SELECT device_id, device_kind FROM deliveries WHERE command_id = 'C-STOP'")))
        scheduled = facts["C-SCHEDULED"]
        assert scheduled[0] == "audio" and scheduled[2] == 42_000
        when = scheduled[1] if isinstance(scheduled[1], datetime) else datetime.fromisoformat(scheduled[1])
        assert when.replace(tzinfo=when.tzinfo or UTC) == start  # SQLite keeps UTC, naive, as text
        assert facts["C-UNREADABLE"] == ("audio", None, 42_000)  # from the media row
        assert facts["C-STOP"] == (None, None, None)
        assert kinds == {("s1", "speaker"), ("b1", "eboard"), ("gone", None)}
        command.downgrade(alembic_config(url), BEFORE)
        columns = {c["name"] for c in inspect(engine).get_columns("commands")}
        assert not columns & {"content_kind", "start_at", "duration_ms"}
        assert "device_kind" not in {c["name"] for c in inspect(engine).get_columns("deliveries")}
        assert "capabilities" not in {c["name"] for c in inspect(engine).get_columns("devices")}
        engine.dispose()
