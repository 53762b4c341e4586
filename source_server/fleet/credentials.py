"""Per-device MQTT credentials: random passwords shown once, stored only as Mosquitto ``$7$`` hashes.

The hash is Mosquitto 2's PBKDF2-SHA512 format, ``$7$<iterations>$<base64 salt>$<base64 hash>``
(12-byte salt, 64-byte key), checked against the real ``mosquitto_passwd``. The iteration count is
Mosquitto's own default (101): the passwords are 256-bit random strings, so stretching adds nothing
against guessing, while a broker restart makes 25,000 devices reconnect and each check costs CPU.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from source_server.db import utcnow
from source_server.fleet.models import Device
from source_server.fleet.service import NotFound

ITERATIONS = 101
SALT_BYTES = 12
KEY_BYTES = 64


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """A Mosquitto 2 ``$7$`` PBKDF2-SHA512 hash of ``password``."""
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, KEY_BYTES)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def verify_password(password: str, hashed: str) -> bool:
    """True when ``password`` matches a ``$7$`` hash."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != "7" or not parts[2].isdigit():
        return False
    try:
        salt, key = base64.b64decode(parts[3], validate=True), base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    got = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]), len(key))
    return hmac.compare_digest(got, key)


def new_password() -> str:
    """A random MQTT password with 256 bits of entropy (URL-safe, no characters a config file chokes on)."""
    return secrets.token_urlsafe(32)


def issue_credentials(db: Session, *, device_id: str) -> str:
    """Give a device a new MQTT password (replacing any old one); the clear password is returned once."""
    device = db.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    password = new_password()
    device.mqtt_password_hash = hash_password(password)
    device.credential_issued_at = utcnow()
    db.flush()
    return password


def revoke_credentials(db: Session, *, device_id: str) -> None:
    """Remove a device's MQTT password: after the next password-file reload it cannot connect."""
    device = db.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    device.mqtt_password_hash = None
    device.credential_issued_at = None
    db.flush()
