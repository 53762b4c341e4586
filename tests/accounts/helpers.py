"""Helpers for API tests: a small app with the registry and accounts routers, and tokens per role."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.api import router as accounts_router
from source_server.accounts.service import Role, create_user, issue_token
from source_server.config import Settings
from source_server.fleet import csvio
from source_server.fleet.api import router as fleet_router
from source_server.fleet.service import DeviceInput, create_device

# Two communes of the sample province and one village of each.
C1, C2 = "23563", "23626"
V1, V2 = "23563-01", "23626-01"


class Client:
    """A blocking client over httpx's ASGI transport (starlette's TestClient warns about httpx)."""

    def __init__(self, app: FastAPI, client: tuple[str, int]) -> None:
        self.app, self.addr = app, client

    async def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, client=self.addr)
        async with httpx.AsyncClient(transport=transport, base_url="http://nguon.test") as c:
            return await c.request(method, url, **kw)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return asyncio.run(self._send(method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def patch(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)


def make_client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    """The registry and accounts routers under /api/v1 over the test database (no broker needed)."""
    app = FastAPI()
    app.include_router(fleet_router, prefix="/api/v1")
    app.include_router(accounts_router, prefix="/api/v1")
    settings = Settings(data_dir=tmp_path, mqtt_username="nguon-server", mqtt_password="server-secret")
    app.state.runtime = SimpleNamespace(sessions=db, settings=settings)
    return Client(app, ("203.0.113.7", 50000))


def seed(db: sessionmaker[Session]) -> None:
    """The sample province and one speaker in each of two communes (d1 in C1/V1, d2 in C2/V2)."""
    with db.begin() as s:
        csvio.import_areas(s, csvio.SAMPLE_AREAS.read_bytes())
        create_device(s, data=DeviceInput(id="d1", kind="speaker", commune_code=C1, village_code=V1, groups=["g1"]))
        create_device(s, data=DeviceInput(id="d2", kind="speaker", commune_code=C2, village_code=V2))


def auth(db: sessionmaker[Session], username: str, *grants: tuple[Role, str]) -> dict[str, str]:
    """Create a user with ``grants`` and return bearer headers for a fresh token."""
    with db.begin() as s:
        user = create_user(s, username=username, grants=grants)
        token = issue_token(s, user=user, name="test")
    return {"Authorization": f"Bearer {token}"}
