"""Bulletin tests: the sample areas, default categories, users per role with API tokens, an httpx client."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.service import Role, create_user, issue_token
from source_server.bulletins.service import seed_categories
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from tests.web.auth_support import make_app

A, B, PROVINCE = "23563", "23575", "64"
USERS: dict[str, list[tuple[Role, str]]] = {
    "editor-a": [(Role.COMMUNE_EDITOR, A)],
    "approver-a": [(Role.COMMUNE_APPROVER, A)],
    "approver-b": [(Role.COMMUNE_APPROVER, B)],
    "viewer-a": [(Role.VIEWER, A)],
    "admin": [(Role.PROVINCE_ADMIN, PROVINCE)],
    "operator": [(Role.PROVINCE_OPERATOR, PROVINCE)],
}


def seed(db: sessionmaker[Session]) -> dict[str, str]:
    """Areas, categories and users; returns a bearer token per user."""
    with db.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        seed_categories(s)
        return {name: issue_token(s, user=create_user(s, username=name, grants=g)) for name, g in USERS.items()}


class Api:
    """Calls as one user or another."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    async def __call__(self, who: str, method: str, url: str, **kw: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.client.request(method, "/api/v1/bulletins" + url, headers=headers, **kw)  # type: ignore[arg-type]


def client(db: sessionmaker[Session], tmp_path: Path) -> httpx.AsyncClient:
    """The API over the test database with a media store and the real TTS chain (espeak-ng here)."""
    app = make_app(db, tmp_path)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nguon.test")


def draft(**over: object) -> dict[str, object]:
    """A commune-A draft body."""
    body: dict[str, object] = {
        "title": "Thông báo lịch tiêm chủng mở rộng",
        "category_code": "y-te",
        "owner_area": A,
        "target_type": "commune",
        "target_codes": [A],
        "text": "Trạm y tế phường tổ chức tiêm chủng vào ngày 09/01/2026.",
    }
    body.update(over)
    return body
