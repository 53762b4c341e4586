"""A websocket connection driven straight through an ASGI app: no server, no port, same event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

from fastapi import FastAPI


class WsCall:
    """Connect to ``path`` of ``app``; ``accepted`` tells whether the app accepted, ``close_code`` why not."""

    def __init__(self, app: FastAPI, path: str, *, query: str = "", headers: dict[str, str] | None = None) -> None:
        self.app = app
        all_headers = {"host": "nguon.test", **(headers or {})}
        self.scope: dict[str, Any] = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("nguon.test", 80),
            "client": ("198.51.100.23", 52000),
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
            "subprotocols": [],
            "state": {},
        }
        self.inbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self.accepted = False
        self.close_code: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> WsCall:
        self.inbox.put_nowait({"type": "websocket.connect"})
        self._task = asyncio.create_task(self.app(self.scope, self.inbox.get, self.outbox.put))
        first = await asyncio.wait_for(self.outbox.get(), 5)
        self.accepted = first["type"] == "websocket.accept"
        if first["type"] == "websocket.close":
            self.close_code = first.get("code", 1000)
        return self

    async def receive_json(self, timeout: float) -> dict[str, Any] | None:
        """The next message the app sent, or None when none came within ``timeout`` seconds."""
        try:
            message = await asyncio.wait_for(self.outbox.get(), timeout)
        except TimeoutError:
            return None
        assert message["type"] == "websocket.send", message
        return json.loads(message.get("text") or message["bytes"])  # type: ignore[no-any-return]

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        if self._task is not None:
            await asyncio.wait_for(self._task, 5)
