"""The outbox's transport column: rows written before it are MQTT publishes, and a downgrade keeps them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from source_server.migrate import alembic_config, upgrade
from tests.support.databases import database_url

BEFORE, AFTER = "d5e1a7c3b902", "6b74b6702a92"


def test_existing_outbox_rows_become_mqtt_and_survive_a_round_trip(tmp_path: Path) -> None:
    with database_url(tmp_path) as url:
        upgrade(url, BEFORE)
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO outbox (topic, payload, qos, retain, created_at, attempts) "
                         "VALUES ('nguon/v1/area/64/cmd', '{}', 1, false, CURRENT_TIMESTAMP, 0)")
                )  # fmt: skip
            upgrade(url, AFTER)
            with engine.begin() as conn:
                assert conn.execute(text("SELECT topic, transport FROM outbox")).all() == [
                    ("nguon/v1/area/64/cmd", "mqtt")
                ]
                conn.execute(
                    text("INSERT INTO outbox (transport, topic, payload, qos, retain, created_at, attempts) "
                         "VALUES ('central', 'reports/1', '{}', 1, false, CURRENT_TIMESTAMP, 0)")
                )  # fmt: skip
            command.downgrade(alembic_config(url), BEFORE)
            with engine.begin() as conn:
                # a row of another transport is dropped, never left to be published as an MQTT topic
                assert conn.execute(text("SELECT topic FROM outbox")).scalars().all() == ["nguon/v1/area/64/cmd"]
        finally:
            engine.dispose()
