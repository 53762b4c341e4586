"""Presence: retained online with a growing session, Will on abrupt death, clear error on bad credentials."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from device_agent import Agent, ConnectRefused, MqttClient, Will, parse_broker_url
from protocols import DeviceChannel, SigningKey
from tests.conftest import broker_kind
from tests.device_agent.support import Watcher, agent_config, new_id
from tests.support.brokers import MosquittoProcess

pytestmark = pytest.mark.broker
KEY = SigningKey.generate("k1")


def _states(watcher: Watcher, device: str) -> list[dict[str, object]]:
    return [json.loads(p) for d, p, _ in watcher.states if d == device and p]


async def test_online_is_retained_and_session_grows_on_every_connection(broker_url: str, tmp_path: Path) -> None:
    device = new_id()
    cfg = agent_config(broker_url, KEY, device, state_dir=tmp_path / "state")
    agent = Agent(cfg)
    async with Watcher(broker_url) as w:
        agent.start()
        await agent.wait_connected()
        await w.wait_for(lambda: [s["online"] for s in _states(w, device)] == [True])
        first = agent.session
        await agent.kill("abort")  # abrupt: the Will (offline, first session), then online again with a new session
        await w.wait_for(lambda: [s["online"] for s in _states(w, device)] == [True, False])
        agent.revive()
        await w.wait_for(lambda: [s["online"] for s in _states(w, device)].count(True) == 2)
    online = [s for s in _states(w, device) if s["online"]]
    assert online[0]["session"] == first < online[1]["session"] == agent.session
    assert online[1]["kind"] == "speaker" and online[1]["firmware"]
    got: list[tuple[bytes, bool]] = []
    addr = parse_broker_url(broker_url)
    late = MqttClient(
        host=addr.host,
        port=addr.port,
        client_id=new_id("late"),
        on_message=lambda t, p, r: got.append((p, r)) if t == agent.topics[DeviceChannel.STATE] else None,
    )
    await late.connect()
    await late.subscribe([(agent.topics[DeviceChannel.STATE], 1)])  # a late subscriber gets the retained online
    for _ in range(100):
        if got:
            break
        await asyncio.sleep(0.02)
    await late.disconnect()
    payload, retain = got[0]  # (amqtt may hand a retained message over twice)
    assert retain and json.loads(payload)["session"] == agent.session and json.loads(payload)["online"]
    await agent.stop()
    assert Agent(cfg).state.next_session() > agent.session  # persisted: a restart keeps counting upward


async def test_will_is_delivered_offline_when_agent_aborts(broker_url: str) -> None:
    device = new_id()
    agent = Agent(agent_config(broker_url, KEY, device))
    async with Watcher(broker_url) as w:
        agent.start()
        await agent.wait_connected()
        session = agent.session
        await agent.kill("abort")
        await w.wait_for(lambda: {"online": False, "session": session} in _states(w, device))
    assert _states(w, device)[-1] == {"online": False, "session": session}


@pytest.mark.slow
async def test_frozen_client_is_only_noticed_by_keepalive(broker_url: str) -> None:
    """Half-open death: the broker sends the Will only when keepalive runs out (Mosquitto 2.0 checks every ~5 s)."""
    if broker_kind() == "amqtt":
        pytest.skip("amqtt does not close silent connections on keepalive expiry; Mosquitto does")
    device = new_id()
    agent = Agent(agent_config(broker_url, KEY, device, keepalive_s=1))
    async with Watcher(broker_url) as w:
        agent.start()
        await agent.wait_connected()
        await agent.kill("freeze")
        await asyncio.sleep(0.5)
        assert not any(s["online"] is False for s in _states(w, device))  # socket still open: nothing yet
        await w.wait_for(lambda: {"online": False, "session": agent.session} in _states(w, device), timeout=9)
    agent.revive()
    await agent.wait_connected()
    await agent.stop()


@pytest.mark.mosquitto
async def test_bad_credentials_raise_a_clear_error(tmp_path: Path) -> None:
    workdir = tmp_path / "mosq"
    workdir.mkdir()
    pwfile = workdir / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pwfile), "dev-x", "right"], check=True)
    # ``user root``: a root-started Mosquitto would otherwise drop to a user that cannot read the temp dir.
    broker = MosquittoProcess(
        allow_anonymous=False, workdir=workdir, extra_config=f"user root\npassword_file {pwfile}\n"
    )
    broker.start()
    try:
        addr = parse_broker_url(broker.url)
        client = MqttClient(host=addr.host, port=addr.port, client_id="dev-x", username="dev-x", password="nope",
                            will=Will("nguon/v1/dev/dev-x/state", b"{}", 1, True))  # fmt: skip
        with pytest.raises(ConnectRefused, match=r"bad user name or password|not authorized") as info:
            await client.connect()
        assert info.value.code in (4, 5)
        assert not client.connected
        good = MqttClient(host=addr.host, port=addr.port, client_id="dev-x", username="dev-x", password="right")
        await good.connect()
        assert good.connected
        await good.disconnect()
    finally:
        broker.stop()
