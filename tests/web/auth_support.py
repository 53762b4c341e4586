"""An app with the API and the pages over the test database (no broker), and a logged-in browser client."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey
from source_server.accounts.service import Role, create_user
from source_server.api import api_router
from source_server.app import STATIC_DIR
from source_server.audio.tts_setup import build_chain
from source_server.config import Settings
from source_server.dispatch.media import MediaStore
from source_server.dispatch.tasks import Dispatcher
from source_server.web.routes import web_router
from tests.dispatch.helpers import RecordingPublisher

PASSWORD = "mật-khẩu-đủ-dài-2026"
IP = "198.51.100.23"


def make_app(db: sessionmaker[Session], tmp_path: Path, **auth: object) -> FastAPI:
    """API + pages + static over the test database: a media store, the TTS chain, a signing key and a dispatcher whose
    publishes are recorded (no broker)."""
    app = FastAPI()
    app.include_router(api_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    settings = Settings(
        data_dir=tmp_path,
        mqtt_username="nguon-server",
        mqtt_password="server-secret",
        **{"login_failure_delay_s": 0.01, **auth},  # type: ignore[arg-type]
    )
    media, signer = MediaStore(tmp_path / "media"), SigningKey.generate("k-test")
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=media)
    app.state.runtime = SimpleNamespace(
        sessions=db, settings=settings, media=media, tts=build_chain(), signer=signer, dispatcher=dispatcher
    )
    return app


def browser(app: FastAPI) -> httpx.AsyncClient:
    """A cookie-keeping client from a fixed address."""
    transport = httpx.ASGITransport(app=app, client=(IP, 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://nguon.test")


def add_user(db: sessionmaker[Session], username: str, *grants: tuple[Role, str], full_name: str = "") -> None:
    """A user with a password and ``grants``."""
    with db.begin() as s:
        create_user(s, username=username, full_name=full_name, grants=grants, password=PASSWORD)


def hidden(html: str, name: str) -> str:
    """The value of a hidden input of a form."""
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden {name} in page"
    return m.group(1)


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, next_url: str = "/ui/"
) -> httpx.Response:
    """Fetch the form, then post it (with its log-in CSRF token)."""
    form = await client.get("/login", params={"next": next_url})
    token = hidden(form.text, "csrf_token")
    data = {"username": username, "password": password, "csrf_token": token, "next": next_url}
    return await client.post("/login", data=data)


def csrf_of(html: str) -> str:
    """The session's CSRF token from a page's meta tag."""
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m, "no csrf meta"
    return m.group(1)
