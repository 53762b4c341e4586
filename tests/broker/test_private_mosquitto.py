"""The embedded default broker: a private Mosquitto launched by the server, with production's rules.

Devices log in with the passwords the registry issues (rewritten and reloaded after each commit, no call left
to the caller), a device cannot write another's topics, retained presence survives a restart, and the child
never outlives the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiomqtt
import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from device_agent.exceptions import ConnectRefused
from device_agent.mqtt import MqttClient
from protocols import StateMessage, device_topic, dump
from protocols.topics import DeviceChannel
from source_server.accounts.service import Role, create_user, issue_token
from source_server.broker import EmbeddedBroker, ExternalBroker, MosquittoBroker, broker_for, free_port
from source_server.config import Settings
from source_server.fleet.credentials import issue_credentials, revoke_credentials
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.mosquitto import missing_security_lines
from source_server.fleet.service import DeviceInput, create_device, update_device
from source_server.serve import LiveServer, live_server

pytestmark = [pytest.mark.broker, pytest.mark.mosquitto]

C1, C2 = "23563", "23575"


async def until(cond: Callable[[], bool | Awaitable[bool]], timeout: float = 5, what: str = "condition") -> float:
    """Seconds until ``cond`` holds (polled every 50 ms); fails after ``timeout``."""
    t0 = time.monotonic()
    while True:
        got = cond()
        if not isinstance(got, bool):
            got = await got
        if got:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def server(tmp_path: Path, db_url: str, db: sessionmaker[Session]) -> AsyncIterator[LiveServer]:
    """A server with NGUON_MQTT_URL unset: it runs its own Mosquitto."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        mqtt_url=None,
        embedded_broker="mosquitto",
        http_port=free_port(),
        heartbeat_s=1,
        inactivity_timeout_s=3,
        presence_flush_s=0.05,
        reconnect_window_s=1.0,
    )
    async with live_server(settings) as srv:
        with srv.runtime.sessions.begin() as s:
            import_areas(s, SAMPLE_AREAS.read_bytes())
        await until(lambda: srv.runtime.mqtt.connected, what="the server's own login to its broker")
        yield srv


def private(srv: LiveServer) -> MosquittoBroker:
    broker = srv.runtime.broker
    assert isinstance(broker, MosquittoBroker)
    return broker


def register(srv: LiveServer, device_id: str, commune: str = C1) -> str:
    """Register a device and issue its password, in one transaction, as the API does."""
    with srv.runtime.sessions.begin() as s:
        create_device(s, data=DeviceInput(id=device_id, kind="speaker", commune_code=commune))
        return issue_credentials(s, device_id=device_id)


def client(srv: LiveServer, user: str | None, password: str | None, client_id: str | None = None) -> MqttClient:
    port = private(srv).port
    return MqttClient(host="127.0.0.1", port=port, client_id=client_id or user or "anon", username=user,
                      password=password, keepalive_s=10)  # fmt: skip


async def logs_in(srv: LiveServer, user: str | None, password: str | None) -> bool:
    c = client(srv, user, password)
    try:
        await c.connect()
    except ConnectRefused:
        return False
    await c.disconnect()
    return True


async def test_a_device_registered_after_start_logs_in_with_its_new_password_and_only_with_it(
    server: LiveServer,
) -> None:
    broker = private(server)
    assert broker.url == server.runtime.broker.url and server.runtime.mqtt.connected
    # Before it is registered the device is refused, as is an anonymous client.
    assert not await logs_in(server, "spk-new", "whatever")
    assert not await logs_in(server, None, None)

    password = register(server, "spk-new")  # an ordinary commit: the files follow on their own
    took = await until(lambda: logs_in(server, "spk-new", password), timeout=3, what="the new device's login")
    assert took < 2.0
    assert not await logs_in(server, "spk-new", password + "x")  # a wrong password is refused

    # A re-issued password replaces the old one; a revoked device is refused.
    with server.runtime.sessions.begin() as s:
        second = issue_credentials(s, device_id="spk-new")
    await until(lambda: logs_in(server, "spk-new", second), timeout=3, what="the re-issued password")
    assert not await logs_in(server, "spk-new", password)
    with server.runtime.sessions.begin() as s:
        revoke_credentials(s, device_id="spk-new")
    await until(lambda: _not(logs_in(server, "spk-new", second)), timeout=3, what="the revocation")

    # Files: hashes only, readable by this user alone.
    assert password not in broker.passwd_path.read_text()
    for path in (broker.passwd_path, broker.acl_path, broker.dir / "server-password", broker.config_path):
        assert path.stat().st_mode & 0o777 == 0o600, path


