"""The registry over HTTP: scope per role (404 unseen, 403 seen but not allowed), CSV errors, credentials once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role
from source_server.fleet.credentials import verify_password
from source_server.fleet.models import Device
from tests.accounts.helpers import C1, C2, V1, Client, auth, make_client, seed

HEADER = "id,kind,name,vendor,model,commune_code,village_code,lat,lon,groups,tags\n"


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return make_client(db, tmp_path)


def _actions(db: sessionmaker[Session]) -> list[tuple[str, str, str | None]]:
    with db() as s:
        return [(e.action, e.object_id, e.source_ip) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_operator_crud_with_presence_fields_and_audit(client: Client, db: sessionmaker[Session]) -> None:
    h = auth(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    body = {
        "id": "spk-9",
        "kind": "speaker",
        "name": "Cụm loa 9",
        "commune_code": C1,
        "village_code": V1,
        "groups": ["g1"],
    }
    r = client.post("/api/v1/devices", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "never_seen" and r.json()["province_code"] == "64" and not r.json()["has_credentials"]
    r = client.patch("/api/v1/devices/spk-9", json={"commune_code": C2}, headers=h)
    assert r.status_code == 200 and (r.json()["commune_code"], r.json()["village_code"]) == (C2, None)
    assert client.get("/api/v1/devices/spk-9", headers=h).json()["name"] == "Cụm loa 9"
    assert client.delete("/api/v1/devices/spk-9", headers=h).status_code == 204
    assert client.get("/api/v1/devices/spk-9", headers=h).status_code == 404
    assert _actions(db) == [
        ("device.created", "spk-9", "203.0.113.7"),
        ("device.updated", "spk-9", "203.0.113.7"),
        ("device.deleted", "spk-9", "203.0.113.7"),
    ]


def test_validation_errors_are_422_and_write_nothing(client: Client, db: sessionmaker[Session]) -> None:
    h = auth(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    for body, field in [
        ({"id": "bad id", "kind": "speaker", "commune_code": C1}, "id"),
        ({"id": "x1", "kind": "speaker", "commune_code": C1, "village_code": "23626-01"}, "village_code"),
        ({"id": "x1", "kind": "speaker", "commune_code": "nope"}, "commune_code"),
        ({"id": "d1", "kind": "speaker", "commune_code": C1}, "id"),
    ]:
        r = client.post("/api/v1/devices", json=body, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert client.patch("/api/v1/devices/d1", json={"kind": "radio"}, headers=h).status_code == 422
    with db() as s:
        assert s.scalars(select(Device.id).order_by(Device.id)).all() == ["d1", "d2"]
        assert s.get(Device, "d1").kind == "speaker"  # type: ignore[union-attr]
    assert _actions(db) == []


@pytest.mark.parametrize("role", [Role.COMMUNE_EDITOR, Role.COMMUNE_APPROVER, Role.VIEWER, Role.PROVINCE_OPERATOR])
def test_commune_scope_hides_other_communes(client: Client, db: sessionmaker[Session], role: Role) -> None:
    """A role granted on commune C1: d2 (in C2) does not exist for it; d1 is readable, writable only by operators."""
    h = auth(db, "u", (role, C1))
    assert client.get("/api/v1/devices/d2", headers=h).status_code == 404
    assert client.patch("/api/v1/devices/d2", json={"name": "x"}, headers=h).status_code == 404
    assert client.delete("/api/v1/devices/d2", headers=h).status_code == 404
    assert client.post("/api/v1/devices/d2/credentials", headers=h).status_code == 404
    r = client.post("/api/v1/devices", json={"id": "n1", "kind": "speaker", "commune_code": C2}, headers=h)
    assert r.status_code == 403
    assert client.get("/api/v1/devices/d1", headers=h).status_code == 200
    can_write = role is Role.PROVINCE_OPERATOR
    assert client.patch("/api/v1/devices/d1", json={"name": "x"}, headers=h).status_code == (200 if can_write else 403)
    moved = client.patch("/api/v1/devices/d1", json={"commune_code": C2}, headers=h)
    assert moved.status_code == 403
    assert [r[0] for r in client.get("/api/v1/devices/export.csv", headers=h).text.splitlines()[1:]] == ["d"]
    tree = client.get("/api/v1/areas", headers=h).json()
    assert [c["code"] for c in tree[0]["children"]] == [C1]
    assert client.get("/api/v1/deploy/mosquitto/acl", headers=h).status_code == 403
    with db() as s:
        assert s.get(Device, "d2").name == ""  # type: ignore[union-attr]


def test_no_token_is_401(client: Client) -> None:
    assert client.get("/api/v1/devices/d1").status_code == 401
    assert client.get("/api/v1/devices/d1", headers={"Authorization": "Bearer ngn_nope"}).status_code == 401


def test_csv_import_errors_as_422_rows_and_export(client: Client, db: sessionmaker[Session]) -> None:
    h = auth(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    bad = HEADER + f"n1,speaker,,,,{C1},,,,,\nn2,speaker,,,,99999,,,,,\nd1,speaker,,,,{C1},,,,,\n"
    r = client.post("/api/v1/devices/import", files={"file": ("d.csv", bad.encode(), "text/csv")}, headers=h)
    assert r.status_code == 422
    assert r.json() == {
        "errors": [
            {"row": 3, "field": "commune_code", "message": "unknown commune '99999'"},
            {"row": 4, "field": "id", "message": "device 'd1' already exists"},
        ]
    }
    good = HEADER + f"n1,speaker,Cụm mới,,,{C1},{V1},,,g1;g2,\n"
    r = client.post("/api/v1/devices/import", files={"file": ("d.csv", good.encode(), "text/csv")}, headers=h)
    assert r.status_code == 200 and r.json() == {"created": ["n1"], "updated": []}
    export = client.get("/api/v1/devices/export.csv", headers=h)
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[-1] == f"n1,speaker,Cụm mới,,,{C1},{V1},,,g1;g2,"
    commune_op = auth(db, "cop", (Role.PROVINCE_OPERATOR, C1))
    other = HEADER + f"n3,speaker,,,,{C2},,,,,\n"
    r = client.post("/api/v1/devices/import", files={"file": ("d.csv", other.encode())}, headers=commune_op)
    assert r.status_code == 422 and r.json()["errors"][0]["message"] == "outside the areas you may manage"


def test_credentials_once_and_deploy_files_for_admins(client: Client, db: sessionmaker[Session]) -> None:
    op = auth(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    r = client.post("/api/v1/devices/d1/credentials", headers=op)
    assert r.status_code == 200
    password = r.json()["password"]
    assert r.json()["username"] == "d1"
    shown = client.get("/api/v1/devices/d1", headers=op).json()
    assert shown["has_credentials"] and password not in str(shown)
    assert client.get("/api/v1/deploy/mosquitto/passwd", headers=op).status_code == 403
    admin = auth(db, "admin", (Role.PROVINCE_ADMIN, "64"))
    passwd = client.get("/api/v1/deploy/mosquitto/passwd", headers=admin).text
    lines = dict(line.split(":", 1) for line in passwd.splitlines())
    assert set(lines) == {"nguon-server", "d1"} and verify_password(password, lines["d1"])
    assert verify_password("server-secret", lines["nguon-server"])
    acl = client.get("/api/v1/deploy/mosquitto/acl", headers=admin).text
    assert "user d1\ntopic read nguon/v1/area/64/cmd\n" in acl and "user d2" not in acl
    assert ("device.credentials_issued", "d1", "203.0.113.7") in _actions(db)


def test_areas_import_and_merge_over_http(client: Client, db: sessionmaker[Session]) -> None:
    op = auth(db, "op", (Role.PROVINCE_OPERATOR, "64"))
    bad = "code,name,level,parent_code\nv9,Thôn 9,village,nope\n"
    r = client.post("/api/v1/areas/import", files={"file": ("a.csv", bad.encode())}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 2
    ok = f"code,name,level,parent_code\nv9,Thôn 9,village,{C1}\n"
    r = client.post("/api/v1/areas/import", files={"file": ("a.csv", ok.encode())}, headers=op)
    assert r.status_code == 200 and r.json() == {"created": ["v9"], "renamed": []}
    other = auth(db, "other", (Role.PROVINCE_ADMIN, "65"))
    r = client.post("/api/v1/areas/import", files={"file": ("a.csv", ok.encode())}, headers=other)
    assert r.status_code == 403
    preview = client.post("/api/v1/areas/merge", json={"from_code": C1, "to_code": C2}, headers=op).json()
    assert preview["device_ids"] == ["d1"] and not preview["applied"]
    with db() as s:
        assert s.get(Device, "d1").commune_code == C1  # type: ignore[union-attr]
    viewer = auth(db, "viewer", (Role.VIEWER, "64"))
    assert client.post("/api/v1/areas/merge", json={"from_code": C1, "to_code": C2}, headers=viewer).status_code == 403
    done = client.post("/api/v1/areas/merge", json={"from_code": C1, "to_code": C2, "apply": True}, headers=op).json()
    assert done["applied"] and done["device_count"] == 1
    assert client.get("/api/v1/devices/d1", headers=op).json()["commune_code"] == C2
    tree = client.get("/api/v1/areas", headers=op).json()[0]["children"]
    assert {c["code"]: c["active"] for c in tree}[C1] is False
    assert ("device.reparented", "d1", "203.0.113.7") in _actions(db)
