"""PROTOCOL.md's examples are the real messages: they follow the schemas, the command verifies (and, printed
afresh by ``nguon protocol examples``, is not expired), and mosquitto_pub delivers them through a broker
that requires logins."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

import protocols
from protocols import (
    Ack,
    Capability,
    DeviceIdentity,
    Keyring,
    PlayBody,
    ReplayGuard,
    StateMessage,
    Telemetry,
    device_subscriptions,
    dump,
    json_schemas,
    parse_message,
    verify_command,
)
from protocols.examples import (
    EXAMPLE_AREA,
    EXAMPLE_DEVICE,
    EXAMPLE_KID,
    T0,
    Example,
    example_frame_body,
    example_key,
    example_stream_body,
    examples,
)
from protocols.jsonschema import SCHEMA_MODELS
from source_server.cli import app
from source_server.fleet import mosquitto, service
from source_server.fleet.credentials import hash_password, issue_credentials
from tests.support.brokers import MosquittoProcess

DOC = (Path(protocols.__file__).parent / "PROTOCOL.md").read_text()
COMMANDS = re.findall(r"```sh\n(mosquitto_(?:pub|sub) .*?)\n```", DOC, flags=re.S)
ME = DeviceIdentity(EXAMPLE_DEVICE, EXAMPLE_AREA)
SENDER, SENDER_PW = "test-sender", "sender-password"


def follows_its_schema(example: Example) -> None:
    errors = [
        e.message for e in Draft202012Validator(json_schemas()[example.schema]).iter_errors(json.loads(example.payload))
    ]
    assert not errors, (example.name, errors)
    SCHEMA_MODELS[example.schema].model_validate_json(example.payload)


def test_every_example_is_in_the_document_verbatim() -> None:
    for example in examples():
        assert f"```sh\n{example.command()}\n```" in DOC, example.name
    assert example_key().public_b64() in DOC
    assert len(COMMANDS) == len(examples())


def test_no_documented_command_publishes_the_servers_retained_state() -> None:
    # the failure a vendor met: `mosquitto_pub -r -t nguon/v1/server/state` replaced the live server's presence
    assert not [c for c in COMMANDS if c.startswith("mosquitto_pub") and "server/state" in c]
    assert [c for c in COMMANDS if "server/state" in c] == [examples()[-1].command()]


def test_every_example_follows_its_schema_and_the_command_verifies_as_a_device_would() -> None:
    by_name = {e.name: e for e in examples()}
    for example in examples():
        follows_its_schema(example)
    assert parse_message(StateMessage, by_name["will"].payload).online is False
    assert parse_message(Telemetry, by_name["telemetry"].payload).volume == 80
    assert parse_message(Ack, by_name["ack"].payload).status == "received"
    keyring = Keyring({EXAMPLE_KID: example_key().public_b64()})
    play = by_name["play"].payload
    cmd = verify_command(play, keyring=keyring, identity=ME, replay=ReplayGuard(), now=T0 + timedelta(minutes=10))
    assert cmd.priority == "emergency" and cmd.parsed_body().title == "Cảnh báo lũ quét"  # type: ignore[union-attr]
    with pytest.raises(protocols.CommandRejected) as today:  # why the document's copy cannot be sent as is
        verify_command(play, keyring=keyring, identity=ME, replay=ReplayGuard(), now=T0 + timedelta(days=1))
    assert today.value.reason == parse_message(Ack, by_name["ack-rejected"].payload).reason == "expired"


def test_nguon_protocol_examples_prints_them_signed_now_and_at_t0_exactly_as_the_document() -> None:
    fixed = CliRunner().invoke(app, ["protocol", "examples", "--at", "2026-11-23T00:00:00Z"])
    assert fixed.exit_code == 0, fixed.output
    assert [c for c in COMMANDS if c in fixed.output] == COMMANDS
    fresh = CliRunner().invoke(app, ["protocol", "examples"])
    assert fresh.exit_code == 0, fresh.output
    now = datetime.now(UTC)
    for example in examples(now):
        follows_its_schema(example)
    assert len(re.findall(r"^mosquitto_(?:pub|sub) ", fresh.output, flags=re.M)) == len(COMMANDS)
    envelope = re.search(r"-m '(\{\"kid\":\"example\".*?\})'", fresh.output)
    assert envelope is not None
    keyring = Keyring({EXAMPLE_KID: example_key().public_b64()})
    cmd = verify_command(envelope.group(1), keyring=keyring, identity=ME, replay=ReplayGuard(), now=now)
    assert now - timedelta(minutes=2) <= cmd.iat <= now <= cmd.exp  # issued now, not expired
    other = examples(now, device="spk-1", area=("64", "99999"))[3]
    assert other.topic == "nguon/v1/area/64/99999/cmd"


def test_the_documented_subscriptions_of_a_village_device_are_the_real_ones() -> None:
    block = re.search(r"subscribes to exactly these five:\n\n```\n(.*?)\n```", DOC, flags=re.S)
    assert block is not None
    assert block.group(1).splitlines() == device_subscriptions(EXAMPLE_DEVICE, EXAMPLE_AREA, ("vung-lu",))


@pytest.fixture
def login_broker(db: sessionmaker[Session]) -> Iterator[tuple[MosquittoProcess, str]]:
    """Mosquitto with the registry's password file and ACL: the example device and a sender that may publish."""
    files = Path(tempfile.mkdtemp(prefix="nguon-doc-"))
    files.chmod(0o755)
    with db.begin() as s:
        service.create_area(s, code="64", name="Gia Lai", level="province")
        service.create_area(s, code="23561", name="Xã Ví Dụ", level="commune", parent_code="64")
        service.create_area(s, code="2356101", name="Thôn Một", level="village", parent_code="23561")
        service.create_device(
            s,
            data=service.DeviceInput(
                id=EXAMPLE_DEVICE, kind="speaker", commune_code="23561", village_code="2356101", groups=["vung-lu"]
            ),
        )
        password = issue_credentials(s, device_id=EXAMPLE_DEVICE)
        mosquitto.regenerate(
            s,
            passwd_path=files / "passwd",
            acl_path=files / "acl",
            server_username=SENDER,
            server_password_hash=hash_password(SENDER_PW),
            mode=0o644,
        )
    broker = MosquittoProcess(
        extra_config=f"password_file {files / 'passwd'}\nacl_file {files / 'acl'}\n", allow_anonymous=False
    )
    broker.start()
    try:
        yield broker, password
    finally:
        broker.stop()
        shutil.rmtree(files, ignore_errors=True)