async def test_credentials_issued_through_the_api_let_the_device_in_at_once(server: LiveServer) -> None:
    with server.runtime.sessions.begin() as s:
        token = issue_token(s, user=create_user(s, username="admin", grants=[(Role.PROVINCE_ADMIN, "64")]))
    admin = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        made = await http.post("/api/v1/devices", headers=admin,
                               json={"id": "spk-api", "kind": "speaker", "commune_code": C1})  # fmt: skip
        assert made.status_code == 201, made.text
        issued = await http.post("/api/v1/devices/spk-api/credentials", headers=admin)
        assert issued.status_code == 200, issued.text
    password = issued.json()["password"]
    took = await until(lambda: logs_in(server, "spk-api", password), timeout=3, what="the API-issued password")
    assert took < 2.0


async def test_a_crashed_broker_is_started_again_and_everyone_gets_back_in(server: LiveServer) -> None:
    password = register(server, "spk-c")
    await until(lambda: logs_in(server, "spk-c", password), what="spk-c's login")
    broker = private(server)
    assert broker.proc is not None
    crashed = broker.proc.pid
    os.kill(crashed, signal.SIGKILL)
    await until(lambda: not server.runtime.mqtt.connected, what="the server to notice")
    await until(lambda: broker.proc is not None and broker.proc.pid != crashed and broker.proc.poll() is None,
                what="a new broker process")  # fmt: skip
    await until(lambda: server.runtime.mqtt.connected, timeout=15, what="the server's login again")
    assert await logs_in(server, "spk-c", password)
    assert not await logs_in(server, "spk-c", "wrong")


async def _not(got: Awaitable[bool]) -> bool:
    return not await got


async def test_a_device_cannot_write_another_devices_state(server: LiveServer) -> None:
    pw = {d: register(server, d) for d in ("spk-a", "spk-b")}
    await until(lambda: logs_in(server, "spk-a", pw["spk-a"]), what="spk-a's login")
    await server.runtime.presence.refresh_devices()
    presence = server.runtime.presence
    a = client(server, "spk-a", pw["spk-a"])
    await a.connect()
    try:
        # A forged state for spk-b with a session far in the future would lock the real spk-b out of its own
        # presence; the ACL drops it at the broker. Its own state, sent after, arrives.
        forged = StateMessage(online=True, session=2**62, at=None)
        await a.publish(device_topic("spk-b", DeviceChannel.STATE), dump(forged), qos=1, retain=True)
        own = StateMessage(online=True, session=int(time.time() * 1000))
        await a.publish(device_topic("spk-a", DeviceChannel.STATE), dump(own), qos=1, retain=True)

        def status(d: str) -> str | None:
            view = presence.snapshot(d)
            return view.status if view else None

        await until(lambda: status("spk-a") == "online", what="spk-a online")
        await asyncio.sleep(0.3)
        assert status("spk-b") == "never_seen"
    finally:
        await a.disconnect()

    # Client id = user name: spk-a cannot log in as client "spk-b" (it would kick the real spk-b off).
    b = client(server, "spk-b", pw["spk-b"])
    await b.connect()
    try:
        thief = client(server, "spk-a", pw["spk-a"], client_id="spk-b")
        await thief.connect()
        await thief.disconnect()
        await asyncio.sleep(0.3)
        assert b.connected
    finally:
        await b.disconnect()


