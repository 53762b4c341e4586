"""Mosquitto password and ACL files generated from the registry, written atomically, reloaded by SIGHUP.

ACL layout (Mosquitto 2): ``pattern`` lines with ``%u`` give every device (username = device id) write
access to its own ``state|telemetry|ack`` and read access to its own ``cmd`` in a few lines for the whole
fleet; then one ``user`` block per device lists the fan-out topics of its area path and groups. The
server user reads and writes everything under ``nguon/v1/``.

Broker settings that security depends on live here too (:func:`security_config_lines`,
:func:`listener_security_lines`), so the shipped configs, the private launcher and the tests use the same lines;
:func:`missing_security_lines` checks a config text against them.
"""

from __future__ import annotations

import os
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols.topics import ROOT, SERVER_STATE_TOPIC, area_cmd_topic, group_cmd_topic
from source_server.fleet.models import Device
from source_server.fleet.service import valid_id

DEVICE_PATTERNS = (
    f"pattern write {ROOT}/dev/%u/state",
    f"pattern write {ROOT}/dev/%u/telemetry",
    f"pattern write {ROOT}/dev/%u/ack",
    f"pattern read {ROOT}/dev/%u/cmd",
    f"pattern read {SERVER_STATE_TOPIC}",
)


LISTENER_SECURITY_LINES = ("use_username_as_clientid true",)
"""Client id = username: a device's password cannot take over another device's client id (and session)."""


def security_config_lines(*, passwd_path: Path | str, acl_path: Path | str) -> list[str]:
    """Global lines of every Nguồn Mosquitto config: one auth setup for all listeners, no anonymous clients, the
    generated password file and ACL."""
    return [
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {passwd_path}",
        f"acl_file {acl_path}",
    ]


def listener_security_lines() -> list[str]:
    """Lines that must follow EVERY ``listener`` line (Mosquitto applies them per listener).

    ``use_username_as_clientid true`` replaces the client id a client sends by its username, so a client holding
    device A's password can only ever be client ``A``: logging in "as client B" no longer kicks B off. Written
    before the first ``listener`` line the option silently opens a default listener on port 1883 instead.
    Persistent sessions (``clean_session false``) are then keyed by the username: the server's session follows
    ``NGUON_MQTT_USERNAME`` (keep it stable; each server replica needs its own username, or two replicas would
    take each other's connection over), whatever ``NGUON_MQTT_CLIENT_ID`` says.
    """
    return list(LISTENER_SECURITY_LINES)


def missing_security_lines(config_text: str) -> list[str]:
    """What a Mosquitto config text lacks of the security lines (empty when it has them all)."""
    lines = [line.strip() for line in config_text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    problems = []
    for required in ("per_listener_settings false", "allow_anonymous false"):
        if required not in lines:
            problems.append(f"missing global line {required!r}")
    for key in ("password_file", "acl_file"):
        if not any(line.split()[0] == key for line in lines):
            problems.append(f"missing global {key}")
    listeners = [i for i, line in enumerate(lines) if line.split()[0] == "listener"]
    if not listeners:
        problems.append("no listener line")
    for n, start in enumerate(listeners):
        end = listeners[n + 1] if n + 1 < len(listeners) else len(lines)
        block = lines[start:end]
        problems += [f"{lines[start]!r} lacks {want!r}" for want in LISTENER_SECURITY_LINES if want not in block]
    before = lines[: listeners[0]] if listeners else lines
    problems += [f"{want!r} before the first listener (opens a default listener)" for want in LISTENER_SECURITY_LINES
                 if want in before]  # fmt: skip
    return problems


def _credentialed(db: Session) -> list[Device]:
    stmt = select(Device).where(Device.mqtt_password_hash.is_not(None)).order_by(Device.id)
    return list(db.scalars(stmt))


def _check_server_user(username: str) -> None:
    if not valid_id(username):
        raise ValueError(f"server MQTT username {username!r} must be a plain id (letters, digits, _ . -)")


def password_file_text(
    db: Session, *, server_username: str | None = None, server_password_hash: str | None = None
) -> str:
    """``username:hash`` lines for every device with credentials, plus the server user if given."""
    lines = []
    if server_username:
        _check_server_user(server_username)
        if not server_password_hash or not server_password_hash.startswith("$7$"):
            raise ValueError("the server user needs a $7$ password hash")
        lines.append(f"{server_username}:{server_password_hash}")
    lines += [f"{d.id}:{d.mqtt_password_hash}" for d in _credentialed(db) if d.id != server_username]
    return "\n".join(lines) + ("\n" if lines else "")


def acl_file_text(db: Session, *, server_username: str | None = None) -> str:
    """The ACL: per-device patterns, per-device fan-out topics, full access for the server user."""
    out = ["# Generated by nguon from the device registry; edits are overwritten.", *DEVICE_PATTERNS, ""]
    if server_username:
        _check_server_user(server_username)
        out += [f"user {server_username}", f"topic readwrite {ROOT}/#", ""]
    for device in _credentialed(db):
        if device.id == server_username:
            continue
        out.append(f"user {device.id}")
        path = device.area_path
        out += [f"topic read {area_cmd_topic(path[: i + 1])}" for i in range(len(path))]
        out += [f"topic read {group_cmd_topic(g)}" for g in device.group_names]
        out.append("")
    return "\n".join(out)


def write_atomic(path: Path, text: str, mode: int = 0o640) -> None:
    """Replace ``path`` with ``text`` so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Regenerated:
    """What a regeneration wrote and whom it signalled."""

    devices: int
    passwd_path: Path
    acl_path: Path
    reloaded_pid: int | None


def regenerate(
    db: Session,
    *,
    passwd_path: Path,
    acl_path: Path,
    server_username: str | None = None,
    server_password_hash: str | None = None,
    pid_file: Path | None = None,
    mode: int = 0o640,
) -> Regenerated:
    """Write both files atomically; with ``pid_file``, SIGHUP that Mosquitto so it reloads them.

    Mosquitto started as root reads these files after switching to its own user: keep them readable by
    that user (``mode`` 0640 and group ``mosquitto``, or a directory it owns).
    """
    passwd = password_file_text(db, server_username=server_username, server_password_hash=server_password_hash)
    acl = acl_file_text(db, server_username=server_username)
    write_atomic(passwd_path, passwd, mode)
    write_atomic(acl_path, acl, mode)
    pid = None
    if pid_file is not None:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    devices = sum(1 for line in passwd.splitlines() if line and not line.startswith(f"{server_username}:"))
    return Regenerated(devices=devices, passwd_path=passwd_path, acl_path=acl_path, reloaded_pid=pid)
