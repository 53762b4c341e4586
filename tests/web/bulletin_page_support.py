"""Bulletin page tests: the sample province, categories, users per role with passwords, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Principal, Role
from source_server.bulletins import service
from source_server.bulletins.models import Bulletin
from source_server.bulletins.service import seed_categories
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from tests.web.auth_support import add_user, browser, csrf_of, login, make_app

A, B, PROVINCE = "23563", "23575", "64"
GRANTS: dict[str, tuple[Role, str]] = {
    "editor-a": (Role.COMMUNE_EDITOR, A),
    "approver-a": (Role.COMMUNE_APPROVER, A),
    "approver-b": (Role.COMMUNE_APPROVER, B),
    "viewer-a": (Role.VIEWER, A),
    "admin": (Role.PROVINCE_ADMIN, PROVINCE),
    "operator": (Role.PROVINCE_OPERATOR, PROVINCE),
}
TEXT = "Trạm y tế phường tổ chức tiêm chủng vào ngày 09/01/2026."
ACTION_FORM = re.compile(r'action="/ui/bulletins/(\d+)/(submit|approve|reject|send-direct|cancel)"')
Client = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


def seed(db: sessionmaker[Session]) -> None:
    """Areas of the Gia Lai sample, the default categories, one user per role."""
    with db.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        seed_categories(s)
    for name, grant in GRANTS.items():
        add_user(db, name, grant)


def principal(name: str) -> Principal:
    """The principal of a seeded user (for writing bulletins straight through the service)."""
    return Principal(username=name, grants=frozenset({GRANTS[name]}))


def clients(db: sessionmaker[Session], tmp_path: Path) -> Client:
    """``async with client("editor-a") as c``: a cookie client logged in as that user."""
    app = make_app(db, tmp_path)

    @asynccontextmanager
    async def client(name: str) -> AsyncIterator[httpx.AsyncClient]:
        async with browser(app) as c:
            r = await login(c, name)
            assert r.status_code == 303, r.text
            yield c

    return client


def form(**over: Any) -> dict[str, Any]:
    """A commune-A bulletin as the form posts it (whole commune, saved as a draft)."""
    body: dict[str, Any] = {
        "title": "Thông báo lịch tiêm chủng mở rộng",
        "category_code": "y-te",
        "priority": "normal",
        "owner_area": A,
        "target_scope": "whole",
        "valid_from": "",
        "valid_until": "",
        "text": TEXT,
        "then": "save",
    }
    body.update(over)
    return body


async def post(c: httpx.AsyncClient, url: str, page_url: str, data: dict[str, Any]) -> httpx.Response:
    """Post ``data`` with the CSRF token of the page at ``page_url`` (as the browser would)."""
    page = await c.get(page_url)
    return await c.post(url, data={"csrf_token": csrf_of(page.text), **data})


def bulletin_id_of(r: httpx.Response) -> int:
    """The bulletin a Post/Redirect/Get answer points to."""
    assert r.status_code == 303, r.text
    m = re.match(r"/ui/bulletins/(\d+)\?done=", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def make(db: sessionmaker[Session], state: str = "draft", *, by: str = "editor-a", **over: Any) -> int:
    """A commune-A bulletin written by ``by`` and moved to ``state`` through the service."""
    data = service.BulletinInput(
        **{
            "title": "Lịch cắt điện",
            "category_code": "thong-bao",
            "owner_area": A,
            "target_type": "commune",
            "target_codes": [A],
            "text": TEXT,
            **over,
        }
    )
    with db.begin() as s:
        b = service.create(s, principal=principal(by), data=data)
        if state in ("submitted", "approved", "rejected"):
            service.submit(s, principal=principal(by), bulletin_id=b.id)
        if state == "approved":
            service.approve(s, principal=principal("approver-a"), bulletin_id=b.id, version=b.version)
        if state == "rejected":
            service.reject(s, principal=principal("approver-a"), bulletin_id=b.id, reason="Sai ngày")
        if state == "cancelled":
            service.cancel(s, principal=principal(by), bulletin_id=b.id)
        return b.id


def stored(db: sessionmaker[Session], bulletin_id: int) -> Bulletin:
    """The bulletin as stored now."""
    with db() as s:
        b = s.get(Bulletin, bulletin_id)
        assert b is not None
        s.expunge(b)
        return b


def audit_actions(db: sessionmaker[Session], bulletin_id: int) -> list[tuple[str, str]]:
    """(actor, action) of the audit entries about one bulletin, in order."""
    with db() as s:
        rows = s.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.object_type == "bulletin", AuditEntry.object_id == str(bulletin_id))
            .order_by(AuditEntry.id)
        ).all()
    return [(a, b) for a, b in rows]


def action_forms(html: str) -> set[str]:
    """The workflow actions a bulletin page offers."""
    return {m.group(2) for m in ACTION_FORM.finditer(html)}