async def test_a_move_to_another_commune_is_in_the_acl_without_anyone_asking(server: LiveServer) -> None:
    register(server, "spk-m", commune=C1)
    broker = private(server)
    await until(lambda: f"nguon/v1/area/64/{C1}/cmd" in broker.acl_path.read_text(), what="first ACL")
    with server.runtime.sessions.begin() as s:
        update_device(s, device_id="spk-m", changes={"commune_code": C2, "groups": ["vung-lu"]})
    await until(lambda: f"nguon/v1/area/64/{C2}/cmd" in broker.acl_path.read_text(), what="the moved device's ACL")
    acl = broker.acl_path.read_text()
    assert f"nguon/v1/area/64/{C1}/cmd" not in acl and "nguon/v1/grp/vung-lu/cmd" in acl


async def test_retained_presence_survives_a_restart_of_the_private_broker(tmp_path: Path) -> None:
    first = MosquittoBroker(tmp_path)
    first.launch()
    state = json.dumps({"online": True, "session": 7}).encode()
    try:
        async with aiomqtt.Client("127.0.0.1", first.port, identifier=first.client_id,
                                  username=first.username, password=first.password) as c:  # fmt: skip
            await c.publish("nguon/v1/dev/spk-r/state", state, qos=1, retain=True)
    finally:
        first.terminate()  # SIGTERM: Mosquitto writes its persistence file
    again = MosquittoBroker(tmp_path)
    assert again.password == first.password  # one server password per data directory
    again.launch()
    try:
        async with aiomqtt.Client("127.0.0.1", again.port, identifier=again.client_id,
                                  username=again.username, password=again.password) as c:  # fmt: skip
            await c.subscribe("nguon/v1/dev/+/state", qos=1)
            async with asyncio.timeout(5):
                async for message in c.messages:
                    assert message.retain and message.payload == state
                    break
    finally:
        again.terminate()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is dead too
        return fh.read().split(") ")[-1][0] != "Z"


def test_stop_ends_the_child_and_a_killed_server_takes_it_along(tmp_path: Path) -> None:
    broker = MosquittoBroker(tmp_path / "a")
    broker.launch()
    assert broker.proc is not None
    pid = broker.proc.pid
    broker.terminate()
    assert not _alive(pid) and broker.proc is None

    # A server killed with SIGKILL runs no clean-up: Linux sends the child SIGTERM (PR_SET_PDEATHSIG).
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from source_server.broker import MosquittoBroker\n"
        "b = MosquittoBroker(Path(sys.argv[1]))\n"
        "b.launch()\n"
        "print(b.proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "b")], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 5
        while _alive(child):
            assert time.monotonic() < deadline, "mosquitto outlived the server"
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def test_the_embedded_default_is_mosquitto_when_installed_and_a_setting_forces_either(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path, mqtt_url=None)
    assert isinstance(broker_for(base), MosquittoBroker)
    assert isinstance(broker_for(base.model_copy(update={"embedded_broker": "amqtt"})), EmbeddedBroker)
    assert isinstance(broker_for(base.model_copy(update={"embedded_broker": "mosquitto"})), MosquittoBroker)
    url = f"mqtt://127.0.0.1:{free_port()}"  # never connected to: only which launcher the URL selects
    external = broker_for(base.model_copy(update={"mqtt_url": url, "mqtt_username": "srv"}))
    assert isinstance(external, ExternalBroker) and external.username == "srv" and external.url == url
    # The server logs in with user name == client id (use_username_as_clientid binds them).
    mine = broker_for(base.model_copy(update={"mqtt_client_id": "nguon-a"}))
    assert (mine.username, mine.client_id) == ("nguon-a", "nguon-a")
    # Its config has every security line production has, in the right places.
    assert isinstance(mine, MosquittoBroker) and missing_security_lines(mine.config_text()) == []
