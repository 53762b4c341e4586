"""Fixtures of the agent tests: a real HTTP media server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.device_agent.support import MediaServer, media_server


@pytest.fixture
def media() -> Iterator[MediaServer]:
    """A real HTTP server on a free port serving the test's media by URL."""
    with media_server() as server:
        yield server
