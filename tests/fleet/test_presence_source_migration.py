"""Migration 94f536cb1325 carries every presence row over as the broker's (``source = 'mqtt'``), and back."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from source_server.migrate import MIGRATIONS, alembic_config, upgrade
from tests.support.databases import database_url

REVISION = "94f536cb1325"


def _before() -> str:
    (path,) = Path(MIGRATIONS, "versions").glob(f"{REVISION}_*.py")
    spec = importlib.util.spec_from_file_location("presence_source_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.down_revision)


def test_existing_presence_rows_become_the_brokers_and_the_downgrade_keeps_them(tmp_path) -> None:
    with database_url(tmp_path) as url:
        upgrade(url, _before())
        engine = create_engine(url)
        try:
            with engine.begin() as c:
                c.execute(
                    text(
                        "INSERT INTO areas (code, name, level, active, created_at) "
                        "VALUES ('p', 'Tỉnh', 'province', true, CURRENT_TIMESTAMP)"
                    )
                )
                c.execute(
                    text(
                        "INSERT INTO devices (id, kind, name, vendor, model, province_code, commune_code, tags, "
                        "created_at, updated_at) VALUES ('d1', 'speaker', '', '', '', 'p', 'p', '[]', "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    )
                )
                c.execute(text("INSERT INTO device_presence (device_id, status, session) VALUES ('d1', 'online', 7)"))
            upgrade(url, REVISION)
            with engine.connect() as c:
                row = c.execute(text("SELECT status, session, source FROM device_presence")).one()
            assert tuple(row) == ("online", 7, "mqtt")
            command.downgrade(alembic_config(url), _before())
            engine.dispose()
            assert "source" not in {col["name"] for col in inspect(engine).get_columns("device_presence")}
            with engine.connect() as c:
                assert tuple(c.execute(text("SELECT status, session FROM device_presence")).one()) == ("online", 7)
        finally:
            engine.dispose()
