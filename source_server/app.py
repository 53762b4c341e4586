"""The FastAPI application: API, operator UI, media, metrics and health, around one Runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from source_server import __version__
from source_server.api import api_router
from source_server.config import Settings, get_settings
from source_server.dispatch.api import media_router
from source_server.metrics import REGISTRY
from source_server.runtime import Runtime
from source_server.web.routes import web_router

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """An app whose lifespan starts and stops a Runtime built from ``settings``."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings)
        await runtime.start()
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Nguồn — provincial source system",
        version=__version__,
        description="Schedules and pushes broadcast bulletins over MQTT to loudspeaker clusters and e-boards.",
        lifespan=lifespan,
    )
    app.include_router(api_router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        """The operator UI (its dashboard asks for a log-in; every page is scoped to the user's areas)."""
        return RedirectResponse("/ui/", status_code=307)

    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(media_router, tags=["media"])

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, object]:
        """Liveness plus whether the server is connected to its broker."""
        runtime: Runtime = app.state.runtime
        return {"ok": True, "mqtt_connected": runtime.mqtt.connected, "version": __version__}

    return app
