"""The identity the kit gives the device under test: id, password, signing key, area, group, broker, as JSON.

A vendor's box reads the provisioning file (or the kit fills placeholders of ``--device-cmd`` with its fields).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

from protocols import SigningKey, device_subscriptions, device_topic

PROVINCE = "99"
"""A province code no real one uses, so a kit run never looks like a real fleet."""


@dataclass(frozen=True)
class Provisioning:
    """What the device under test is told (the kit's private signing key stays with the kit)."""

    device_id: str
    password: str
    broker_url: str
    area_path: tuple[str, ...]
    groups: tuple[str, ...]
    server_keys: dict[str, str]
    state_dir: str
    heartbeat_s: int = 5
    """What the kit suggests; the device says what it uses in its online message."""

    @property
    def username(self) -> str:
        """The MQTT user name (§1: the device id)."""
        return self.device_id

    @property
    def area(self) -> str:
        """The area path as ``province/commune/village``."""
        return "/".join(self.area_path)

    def to_json(self) -> str:
        """The provisioning file's text."""
        data = asdict(self)
        data.update(username=self.username, area=self.area, topics=topics_of(self))
        return json.dumps(data, indent=2)

    def write(self, path: Path) -> Path:
        """Write the provisioning file (mode 0600: it holds a password)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json())
        path.chmod(0o600)
        return path

    def placeholders(self, provisioning_path: Path) -> dict[str, str]:
        """Values of ``{name}`` placeholders in ``--device-cmd`` (each shell-quoted when substituted)."""
        kid, public = next(iter(self.server_keys.items()))
        host, _, port = self.broker_url.removeprefix("mqtt://").rpartition(":")
        return {
            "provisioning": str(provisioning_path), "device_id": self.device_id, "password": self.password,
            "broker_url": self.broker_url, "broker_host": host, "broker_port": port, "area": self.area,
            "group": self.groups[0] if self.groups else "", "kid": kid, "public_key": public,
            "server_key": f"{kid}={public}", "state_dir": self.state_dir, "heartbeat_s": str(self.heartbeat_s),
        }  # fmt: skip

    def device_command(self, template: str, provisioning_path: Path) -> str:
        """``template`` with every known ``{name}`` replaced by its shell-quoted value (other braces kept)."""
        out = template
        for name, value in self.placeholders(provisioning_path).items():
            out = out.replace("{" + name + "}", shlex.quote(value))
        return out


def topics_of(p: Provisioning) -> dict[str, object]:
    """The topics the device publishes on and subscribes to (§2), for a vendor reading the file."""
    return {
        "state": device_topic(p.device_id, "state"),
        "telemetry": device_topic(p.device_id, "telemetry"),
        "ack": device_topic(p.device_id, "ack"),
        "subscribe": device_subscriptions(p.device_id, p.area_path, p.groups),
    }


def new_provisioning(
    *, broker_url: str, state_dir: Path, device_id: str | None = None, password: str | None = None
) -> tuple[Provisioning, SigningKey]:
    """A fresh device identity in province 99 and the kit's own signing key (kid ``conf-<hex>``)."""
    tag = secrets.token_hex(3)
    commune = f"{PROVINCE}{secrets.randbelow(900) + 100}"
    key = SigningKey.generate(f"conf-{tag}")
    device_id = device_id or f"conf-dev-{tag}"
    area = (PROVINCE, commune, f"{commune}01")
    prov = Provisioning(
        device_id=device_id, password=password or secrets.token_urlsafe(24), broker_url=broker_url,
        area_path=area, groups=(f"conf-grp-{tag}",), server_keys={key.kid: key.public_b64()},
        state_dir=str(state_dir),
    )  # fmt: skip
    return prov, key


def mosquitto_hash(password: str, iterations: int = 101) -> str:
    """A Mosquitto 2 ``$7$`` (PBKDF2-SHA512) password hash, for the kit's private broker."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
