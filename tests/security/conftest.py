"""Fixtures of the security tests: one seeded world on a private database, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from source_server.db import make_engine, make_sessionmaker
from source_server.migrate import upgrade
from tests.security.seed import build_world
from tests.security.world import IP, World
from tests.support.databases import database_url


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The app over a private database (SQLite file or PostgreSQL schema) seeded once for these tests.

    Tests that use it only make requests that must be refused, and check that nothing changed.
    """
    with database_url(tmp_path_factory.mktemp("security-db")) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            yield build_world(make_sessionmaker(engine), tmp_path_factory.mktemp("security-data"))
        finally:
            engine.dispose()


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the world's app from a fixed address; credentials go in each request's headers."""
    transport = httpx.ASGITransport(app=world.app, client=(IP, 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://nguon.test") as c:
        yield c
