"""The renditions migration carries every bulletin's audio into an ``audio`` rendition (and back on downgrade),
keeping the rows that refer to bulletins: their versions and decisions, programme items, commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, func, inspect, select

from source_server.db import make_engine
from source_server.migrate import alembic_config, upgrade
from tests.support.databases import database_url

REVISION = "ae97f8eeb107"
AUDIO, OTHER = "a" * 64, "b" * 64
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _before() -> str:
    """The revision this one follows (whatever the chain is linearised to)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def _seed(conn: Connection) -> None:
    """Two bulletins as the schema before had them: one with audio (and a version, a decision, a programme item
    and a command referring to it), one with text only."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables

    def add(table: str, **row: Any) -> None:
        conn.execute(t[table].insert().values(**row))

    add("bulletin_categories", code="y-te", name_vi="Y tế", name_en="Health", active=True, sort=1)
    add("media", sha256=AUDIO, size=48_000, duration_ms=61_250, content_type="audio/mpeg", original_name="a.mp3",
        created_at=AT, created_by="editor-a")  # fmt: skip
    add("media", sha256=OTHER, size=9_000, duration_ms=5_000, content_type="audio/mpeg", original_name="b.mp3",
        created_at=AT, created_by=None)  # fmt: skip
    common = {"category_code": "y-te", "origin": "commune", "priority": "normal", "owner_area": "23563",
              "target_type": "commune", "target_codes": ["23563"], "state": "approved", "version": 1,
              "author": "editor-a", "created_at": AT, "updated_at": AT}  # fmt: skip
    add("bulletins", id=1, title="Có âm thanh", text="", media_sha256=AUDIO, **common)
    add("bulletins", id=2, title="Chỉ có chữ", text="Nội dung.", media_sha256=None, **common)
    add("bulletin_versions", bulletin_id=1, version=1, title="Có âm thanh", category_code="y-te", priority="normal",
        target_type="commune", target_codes=["23563"], text="", media_sha256=AUDIO, edited_by="editor-a", at=AT)  # fmt: skip
    add("bulletin_decisions", bulletin_id=1, version=1, action="approve", from_state="submitted",
        to_state="approved", actor="approver-a", reason="", at=AT)  # fmt: skip
    add("programmes", id=1, area_code="23563", created_by="editor-a", created_at=AT)
    add("schedule_items", programme_id=1, bulletin_id=1, day=date(2026, 12, 2), position=0, at=AT,
        reach={"areas": [["64", "23563"]], "devices": {}}, state="planned", note="", created_by="editor-a",
        created_at=AT, updated_at=AT)  # fmt: skip
    add("commands", id="cmd-1", type="play", title="Có âm thanh", target={"area": ["64", "23563"]},
        priority="normal", origin="commune", media_sha256=AUDIO, envelope="{}", topics=[], issued_at=AT,
        expires_at=AT, created_at=AT, created_by="scheduler", bulletin_id=1)  # fmt: skip


def _count(conn: Connection, table: str) -> int:
    meta = MetaData()
    meta.reflect(conn, only=[table])
    return conn.execute(select(func.count()).select_from(meta.tables[table])).scalar_one()


def test_every_bulletins_audio_becomes_its_audio_rendition_and_goes_back_on_downgrade(tmp_path: Path) -> None:
    with database_url(tmp_path) as url:
        upgrade(url, _before())
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                _seed(conn)
            upgrade(url, REVISION)
            with engine.connect() as conn:
                assert "media_sha256" not in {c["name"] for c in inspect(conn).get_columns("bulletins")}
                meta = MetaData()
                meta.reflect(conn, only=["renditions", "schedule_items"])
                rows = conn.execute(select(meta.tables["renditions"])).mappings().all()
                assert [(r["bulletin_id"], r["kind"], r["media_sha256"], r["content_type"], r["duration_ms"],
                         r["url"], r["created_by"]) for r in rows] == [
                    (1, "audio", AUDIO, "audio/mpeg", 61_250, None, "editor-a")
                ]  # fmt: skip
                kinds = conn.execute(select(meta.tables["schedule_items"].c.content_kind)).scalars().all()
                assert kinds == ["audio"]
                # nothing referring to the bulletins was lost while their table was rebuilt
                counts = [_count(conn, t) for t in ("bulletins", "bulletin_versions", "bulletin_decisions",
                                                     "schedule_items", "commands")]  # fmt: skip
                assert counts == [2, 1, 1, 1, 1]

            command.downgrade(alembic_config(url), _before())
            with engine.connect() as conn:
                assert not inspect(conn).has_table("renditions")
                meta = MetaData()
                meta.reflect(conn, only=["bulletins", "schedule_items"])
                bulletins = meta.tables["bulletins"]
                back = conn.execute(select(bulletins.c.id, bulletins.c.media_sha256).order_by(bulletins.c.id)).all()
                assert [tuple(r) for r in back] == [(1, AUDIO), (2, None)]
                assert "content_kind" not in meta.tables["schedule_items"].c
                assert [_count(conn, t) for t in ("bulletin_versions", "bulletin_decisions", "commands")] == [1, 1, 1]
        finally:
            engine.dispose()
