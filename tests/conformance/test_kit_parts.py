"""The kit's own parts: the link proxy (CONNECT, cut, stall), the report, a device that never comes, the command."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from conformance import Options, run_conformance
from conformance.proxy import LinkProxy
from conformance.report import ClauseResult, Report, Verdict
from device_agent import parse_broker_url
from tests.support.brokers import MosquittoProcess, running

pytestmark = pytest.mark.mosquitto


@pytest.fixture(scope="module")
def mosquitto_url() -> Iterator[str]:
    """A private anonymous Mosquitto: the kit's proxy is about Mosquitto's behaviour (MQTT 5, Wills), as the kit's is."""
    with running(MosquittoProcess()) as url:
        yield url


@pytest.mark.parametrize("version", [aiomqtt.ProtocolVersion.V311, aiomqtt.ProtocolVersion.V5])
async def test_the_proxy_reads_the_connect_and_a_cut_fires_the_will(mosquitto_url: str, version: object) -> None:
    addr = parse_broker_url(mosquitto_url)
    proxy = LinkProxy(addr.host, addr.port)
    port = await proxy.start()
    will = aiomqtt.Will("nguon/v1/dev/proxy-t/state", b'{"online":false,"session":5}', qos=1, retain=True)
    try:
        async with aiomqtt.Client(addr.host, addr.port, identifier="proxy-watch") as watch:
            await watch.subscribe("nguon/v1/dev/proxy-t/state", qos=1)
            device = aiomqtt.Client(
                "127.0.0.1", port, identifier="proxy-t", username="proxy-t", password="pw", will=will,
                keepalive=30, protocol=version,  # type: ignore[arg-type]
            )  # fmt: skip
            await device.__aenter__()
            link = proxy.live
            assert link is not None and link.connect is not None
            c = link.connect
            assert (c.client_id, c.username, c.has_password, c.keepalive_s) == ("proxy-t", "proxy-t", True, 30)
            assert (c.will_topic, c.will_payload, c.will_qos, c.will_retain) == (
                "nguon/v1/dev/proxy-t/state", b'{"online":false,"session":5}', 1, True,
            )  # fmt: skip
            assert c.protocol_level == (5 if version == aiomqtt.ProtocolVersion.V5 else 4)
            assert proxy.cut(hold=True) == 1
            async with asyncio.timeout(5):
                msg = await anext(aiomqtt_messages(watch))
            assert msg == b'{"online":false,"session":5}'
            with contextlib.suppress(aiomqtt.MqttError):
                await device.__aexit__(None, None, None)
    finally:
        await proxy.close()


async def aiomqtt_messages(client: aiomqtt.Client):  # type: ignore[no-untyped-def]
    async for m in client.messages:
        yield bytes(m.payload)  # type: ignore[arg-type]


async def collect(client: aiomqtt.Client, into: list[bytes]) -> None:
    async for m in client.messages:
        into.append(bytes(m.payload))  # type: ignore[arg-type]


def test_a_single_failure_makes_the_report_not_ok_and_the_json_says_why() -> None:
    report = Report(device_id="d1")
    report.add(ClauseResult("a", "first", "§1").passed("fine"))
    report.add(ClauseResult("b", "second", "§4.3").failed("acted on a bad signature"))
    report.add(ClauseResult("c", "third", "§3.4").skipped("run too short"))
    assert not report.ok
    data = json.loads(report.to_json())
    assert data["summary"] == {"PASS": 1, "FAIL": 1, "SKIP": 1}
    assert data["clauses"][1]["verdict"] == Verdict.FAIL
    assert "FAIL: acted on a bad signature" in data["clauses"][1]["evidence"]
    assert "NOT CONFORMANT" in report.to_text()
    assert ClauseResult("x", "", "").failed("no").passed().verdict is Verdict.FAIL


async def test_a_stalled_link_holds_bytes_until_it_is_restored(mosquitto_url: str) -> None:
    addr = parse_broker_url(mosquitto_url)
    proxy = LinkProxy(addr.host, addr.port)
    port = await proxy.start()
    try:
        async with (
            aiomqtt.Client(addr.host, addr.port, identifier="stall-watch") as watch,
            aiomqtt.Client("127.0.0.1", port, identifier="stall-dev") as device,
        ):
            await watch.subscribe("nguon/v1/dev/stall-dev/telemetry")
            got: list[bytes] = []
            reader = asyncio.create_task(collect(watch, got))
            proxy.stall()
            await device.publish("nguon/v1/dev/stall-dev/telemetry", b"held", qos=0)
            await asyncio.sleep(0.5)
            assert got == []
            proxy.restore()
            async with asyncio.timeout(5):
                while not got:
                    await asyncio.sleep(0.02)
            assert got == [b"held"]
            reader.cancel()
    finally:
        await proxy.close()


async def test_a_device_that_never_connects_fails_the_first_clause_and_the_run(tmp_path: Path) -> None:
    report = await run_conformance(Options(workdir=tmp_path, connect_timeout_s=1.0))
    assert [(c.id, c.verdict) for c in report.clauses] == [("connect.identity", Verdict.FAIL)]
    assert not report.ok
    provisioning = json.loads((tmp_path / "provisioning.json").read_text())
    assert provisioning["device_id"] == report.device_id
    assert provisioning["broker_url"].startswith("mqtt://127.0.0.1:")
    assert provisioning["topics"]["subscribe"][0] == f"nguon/v1/dev/{report.device_id}/cmd"
    assert len(provisioning["topics"]["subscribe"]) == 5  # own, province, commune, village, group


def test_nguon_has_the_conformance_command() -> None:
    from typer.testing import CliRunner

    from source_server import cli

    cli._register_subapps()
    result = CliRunner().invoke(cli.app, ["conformance", "--help"])
    assert result.exit_code == 0, result.output
    assert "--device-cmd" in result.output and "{provisioning}" in result.output


def test_device_command_placeholders_are_filled_and_shell_quoted(tmp_path: Path) -> None:
    from conformance.provision import new_provisioning

    prov, key = new_provisioning(broker_url="mqtt://127.0.0.1:1884", state_dir=tmp_path, password="p w;$x")
    path = prov.write(tmp_path / "provisioning.json")
    line = prov.device_command(
        "dev --id {device_id} --pw {password} --key {server_key} --json '{}' {provisioning}", path
    )
    assert line == (f"dev --id {prov.device_id} --pw 'p w;$x' --key {key.kid}={key.public_b64()} --json '{{}}' {path}")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert prov.area_path[0] == "99" and len(prov.area_path) == 3 and prov.groups


def test_the_kit_needs_neither_the_server_nor_the_agent() -> None:
    code = (
        "import sys, conformance, conformance.cli; "
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'source_server', 'device_agent', 'simulators'}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