@pytest.mark.mosquitto
def test_the_documented_commands_work_verbatim_on_a_broker_that_requires_logins(
    login_broker: tuple[MosquittoProcess, str],
) -> None:
    broker, device_password = login_broker
    assert shutil.which("mosquitto_pub"), "mosquitto_pub is missing (package mosquitto-clients; .ci/run installs it)"
    env = {**os.environ, "DEVICE_PASSWORD": device_password, "MQTT_USER": SENDER, "MQTT_PASSWORD": SENDER_PW}

    def run(command: str, **kw: object) -> subprocess.CompletedProcess[str]:
        program, rest = command.split(" ", 1)
        line = f"{program} -h 127.0.0.1 -p {broker.port} {rest}"
        return subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=10, **kw)  # type: ignore[call-overload, no-any-return]

    # the failure a vendor met: the examples had no -u/-P, and a broker that requires logins refuses them
    anonymous = COMMANDS[0].replace(f'-u {EXAMPLE_DEVICE} -P "$DEVICE_PASSWORD" ', "")
    assert run(anonymous).returncode != 0

    got: list[tuple[str, bytes]] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="doc-test")
    sub.username_pw_set(SENDER, SENDER_PW)
    sub.on_message = lambda _c, _u, m: got.append((m.topic, m.payload))
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("nguon/v1/#", qos=1)
    sub.loop_start()
    try:
        time.sleep(0.3)
        published = [c for c in COMMANDS if c.startswith("mosquitto_pub")]
        for command in published:
            done = run(command)
            assert done.returncode == 0, (command[:60], done.stderr)
        retained = json.dumps({"online": True, "at": "2026-11-23T00:00:00Z"})
        sub.publish("nguon/v1/server/state", retained, qos=1, retain=True).wait_for_publish(5)
        read = run(COMMANDS[-1])  # the device reads the server's presence with its own login
        assert read.returncode == 0 and read.stdout.strip() == f"nguon/v1/server/state {retained}", read
        deadline = time.monotonic() + 5
        while len(got) < len(published) + 1:
            assert time.monotonic() < deadline, f"only got {[t for t, _ in got]}"
            time.sleep(0.05)
    finally:
        sub.loop_stop()
        sub.disconnect()
    wanted = sorted((e.topic, e.payload.encode()) for e in examples() if e.publishable)
    assert sorted(m for m in got if m[0] != "nguon/v1/server/state") == wanted


def test_the_documented_play_bodies_and_capabilities_are_the_real_ones() -> None:
    bodies = re.findall(r'  ```json\n  (\{"(?:media|stream)".*?)\n  ```', DOC)
    assert bodies == [dump(example_frame_body()).decode(), dump(example_stream_body()).decode()]
    for body in bodies:
        assert not list(Draft202012Validator(json_schemas()["body-play"]).iter_errors(json.loads(body)))
    frame, stream = (PlayBody.model_validate_json(b) for b in bodies)
    assert (frame.content_type, frame.stream, stream.media) == ("text/plain; charset=utf-8", None, None)
    table = re.search(r"### 3\.1 Capabilities.*?\n\n(\|.*?)\n\n", DOC, flags=re.S)
    assert table is not None
    assert re.findall(r"^\| `(\w+)` \|", table.group(1), flags=re.M) == [c.value for c in Capability]
    assert "`unsupported_content`" in DOC and "unsupported_content" in {r.value for r in protocols.RejectReason}
