"""R6: a session number beyond Unix time in ms + 1 day is refused, so a forged state cannot lock a device out.

On a broker that enforces no ACL (amqtt, or the tests' anonymous Mosquitto) anyone may publish on a device's
state topic; the session rule alone would then trust the highest session it ever saw.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import aiomqtt
import pytest

from protocols import StateMessage, Telemetry, device_topic, dump
from source_server.db import session_scope, utcnow
from source_server.fleet.models import Area, Device
from source_server.fleet.session_guard import REASON, SessionGuard, session_limit
from source_server.metrics import MQTT_REJECTED
from source_server.mqtt import parse_broker_url
from tests.fleet.test_presence_mqtt import device, eventually, server

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def seed(db, n: int) -> list[str]:
    ids = [f"s{uuid.uuid4().hex[:10]}" for _ in range(n)]
    with session_scope(db) as s:
        s.add(Area(code="p", name="Tỉnh", level="province"))
        s.flush()
        s.add(Area(code="c1", name="Xã", level="commune", parent_code="p"))
        s.flush()
        s.add_all(Device(id=d, kind="speaker", province_code="p", commune_code="c1") for d in ids)
    return ids


def rejected() -> float:
    return MQTT_REJECTED.labels(REASON)._value.get()


def test_the_limit_is_unix_ms_plus_a_day_and_the_log_is_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    limit = session_limit(T0)
    assert limit == int(T0.timestamp() * 1000) + 86_400_000
    guard, before = SessionGuard(), rejected()
    assert guard.admits("d1", limit, T0, channel="state")
    with caplog.at_level(logging.WARNING, logger="source_server.fleet.session_guard"):
        for i in range(5):  # five forgeries within a minute: five counted, one logged
            assert not guard.admits("d1", limit + 10**9, T0 + timedelta(seconds=10 * i), channel="state")
        assert not guard.admits("d2", 2**62, T0, channel="telemetry")  # another device has its own line
        assert not guard.admits("d1", limit + 10**9, T0 + timedelta(seconds=60), channel="state")
    assert rejected() - before == 7
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "ignored state of d1",
        "ignored telemetry of d2",
        "ignored state of d1",
    ]


@pytest.mark.broker
async def test_a_forged_huge_session_no_longer_locks_the_real_device_out(db, settings, broker_url) -> None:
    host, port, _ = parse_broker_url(broker_url)
    real = int(time.time() * 1000)  # what the reference agent uses: its connect time in ms

    # The failure the rule guards against: a forged session above the real one (here one that is still
    # plausible, an hour ahead) makes every honest session look old; the device cannot come back online.
    victim, did = seed(db, 2)
    async with server(db, settings, broker_url) as tracker, device(broker_url, victim, real):
        await eventually(lambda: tracker.snapshot(victim).status == "online")
        async with aiomqtt.Client(host, port) as forger:
            ahead = real + 3_600_000
            await forger.publish(
                device_topic(victim, "state"), dump(StateMessage(online=False, session=ahead)), 1, True
            )
            await eventually(lambda: tracker.snapshot(victim).status == "offline")
        async with device(broker_url, victim, real + 1):
            await asyncio.sleep(0.5)
            assert tracker.snapshot(victim).status == "offline"  # locked out of its own presence

    # The fix: a session beyond Unix ms + 1 day is refused (counted, logged, ignored), live or retained.
    before = rejected()
    async with server(db, settings, broker_url) as tracker, device(broker_url, did, real):
        await eventually(lambda: tracker.snapshot(did).status == "online")
        async with aiomqtt.Client(host, port) as forger:
            huge = 10**15  # year 33658
            await forger.publish(device_topic(did, "state"), dump(StateMessage(online=False, session=huge)), 1, True)
            await forger.publish(device_topic(did, "telemetry"), dump(Telemetry(session=huge, at=utcnow())), 1)
            await eventually(lambda: rejected() - before >= 2)
        assert (tracker.snapshot(did).status, tracker.snapshot(did).session) == ("online", real)
    async with server(db, settings, broker_url) as tracker:  # the forged retained state is refused on restart too
        await eventually(lambda: rejected() - before >= 3)
        async with device(broker_url, did, real + 1):
            await eventually(lambda: tracker.snapshot(did).session == real + 1)
            assert tracker.snapshot(did).status == "online"
    async with aiomqtt.Client(host, port) as other:
        for d in (victim, did):
            await other.publish(device_topic(d, "state"), b"", 1, True)
