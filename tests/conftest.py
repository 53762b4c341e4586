"""Fixtures shared by the whole suite.

Backends come from the environment, so the same tests run on every pair CI asks for:
- NGUON_TEST_DATABASE_URL: a PostgreSQL URL (each run gets a private schema); unset → SQLite files.
- NGUON_TEST_BROKER: ``mosquitto`` (default; a plain private Mosquitto process on a free port), ``embedded``
  (the server's own private-Mosquitto launcher, what runs when NGUON_MQTT_URL is unset, with an extra anonymous
  listener for the tests' clients) or ``amqtt`` (the fallback embedded broker); NGUON_TEST_MQTT_URL points at an
  already running broker instead.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from source_server.config import Settings
from source_server.db import make_engine, make_sessionmaker
from source_server.migrate import upgrade
from source_server.models import Base
from tests.support.brokers import MosquittoProcess, broker_kind, session_broker
from tests.support.databases import database_url

__all__ = ["broker_kind"]  # tests import it from here (it lives in tests.support.brokers)


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    """URL of a running broker for this test session (clean: nothing retained from earlier runs)."""
    external = os.environ.get("NGUON_TEST_MQTT_URL")
    if external:
        yield external
        return
    broker = session_broker()
    broker.start()
    try:
        yield broker.url
    finally:
        broker.stop()


@pytest.fixture
def mosquitto() -> Iterator[MosquittoProcess]:
    """A private Mosquitto for one test (restartable: fault tests stop and start it)."""
    broker = MosquittoProcess()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database migrated to head once per session (SQLite file or private PostgreSQL schema)."""
    with database_url(tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on a database emptied before the test.

    The audit log refuses DELETE (row triggers): on PostgreSQL the transaction sets
    ``session_replication_role = replica`` (ordinary triggers do not fire; TRUNCATE would wait for the
    locks of connections other tests leave idle); SQLite drops its triggers, deletes and recreates them
    from their stored SQL in one transaction.
    """
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
        else:
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
            ).all()
            for name, _ in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            for _, sql in triggers:
                conn.execute(text(sql))
    yield make_sessionmaker(db_engine)


@pytest.fixture
def fresh_broker_url() -> Iterator[str]:
    """A broker of the session's kind started for one test: nothing retained, nobody else connected."""
    broker = session_broker()
    broker.start()
    try:
        yield broker.url
    finally:
        broker.stop()


@pytest.fixture
def settings(tmp_path: Path, db_url: str, broker_url: str, db: sessionmaker[Session]) -> Settings:
    """Settings for a server under test: the session's (emptied) database and broker, a private data directory."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        mqtt_url=broker_url,
        mqtt_client_id=f"nguon-test-{uuid.uuid4().hex[:8]}",
        http_port=0,
        inactivity_timeout_s=3,
        heartbeat_s=1,
        presence_flush_s=0.05,
        reconnect_window_s=1.0,
    )


def pytest_configure(config: pytest.Config) -> None:
    """amqtt leaves client transports to the garbage collector after a disconnect; on the amqtt broker
    that surfaces as ResourceWarnings in whichever test happens to collect them, so those are ignored there."""
    if broker_kind() == "amqtt":
        config.addinivalue_line("filterwarnings", "ignore::pytest.PytestUnraisableExceptionWarning")
        config.addinivalue_line("filterwarnings", "ignore::ResourceWarning")


def pytest_sessionstart(session: pytest.Session) -> None:
    """On the amqtt broker, drop amqtt's leaked-transport ResourceWarnings also when collected at exit."""
    if broker_kind() != "amqtt":
        return
    inner = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, ResourceWarning):
            return
        inner(unraisable)

    sys.unraisablehook = hook
