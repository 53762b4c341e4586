"""A private Mosquitto for one kit run: a free loopback port, a password file and an ACL for the device and the kit.

The ACL is the production one (PROTOCOL.md §1) cut down to one device: it may write only its own state,
telemetry and ack, and read its own cmd, its area levels, its group and ``server/state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
from pathlib import Path

from conformance.provision import Provisioning, mosquitto_hash
from protocols import SERVER_STATE_TOPIC, area_cmd_topic, device_topic, group_cmd_topic
from protocols.topics import ROOT

KIT_USER = "nguon-conformance"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the OS says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def mosquitto_binary() -> str:
    """Path of the mosquitto binary, or RuntimeError saying how to get it (or to use ``--broker``)."""
    path = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if path is None:
        raise RuntimeError("mosquitto is not installed (apt-get install mosquitto), or give --broker mqtt://...")
    return path


def acl_text(prov: Provisioning, kit_user: str = KIT_USER) -> str:
    """The ACL: the kit reads and writes everything under ``nguon/v1/``; the device what §1 allows it."""
    dev = prov.device_id
    lines = [f"user {kit_user}", f"topic readwrite {ROOT}/#", "", f"user {dev}"]
    lines += [f"topic write {device_topic(dev, c)}" for c in ("state", "telemetry", "ack")]
    lines += [f"topic read {device_topic(dev, 'cmd')}", f"topic read {SERVER_STATE_TOPIC}"]
    lines += [f"topic read {area_cmd_topic(prov.area_path[: i + 1])}" for i in range(len(prov.area_path))]
    lines += [f"topic read {group_cmd_topic(g)}" for g in prov.groups]
    return "\n".join(lines) + "\n"


class PrivateMosquitto:
    """Mosquitto on a free loopback port with logins required; ``kit_password`` is the kit's own login."""

    def __init__(self, workdir: Path, prov: Provisioning) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.kit_user, self.kit_password = KIT_USER, secrets.token_urlsafe(24)
        self.proc: subprocess.Popen[bytes] | None = None
        passwd, acl, conf = workdir / "mosquitto.passwd", workdir / "mosquitto.acl", workdir / "mosquitto.conf"
        passwd.write_text(
            f"{self.kit_user}:{mosquitto_hash(self.kit_password)}\n{prov.device_id}:{mosquitto_hash(prov.password)}\n"
        )
        acl.write_text(acl_text(prov, self.kit_user))
        for f in (passwd, acl):
            f.chmod(0o600)
        # As root, Mosquitto would switch to its own user, which cannot read the kit's private files.
        as_root = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(
            as_root + f"listener {self.port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\nacl_file {acl}\n"
            f"persistence false\nmax_keepalive 65535\nlog_dest file {workdir / 'mosquitto.log'}\n"
        )
        self.config_path = conf

    async def start(self, timeout: float = 10.0) -> None:
        """Start it and wait until it accepts connections."""
        with open(self.workdir / "mosquitto.stderr", "ab") as err:
            self.proc = subprocess.Popen(
                [mosquitto_binary(), "-c", str(self.config_path)], stdout=subprocess.DEVNULL, stderr=err
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited at start; see {self.workdir / 'mosquitto.stderr'}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return
        raise RuntimeError(f"mosquitto did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        """Stop the broker this kit started (by its own process handle)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self.proc = None
