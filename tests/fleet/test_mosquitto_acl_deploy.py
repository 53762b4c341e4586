"""The shipped ``deploy/mosquitto/nguon.conf`` runs on real Mosquitto: TLS for devices, generated passwd and ACL,
and a device's password cannot take over another device's client id."""

from __future__ import annotations

import datetime as dt
import ipaddress
import queue
import re
import shutil
import ssl
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from source_server.broker import free_port
from source_server.fleet import csvio, mosquitto, service
from source_server.fleet.credentials import hash_password, issue_credentials
from tests.support.brokers import mosquitto_binary, wait_port

pytestmark = pytest.mark.mosquitto
CONF = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "nguon.conf"


@pytest.mark.parametrize("name", ["nguon.conf", "nguon.compose.conf"])
def test_shipped_configs_carry_the_security_lines(name: str) -> None:
    text = (CONF.parent / name).read_text()
    assert mosquitto.missing_security_lines(text) == []
    broken = text.replace("use_username_as_clientid true\n", "", 1)
    assert mosquitto.missing_security_lines(broken) == ["'listener 8883 0.0.0.0' lacks 'use_username_as_clientid true'"]


def _self_signed(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "ca.crt").write_bytes(pem)
    (directory / "server.crt").write_bytes(pem)
    (directory / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    for f in directory.iterdir():
        f.chmod(0o644)


def _tls_client(
    workdir: Path, port: int, username: str, password: str, client_id: str
) -> tuple[mqtt.Client, queue.Queue[mqtt.ReasonCode]]:
    got: queue.Queue[mqtt.ReasonCode] = queue.Queue()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    c.tls_set(ca_certs=str(workdir / "ca.crt"), cert_reqs=ssl.CERT_REQUIRED)
    c.username_pw_set(username, password)
    c.reconnect_delay_set(3600, 3600)
    c.on_connect = lambda _c, _u, _f, rc, _p: got.put(rc)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c, got


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="nguon-deploy-"))
    path.chmod(0o777)  # the broker drops root privileges and writes its persistence file here
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_deploy_config_serves_devices_over_tls(db: sessionmaker[Session], workdir: Path) -> None:
    with db.begin() as s:
        csvio.import_areas(s, csvio.SAMPLE_AREAS.read_bytes())
        for dev in ("spk-1", "spk-2"):
            service.create_device(s, data=service.DeviceInput(id=dev, kind="speaker", commune_code="23563"))
        password = issue_credentials(s, device_id="spk-1")
        other = issue_credentials(s, device_id="spk-2")
        mosquitto.regenerate(
            s,
            passwd_path=workdir / "passwd",
            acl_path=workdir / "acl",
            server_username="nguon-server",
            server_password_hash=hash_password("pw"),
            mode=0o644,
        )
    _self_signed(workdir)
    tls_port, plain_port = free_port(), free_port()
    text = CONF.read_text()
    text = text.replace("/etc/mosquitto/certs/", f"{workdir}/").replace("/etc/mosquitto/nguon/", f"{workdir}/")
    text = text.replace("/var/lib/mosquitto/", f"{workdir}/").replace("log_dest syslog", "log_dest none")
    text = text.replace("listener 8883 0.0.0.0", f"listener {tls_port} 127.0.0.1")
    text = re.sub(r"listener 1883 127\.0\.0\.1", f"listener {plain_port} 127.0.0.1", text)
    (workdir / "nguon.conf").write_text(text)
    proc = subprocess.Popen([mosquitto_binary(), "-c", str(workdir / "nguon.conf")], stderr=subprocess.DEVNULL)
    try:
        wait_port("127.0.0.1", tls_port)
        results: dict[str, mqtt.ReasonCode] = {}
        for label, pw in (("good", password), ("bad", "wrong")):
            c, got = _tls_client(workdir, tls_port, "spk-1", pw, f"spk-1-{uuid.uuid4().hex[:6]}")
            results[label] = got.get(timeout=5)
            c.disconnect()
            c.loop_stop()
        assert not results["good"].is_failure and results["bad"].is_failure

        # spk-2's password asking for client id "spk-1" does not kick the real spk-1 off.
        victim, got = _tls_client(workdir, tls_port, "spk-1", password, "spk-1")
        assert not got.get(timeout=5).is_failure
        kicked: queue.Queue[object] = queue.Queue()
        victim.on_disconnect = lambda *_a: kicked.put(True)
        attacker, got = _tls_client(workdir, tls_port, "spk-2", other, "spk-1")
        assert not got.get(timeout=5).is_failure
        with pytest.raises(queue.Empty):
            kicked.get(timeout=1.0)
        assert victim.is_connected()
        for c in (attacker, victim):
            c.disconnect()
            c.loop_stop()
    finally:
        proc.terminate()
        proc.wait(5)
