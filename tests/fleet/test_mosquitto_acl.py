"""The generated password file and ACL, enforced by a real Mosquitto: a device can only be itself.

The broker runs with the production security lines (``mosquitto.listener_security_lines``: the client id is the
username); the takeover test first shows what a broker without them lets a stolen password do.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy.orm import Session, sessionmaker

from source_server.fleet import csvio, mosquitto, service
from source_server.fleet.credentials import hash_password, issue_credentials
from tests.support.brokers import MosquittoProcess

pytestmark = pytest.mark.mosquitto
C1, C2, V1 = "23563", "23626", "23563-01"
SERVER, SERVER_PW = "nguon-server", "server-password"


class Client:
    """A blocking paho client that records what it receives."""

    def __init__(
        self,
        port: int,
        username: str,
        password: str,
        *,
        client_id: str | None = None,
        will: tuple[str, str] | None = None,
        clean_session: bool = True,
    ) -> None:
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connack: queue.Queue[mqtt.ReasonCode] = queue.Queue()
        self.subacks: queue.Queue[list[mqtt.ReasonCode]] = queue.Queue()
        self.disconnects: queue.Queue[mqtt.ReasonCode] = queue.Queue()
        self.c = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"{username}-{uuid.uuid4().hex[:6]}",
            clean_session=clean_session,
        )
        self.c.username_pw_set(username, password)
        self.c.reconnect_delay_set(3600, 3600)  # a client that was kicked off stays off: the test sees it
        if will is not None:
            self.c.will_set(will[0], will[1], qos=1, retain=False)
        self.c.on_connect = lambda _c, _u, _f, rc, _p: self.connack.put(rc)
        self.c.on_disconnect = lambda _c, _u, _f, rc, _p: self.disconnects.put(rc)
        self.c.on_message = lambda _c, _u, m: self.messages.put((m.topic, m.payload))
        self.c.on_subscribe = lambda _c, _u, _m, rcs, _p: self.subacks.put(rcs)
        self.c.connect("127.0.0.1", port, keepalive=30)
        self.c.loop_start()
        self.rc = self.connack.get(timeout=5)

    def subscribe(self, *topics: str) -> list[mqtt.ReasonCode]:
        self.c.subscribe([(t, 1) for t in topics])
        return self.subacks.get(timeout=5)

    def publish(self, topic: str, payload: str) -> None:
        self.c.publish(topic, payload, qos=1).wait_for_publish(5)

    def expect_nothing(self, seconds: float) -> None:
        """Nothing arrives for ``seconds``."""
        with pytest.raises(queue.Empty):
            got = self.messages.get(timeout=seconds)
            raise AssertionError(f"unexpected message {got}")

    def wait_for(self, payload: bytes) -> list[tuple[str, bytes]]:
        """Everything received up to and including ``payload``."""
        seen = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                item = self.messages.get(timeout=0.1)
            except queue.Empty:
                continue
            seen.append(item)
            if item[1] == payload:
                return seen
        raise AssertionError(f"{payload!r} never arrived; got {seen}")

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


@pytest.fixture
def files() -> Iterator[Path]:
    """A directory the broker can read after it drops root privileges (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="nguon-acl-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def generate(db: sessionmaker[Session], files: Path) -> dict[str, str]:
    """Files for a1 (C1/V1, group g1) and b1 (C2); c1 exists without credentials. Returns the passwords."""
    with db.begin() as s:
        csvio.import_areas(s, csvio.SAMPLE_AREAS.read_bytes())
        for dev, commune, village, groups in (("a1", C1, V1, ["g1"]), ("b1", C2, None, []), ("c1", C1, None, [])):
            service.create_device(
                s,
                data=service.DeviceInput(
                    id=dev, kind="speaker", commune_code=commune, village_code=village, groups=groups
                ),
            )
        passwords = {d: issue_credentials(s, device_id=d) for d in ("a1", "b1")}
        mosquitto.regenerate(
            s,
            passwd_path=files / "passwd",
            acl_path=files / "acl",
            server_username=SERVER,
            server_password_hash=hash_password(SERVER_PW),
            mode=0o644,
        )
    return passwords


def secured_broker(files: Path, *, bind_client_id: bool = True) -> MosquittoProcess:
    """A Mosquitto with the generated files and the production security lines (optionally without the binding)."""
    lines = mosquitto.listener_security_lines() if bind_client_id else []  # right after MosquittoProcess's listener
    lines += mosquitto.security_config_lines(passwd_path=files / "passwd", acl_path=files / "acl")
    broker = MosquittoProcess(extra_config="\n".join(lines) + "\n", allow_anonymous=False)
    assert bind_client_id is not bool(mosquitto.missing_security_lines(broker.config_path.read_text()))
    return broker


@pytest.fixture
def fleet(
    db: sessionmaker[Session], files: Path
) -> Iterator[tuple[MosquittoProcess, dict[str, str], sessionmaker[Session]]]:
    """Mosquitto with generated files for a1 (C1/V1, group g1) and b1 (C2); c1 exists without credentials."""
    passwords = generate(db, files)
    broker = secured_broker(files)
    broker.start()
    try:
        yield broker, passwords, db
    finally:
        broker.stop()


def test_acl_confines_each_device_to_itself(
    fleet: tuple[MosquittoProcess, dict[str, str], sessionmaker[Session]],
) -> None:
    broker, pw, _ = fleet
    clients: list[Client] = []
    try:
        server = Client(broker.port, SERVER, SERVER_PW)
        a1 = Client(broker.port, "a1", pw["a1"])
        b1 = Client(broker.port, "b1", pw["b1"])
        clients += [server, a1, b1]
        assert not server.rc.is_failure and not a1.rc.is_failure and not b1.rc.is_failure

        # Wrong password, unknown user, a device without credentials: refused with "not authorised".
        for user, password in (("a1", pw["b1"]), ("ghost", "x"), ("c1", "")):
            refused = Client(broker.port, user, password)
            clients.append(refused)
            assert refused.rc.is_failure and "authori" in str(refused.rc).lower(), (user, refused.rc)

        # The server reads every device topic (also through a shared subscription).
        codes = server.subscribe("nguon/v1/dev/+/state", "$share/nguon/nguon/v1/dev/+/telemetry")
        assert not any(rc.is_failure for rc in codes)

        # a1 cannot write b1's state: the forged message is dropped, its own arrives after it.
        a1.publish("nguon/v1/dev/b1/state", "forged")
        a1.publish("nguon/v1/dev/a1/state", "a1-online")
        assert server.wait_for(b"a1-online") == [("nguon/v1/dev/a1/state", b"a1-online")]
        b1.publish("nguon/v1/dev/b1/telemetry", "b1-telemetry")
        assert server.wait_for(b"b1-telemetry") == [("nguon/v1/dev/b1/telemetry", b"b1-telemetry")]

        # a1 may listen to its own cmd, its province, commune, village, group and the server state ...
        own = [
            "nguon/v1/dev/a1/cmd",
            "nguon/v1/area/64/cmd",
            f"nguon/v1/area/64/{C1}/cmd",
            f"nguon/v1/area/64/{C1}/{V1}/cmd",
            "nguon/v1/grp/g1/cmd",
            "nguon/v1/server/state",
        ]
        assert not any(rc.is_failure for rc in a1.subscribe(*own))
        # ... but not to b1's cmd, another commune, another group or the whole tree.
        foreign = ["nguon/v1/dev/b1/cmd", f"nguon/v1/area/64/{C2}/cmd", "nguon/v1/grp/g2/cmd", "nguon/v1/#"]
        a1.subscribe(*foreign)
        for topic in [*foreign[:3], *own]:
            server.publish(topic, f"to {topic}")
        got = a1.wait_for(b"to nguon/v1/server/state")
        assert sorted(t for t, _ in got) == sorted(own)

        # The server cannot be impersonated: a device may not publish commands.
        a1.publish(f"nguon/v1/area/64/{C1}/cmd", "fake command")
        server.publish("nguon/v1/dev/a1/cmd", "marker")
        assert [p for _, p in a1.wait_for(b"marker")] == [b"marker"]
    finally:
        for c in clients:
            c.close()


def test_regenerate_and_sighup_admit_a_new_device(
    fleet: tuple[MosquittoProcess, dict[str, str], sessionmaker[Session]], files: Path
) -> None:
    broker, _, db = fleet
    assert broker.proc is not None
    pid_file = files / "mosquitto.pid"
    pid_file.write_text(f"{broker.proc.pid}\n")
    with db.begin() as s:
        password = issue_credentials(s, device_id="c1")
        result = mosquitto.regenerate(
            s,
            passwd_path=files / "passwd",
            acl_path=files / "acl",
            server_username=SERVER,
            server_password_hash=hash_password(SERVER_PW),
            pid_file=pid_file,
            mode=0o644,
        )
    assert result.devices == 3 and result.reloaded_pid == broker.proc.pid
    deadline = time.monotonic() + 5
    while True:
        c1 = Client(broker.port, "c1", password)
        c1.close()
        if not c1.rc.is_failure:
            break
        assert time.monotonic() < deadline, "mosquitto never accepted the re-issued credentials"
        time.sleep(0.1)


def _takeover(port: int, pw: dict[str, str]) -> tuple[Client, Client, Client]:
    """The server watches states; b1 is connected with its Will; a1 logs in with its own password as client "b1"."""
    server = Client(port, SERVER, SERVER_PW)
    server.subscribe("nguon/v1/dev/+/state")
    b1 = Client(port, "b1", pw["b1"], client_id="b1", will=("nguon/v1/dev/b1/state", "b1-will"))
    attacker = Client(port, "a1", pw["a1"], client_id="b1")
    assert not b1.rc.is_failure and not attacker.rc.is_failure
    return server, b1, attacker


def test_a_stolen_password_cannot_take_over_another_client_id(db: sessionmaker[Session], files: Path) -> None:
    pw = generate(db, files)
    # The failure: without the binding, a1's password logs in as client "b1", kicks b1 off and b1's Will goes out.
    unbound = secured_broker(files, bind_client_id=False)
    unbound.start()
    try:
        server, b1, attacker = _takeover(unbound.port, pw)
        try:
            assert b1.disconnects.get(timeout=5) is not None
            assert server.wait_for(b"b1-will") == [("nguon/v1/dev/b1/state", b"b1-will")]
        finally:
            for c in (attacker, b1, server):
                c.close()
    finally:
        unbound.stop()

    # The fix: the client id is the username, so the attacker is client "a1"; b1 stays connected, no Will.
    bound = secured_broker(files)
    bound.start()
    try:
        server, b1, attacker = _takeover(bound.port, pw)
        try:
            server.expect_nothing(1.0)
            assert b1.disconnects.empty() and b1.c.is_connected()
            b1.publish("nguon/v1/dev/b1/state", "b1-still-here")
            assert server.wait_for(b"b1-still-here") == [("nguon/v1/dev/b1/state", b"b1-still-here")]
            # The attacker may only speak as a1 (its own password's device), whatever client id it asked for.
            attacker.publish("nguon/v1/dev/b1/state", "forged")
            attacker.publish("nguon/v1/dev/a1/state", "a1-state")
            assert server.wait_for(b"a1-state") == [("nguon/v1/dev/a1/state", b"a1-state")]
        finally:
            for c in (attacker, b1, server):
                c.close()
    finally:
        bound.stop()


def test_a_device_cannot_publish_for_another_device_or_on_any_cmd_topic(
    fleet: tuple[MosquittoProcess, dict[str, str], sessionmaker[Session]],
) -> None:
    broker, pw, _ = fleet
    server = Client(broker.port, SERVER, SERVER_PW)
    a1 = Client(broker.port, "a1", pw["a1"])
    b1 = Client(broker.port, "b1", pw["b1"])
    try:
        assert not any(rc.is_failure for rc in server.subscribe("nguon/v1/#"))
        assert not any(rc.is_failure for rc in b1.subscribe("nguon/v1/dev/b1/cmd"))
        forged = [
            *(f"nguon/v1/dev/b1/{channel}" for channel in ("state", "telemetry", "ack", "cmd")),
            "nguon/v1/dev/a1/cmd",
            "nguon/v1/area/64/cmd",
            f"nguon/v1/area/64/{C1}/cmd",
            f"nguon/v1/area/64/{C1}/{V1}/cmd",
            "nguon/v1/grp/g1/cmd",
            "nguon/v1/server/state",
            "nguon/v1/dev/b1/state/extra",
        ]
        for topic in forged:
            a1.publish(topic, f"forged {topic}")
        a1.publish("nguon/v1/dev/a1/ack", "a1-ack")
        assert server.wait_for(b"a1-ack") == [("nguon/v1/dev/a1/ack", b"a1-ack")]
        b1.expect_nothing(0.3)
    finally:
        for c in (b1, a1, server):
            c.close()


def test_the_servers_persistent_session_follows_its_username(
    fleet: tuple[MosquittoProcess, dict[str, str], sessionmaker[Session]],
) -> None:
    """With the client id bound to the username, the server's queued messages wait under its username."""
    broker, pw, _ = fleet
    first = Client(broker.port, SERVER, SERVER_PW, client_id="nguon-server", clean_session=False)
    first.subscribe("nguon/v1/dev/+/ack")
    first.close()
    a1 = Client(broker.port, "a1", pw["a1"])
    a1.publish("nguon/v1/dev/a1/ack", "queued-while-away")
    a1.close()
    again = Client(broker.port, SERVER, SERVER_PW, client_id="another-id", clean_session=False)
    try:
        assert again.wait_for(b"queued-while-away") == [("nguon/v1/dev/a1/ack", b"queued-while-away")]
    finally:
        again.close()
