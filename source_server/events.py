"""In-process fan-out of live events (device status changes) to websocket listeners."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class EventHub:
    """Each subscriber gets its own bounded queue; a slow subscriber loses old events, never blocks others."""

    def __init__(self, maxsize: int = 10_000) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._maxsize = maxsize

    def publish(self, event: dict[str, Any]) -> None:
        """Hand ``event`` to every subscriber (call from the event loop thread)."""
        for q in self._queues:
            if q.full():
                q.get_nowait()
            q.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of events for as long as the context is open."""
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._maxsize)
        self._queues.add(q)
        try:
            yield q
        finally:
            self._queues.discard(q)

    @property
    def subscribers(self) -> int:
        return len(self._queues)
