"""The kit's own parts: the link proxy reads a real client's CONNECT and cuts it; the report's verdicts and JSON."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiomqtt
import pytest

from conformance.proxy import LinkProxy
from conformance.report import ClauseResult, Report, Verdict
from device_agent import parse_broker_url

pytestmark = pytest.mark.broker


@pytest.mark.parametrize("version", [aiomqtt.ProtocolVersion.V311, aiomqtt.ProtocolVersion.V5])
async def test_the_proxy_reads_the_connect_and_a_cut_fires_the_will(broker_url: str, version: object) -> None:
    addr = parse_broker_url(broker_url)
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
