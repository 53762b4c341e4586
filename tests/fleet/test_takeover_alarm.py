"""Session takeovers: a burst of new sessions that each replaced a live one is a security alarm, not flapping.

First the rules on a real database (a takeover fight too short to count as flapping still opens ``takeover``;
a flaky link opens ``flapping`` and not ``takeover``), then the real thing: a client holding a device's password
keeps logging in on a real Mosquitto with the production configuration while the reference agent fights back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from device_agent import Agent, MqttClient, parse_broker_url
from protocols import SigningKey, StateMessage, Telemetry, parse_device_topic, parse_message
from source_server.config import Settings
from source_server.db import utcnow
from source_server.events import EventHub
from source_server.fleet.alarms import AlarmBook
from source_server.fleet.models import Alarm
from source_server.fleet.presence import PresenceTracker
from source_server.mqtt import MqttClient as ServerMqtt
from source_server.web.fleet.alarm_format import detail_text
from tests.device_agent.support import agent_config
from tests.fleet.test_mosquitto_acl import C1, SERVER, SERVER_PW, V1, generate, secured_broker
from tests.fleet.test_presence_rules import seed, state, tracker

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _open(t: PresenceTracker, device_id: str) -> set[str]:
    return {kind for d, kind in t.alarms.open if d == device_id}


async def test_a_takeover_fight_opens_takeover_even_below_the_flapping_threshold(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings, takeover_threshold=3, takeover_window_s=600, takeover_gap_s=5)
    t.on_state(d, state(True, 1), T0, retained=False)
    at = T0 + timedelta(minutes=5)  # long after the server's own link came up (see the broker restart test)
    # Someone else logs in with the device's password: the broker publishes the Will of the live connection, the
    # device is back within its first backoff step (and kicks the intruder off), three times in a minute.
    for session in (1, 2, 3):
        at += timedelta(seconds=20)
        t.on_state(d, state(False, session), at, retained=False)
        t.on_state(d, state(True, session + 1), at + timedelta(seconds=0.7), retained=False)
        assert ("flapping" in _open(t, d)) is False  # what the server had before: 3 disconnects, no alarm at all
    assert _open(t, d) == {"takeover"}
    await t.flush()
    with db() as s:
        (alarm,) = s.scalars(select(Alarm).where(Alarm.device_id == d))
    assert (alarm.kind, alarm.cleared_at, alarm.detail) == ("takeover", None, "3 session takeovers within 600 s")
    assert detail_text("takeover", alarm.detail, "en").startswith("3 live connections replaced within 10 min")
    assert detail_text("takeover", alarm.detail, "vi").startswith("3 lần phiên kết nối đang hoạt động bị thay thế")

    # It survives a restart (open one more window), then clears once the window holds fewer takeovers.
    t2, _ = await tracker(db, settings, takeover_threshold=3, takeover_window_s=600, takeover_gap_s=5)
    t2.sweep(at + timedelta(seconds=30))
    assert "takeover" in _open(t2, d)
    t2.on_state(d, state(True, 4), at + timedelta(seconds=60), retained=False)  # kept alive by its own heartbeats
    t2.sweep(at + timedelta(seconds=650))
    assert "takeover" not in _open(t2, d)
    await t2.flush()
    with db() as s:
        (alarm,) = s.scalars(select(Alarm).where(Alarm.device_id == d))
    assert alarm.cleared_at == at + timedelta(seconds=650)


async def test_new_sessions_without_any_will_count_and_a_flaky_link_does_not(db, settings) -> None:
    fight, flaky = seed(db, 2)
    t, _ = await tracker(
        db, settings, takeover_threshold=3, takeover_gap_s=5, flapping_threshold=3, offline_alarm_after_s=10_000
    )
    # Sessions replacing each other with no Will seen at all (state or heartbeat of a newer session).
    t0 = T0 + timedelta(minutes=5)
    t.on_state(fight, state(True, 1), t0, retained=False)
    t.on_state(fight, state(True, 2), t0 + timedelta(seconds=5), retained=False)
    t.on_telemetry(fight, Telemetry(session=3, at=t0), t0 + timedelta(seconds=10))
    assert "takeover" not in _open(t, fight)
    t.on_state(fight, state(True, 4), t0 + timedelta(seconds=15), retained=True)  # retained: old news, not counted
    assert "takeover" not in _open(t, fight)
    t.on_state(fight, state(True, 5), t0 + timedelta(seconds=20), retained=False)
    assert "takeover" in _open(t, fight)

    # A flaky link: the Will comes after the keepalive, the device is back half a minute later. Flapping only.
    at = t0
    t.on_state(flaky, state(True, 1), at, retained=False)
    for session in range(1, 6):
        at += timedelta(seconds=60)
        t.on_state(flaky, state(False, session), at, retained=False)
        t.on_state(flaky, state(True, session + 1), at + timedelta(seconds=30), retained=False)
    assert _open(t, flaky) == {"flapping"}


async def test_broker_restarts_are_not_takeovers(db, settings) -> None:
    devices = seed(db, 3)
    t, _ = await tracker(db, settings, takeover_threshold=3, flapping_threshold=10)
    at = T0 + timedelta(minutes=5)
    for d in devices:
        t.on_state(d, state(True, 1), at, retained=False)
    # The failure: every device comes back with a new session after a broker restart (its Wills were discarded
    # with our link), which looks like a takeover; three restarts would raise the alarm on the whole fleet.
    naive = AlarmBook(window_s=600, threshold=10, offline_after_s=600, sink=lambda *_: None, takeover_threshold=3)
    for restart in range(3):
        for d in devices:
            naive.note_session(d, at + timedelta(minutes=restart, seconds=10), status="online", since=at)
    assert {kind for _, kind in naive.open} == {"takeover"} and len(naive.open) == 3

    # With the server's link noted: each device's first new session after the link came back is its reconnect.
    for restart in range(3):
        down = at + timedelta(minutes=restart + 1)
        t.on_broker_connection(False, down)
        t.on_broker_connection(True, down + timedelta(seconds=5))
        for d in devices:
            t.on_state(d, state(True, restart + 2), down + timedelta(seconds=5 + restart * 7), retained=False)
    assert not any(kind == "takeover" for _, kind in t.alarms.open)
    # ... but a fight right after a restart still counts from its second takeover on.
    d = devices[0]
    for session in (10, 11, 12):
        t.on_state(d, state(True, session), at + timedelta(minutes=4, seconds=session), retained=False)
    assert "takeover" in _open(t, d)


@pytest.fixture
def files() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="nguon-takeover-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.mosquitto
async def test_a_stolen_password_fighting_the_real_device_raises_takeover_on_real_mosquitto(
    db: sessionmaker[Session], settings: Settings, files: Path
) -> None:
    passwords = generate(db, files)  # devices a1 (commune C1, village V1, group g1) and b1, server user
    broker = secured_broker(files)  # the production lines: client id = username
    broker.start()
    cfg = settings.model_copy(update={"takeover_threshold": 3, "flapping_threshold": 5})
    t = PresenceTracker(sessions=db, settings=cfg, hub=EventHub())

    def ingest(topic: str, payload: bytes, retained: bool) -> None:
        dt = parse_device_topic(topic)
        if dt.channel.value == "state":
            t.on_state(dt.device_id, parse_message(StateMessage, payload), utcnow(), retained=retained)

    server = ServerMqtt(
        url=broker.url, username=SERVER, password=SERVER_PW, handler=ingest,
        on_connection=lambda up: t.on_broker_connection(up, utcnow()),
    )  # fmt: skip
    key = SigningKey.generate("k1")
    base = agent_config(broker.url, key, "a1", area_path=("64", C1, V1), groups=("g1",), backoff_base_s=0.2,
                        backoff_cap_s=0.4)  # fmt: skip
    agent = Agent(dataclasses.replace(base, password=passwords["a1"]))
    await t.start()
    await server.start()
    try:
        assert await server.wait_connected(5)
        agent.start()
        await agent.wait_connected()
        await _until(lambda: (s := t.snapshot("a1")) is not None and s.status == "online")
        addr = parse_broker_url(broker.url)
        for round_ in range(4):  # the first right after our link came up counts as a reconnect
            before = agent.connections
            intruder = MqttClient(host=addr.host, port=addr.port, client_id=f"not-a1-{round_}", username="a1",
                                  password=passwords["a1"])  # fmt: skip
            await intruder.connect()  # becomes client "a1": the agent's connection is taken over
            await _until(lambda b=before: agent.connections > b)  # ... and the agent takes it back
            await intruder.wait_closed()
        await _until(lambda: ("a1", "takeover") in t.alarms.open)
        assert ("a1", "flapping") not in t.alarms.open
        assert ("b1", "takeover") not in t.alarms.open
    finally:
        await agent.stop()
        await server.stop()
        await t.stop()
        broker.stop()


async def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()
