"""PROTOCOL.md's examples are the real messages: they parse, the command verifies, and mosquitto_pub can send them."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import pytest

import protocols
from protocols import (
    Ack,
    DeviceIdentity,
    Keyring,
    ReplayGuard,
    StateMessage,
    Telemetry,
    parse_message,
    verify_command,
)
from protocols.examples import EXAMPLE_AREA, EXAMPLE_DEVICE, EXAMPLE_KID, example_key, examples

DOC = (Path(protocols.__file__).parent / "PROTOCOL.md").read_text()
COMMANDS = re.findall(r"```sh\n(mosquitto_pub .*?)\n```", DOC, flags=re.S)


def test_every_example_is_in_the_document_verbatim() -> None:
    for example in examples():
        assert f"-m '{example.payload}'" in DOC, example.name
        assert f"-t '{example.topic}'" in DOC, example.name
    assert example_key().public_b64() in DOC
    assert len(COMMANDS) == len(examples())


def test_examples_parse_and_the_command_verifies_as_a_device_would() -> None:
    by_name = {e.name: e for e in examples()}
    assert parse_message(StateMessage, by_name["will"].payload).online is False
    assert parse_message(StateMessage, by_name["online"].payload).session == 42
    assert parse_message(Telemetry, by_name["telemetry"].payload).volume == 80
    assert parse_message(Ack, by_name["ack"].payload).status == "received"
    keyring = Keyring({EXAMPLE_KID: example_key().public_b64()})
    me = DeviceIdentity(EXAMPLE_DEVICE, EXAMPLE_AREA)
    cmd = verify_command(
        by_name["play"].payload,
        keyring=keyring,
        identity=me,
        replay=ReplayGuard(),
        now=datetime(2026, 11, 23, 0, 10, tzinfo=UTC),
    )
    assert cmd.priority == "emergency" and cmd.parsed_body().title == "Cảnh báo lũ quét"  # type: ignore[union-attr]


@pytest.mark.broker
def test_the_documented_mosquitto_pub_commands_deliver_the_documented_bytes(fresh_broker_url: str) -> None:
    binary = shutil.which("mosquitto_pub")
    assert binary, "mosquitto_pub is missing (package mosquitto-clients; .ci/run installs it)"
    url = urlparse(fresh_broker_url)
    got: list[tuple[str, bytes]] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="doc-test")
    sub.on_message = lambda _c, _u, m: got.append((m.topic, m.payload))
    sub.connect(url.hostname or "127.0.0.1", url.port or 0)
    sub.subscribe("nguon/v1/#", qos=1)
    sub.loop_start()
    try:
        for command in COMMANDS:
            argv = shlex.split(command.replace("\\\n", " "))
            subprocess.run([binary, "-h", url.hostname or "", "-p", str(url.port), *argv[1:]], check=True, timeout=10)
        deadline = datetime.now().timestamp() + 5
        while len(got) < len(examples()):
            assert datetime.now().timestamp() < deadline, f"only got {[t for t, _ in got]}"
            time.sleep(0.05)
    finally:
        sub.loop_stop()
        sub.disconnect()
    assert sorted(got) == sorted((e.topic, e.payload.encode()) for e in examples())
