"""Accounts over HTTP: me, own tokens, the audit log for admins, and no way to change the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.api import router as accounts_router
from source_server.accounts.service import Role, audit
from source_server.fleet.api import router as fleet_router
from tests.accounts.helpers import C1, C2, Client, auth, make_client, seed


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return make_client(db, tmp_path)


def test_me_lists_grants(client: Client, db: sessionmaker[Session]) -> None:
    h = auth(db, "lan", (Role.COMMUNE_EDITOR, C1), (Role.VIEWER, "64"))
    assert client.get("/api/v1/me", headers=h).json() == {
        "username": "lan",
        "full_name": "",
        "grants": [{"role": "commune_editor", "area_code": C1}, {"role": "viewer", "area_code": "64"}],
    }


def test_tokens_are_shown_once_listed_without_secret_and_revocable(client: Client, db: sessionmaker[Session]) -> None:
    h = auth(db, "lan", (Role.VIEWER, C1))
    other = auth(db, "minh", (Role.VIEWER, C2))
    created = client.post("/api/v1/tokens", json={"name": "laptop"}, headers=h)
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["id"]
    assert (
        secret.startswith("ngn_")
        and client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    listed = client.get("/api/v1/tokens", headers=h).json()
    assert [t["name"] for t in listed] == ["laptop", "test"] and secret not in str(listed)
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=h).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.get("/api/v1/tokens", headers=h).json()[0]["revoked_at"] is not None


def test_audit_is_for_admins_filtered_paginated_and_exported(client: Client, db: sessionmaker[Session]) -> None:
    with db.begin() as s:
        for i in range(5):
            audit(s, actor="op", action="device.updated", object_type="device", object_id=f"d{i}", area_code=C1)
        audit(s, actor="op2", action="device.created", object_type="device", object_id="x", area_code=C2)
        audit(s, actor="cli", action="user.created", object_type="user", object_id="u")
    viewer = auth(db, "viewer", (Role.VIEWER, "64"))
    assert client.get("/api/v1/audit", headers=viewer).status_code == 403
    assert client.get("/api/v1/audit/export.csv", headers=viewer).status_code == 403
    admin = auth(db, "admin", (Role.PROVINCE_ADMIN, "64"))
    page = client.get(
        "/api/v1/audit", params={"action": "device.updated", "limit": 2, "offset": 1}, headers=admin
    ).json()
    assert page["total"] == 5 and [e["object_id"] for e in page["items"]] == ["d3", "d2"]
    assert client.get("/api/v1/audit", params={"actor": "op2"}, headers=admin).json()["items"][0]["area_code"] == C2
    assert client.get("/api/v1/audit", params={"area": C2}, headers=admin).json()["total"] == 1
    assert client.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=admin).json()["total"] == 0
    assert client.get("/api/v1/audit", params={"limit": 501}, headers=admin).status_code == 422
    assert client.get("/api/v1/audit", headers=admin).json()["total"] == 7
    commune_admin = auth(db, "cadmin", (Role.PROVINCE_ADMIN, C1))
    assert client.get("/api/v1/audit", headers=commune_admin).json()["total"] == 5
    csv = client.get("/api/v1/audit/export.csv", params={"actor": "op"}, headers=admin)
    lines = csv.text.splitlines()
    assert lines[0].startswith("id,at,actor,action") and len(lines) == 6 and lines[1].split(",")[5] == "d0"


def test_no_route_can_change_the_audit_log() -> None:
    routes = [r for router in (accounts_router, fleet_router) for r in router.routes if isinstance(r, APIRoute)]
    audit_routes = [r for r in routes if r.path.startswith("/audit")]
    assert {r.path for r in audit_routes} == {"/audit", "/audit/export.csv"}
    assert all(r.methods == {"GET"} for r in audit_routes)
