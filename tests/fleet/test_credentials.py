"""Device MQTT credentials: Mosquitto-compatible hashes, the clear password handed out once."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.fleet import csvio, service
from source_server.fleet.credentials import hash_password, issue_credentials, revoke_credentials, verify_password
from source_server.fleet.models import Device
from source_server.fleet.service import NotFound


def test_hash_has_mosquitto_format_and_verifies() -> None:
    hashed = hash_password("s3cret")
    _, seven, iterations, salt, key = hashed.split("$")
    assert (seven, iterations) == ("7", "101")
    assert len(base64.b64decode(salt)) == 12 and len(base64.b64decode(key)) == 64
    assert verify_password("s3cret", hashed) and not verify_password("s3cret!", hashed)
    assert hash_password("s3cret") != hashed  # fresh salt each time
    assert not verify_password("s3cret", "$6$abc$def") and not verify_password("x", "$7$101$!!$!!")


@pytest.mark.mosquitto
def test_agrees_with_the_real_mosquitto_passwd(tmp_path: Path) -> None:
    tool = shutil.which("mosquitto_passwd")
    assert tool is not None, "mosquitto_passwd is missing (apt-get install mosquitto)"
    pw = tmp_path / "pw"
    subprocess.run([tool, "-c", "-b", str(pw), "dev-1", "mật khẩu"], check=True, capture_output=True)
    theirs = pw.read_text().strip().split(":", 1)[1]
    assert verify_password("mật khẩu", theirs)
    salt = base64.b64decode(theirs.split("$")[3])
    assert hash_password("mật khẩu", salt=salt, iterations=int(theirs.split("$")[2])) == theirs


def test_issue_shows_password_once_and_stores_only_the_hash(db: sessionmaker[Session]) -> None:
    with db.begin() as s:
        csvio.import_areas(s, csvio.SAMPLE_AREAS.read_bytes())
        service.create_device(s, data=service.DeviceInput(id="spk-1", kind="speaker", commune_code="23563"))
    with db.begin() as s:
        first = issue_credentials(s, device_id="spk-1")
    assert len(first) >= 43  # 32 random bytes, URL-safe base64
    with db() as s:
        row = s.execute(select(Device.__table__)).one()._mapping
        assert all(first not in str(v) for v in row.values())
        assert verify_password(first, row["mqtt_password_hash"]) and row["credential_issued_at"] is not None
    with db.begin() as s:
        second = issue_credentials(s, device_id="spk-1")
    assert second != first
    with db() as s:
        stored = s.get(Device, "spk-1").mqtt_password_hash  # type: ignore[union-attr]
        assert verify_password(second, stored) and not verify_password(first, stored)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            issue_credentials(s, device_id="ghost")
    with db.begin() as s:
        revoke_credentials(s, device_id="spk-1")
    with db() as s:
        assert s.get(Device, "spk-1").mqtt_password_hash is None  # type: ignore[union-attr]
