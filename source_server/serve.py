"""Run the app with uvicorn inside an existing event loop (demo, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from source_server.app import create_app
from source_server.config import Settings
from source_server.runtime import Runtime


class LiveServer:
    """A started app: its URL, the FastAPI app and the runtime behind it."""

    def __init__(self, app: FastAPI, url: str) -> None:
        self.app = app
        self.url = url

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime  # type: ignore[no-any-return]


@asynccontextmanager
async def live_server(settings: Settings, *, log_level: str = "warning") -> AsyncIterator[LiveServer]:
    """Serve ``create_app(settings)`` on ``settings.http_host:http_port`` until the context exits."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=log_level,
        lifespan="on",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.02)
        yield LiveServer(app, settings.base_url)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)
