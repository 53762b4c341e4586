"""Presence rules on a real database: each test first shows the failure the rule guards against."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.db import session_scope
from source_server.fleet.models import Alarm, Device, DeviceEvent, Presence
from source_server.metrics import DEVICES, MQTT_REJECTED
from tests.support.presence import T0, Fences, seed, state, tele, tracker


def db_status(db: sessionmaker[Session], device_id: str) -> str | None:
    with db() as s:
        row = s.get(Presence, device_id)
        return row.status if row else None


def events(db: sessionmaker[Session], device_id: str) -> list[str]:
    with db() as s:
        q = select(DeviceEvent.kind).where(DeviceEvent.device_id == device_id).order_by(DeviceEvent.id)
        return list(s.scalars(q))


async def test_late_will_of_an_old_session_keeps_a_reconnected_device_online(db, settings) -> None:
    (d,) = seed(db, 1)
    arrivals = [state(True, 1), state(True, 2), state(False, 1)]  # old connection's Will lands last
    naive = arrivals[-1].online  # "last message wins" would show the device offline
    assert naive is False

    t, _ = await tracker(db, settings)
    rejected = MQTT_REJECTED.labels("stale_session")._value.get()
    for i, msg in enumerate(arrivals):
        t.on_state(d, msg, T0 + timedelta(seconds=i), retained=False)
    await t.flush()
    view = t.snapshot(d)
    assert view is not None and (view.status, view.session) == ("online", 2)
    assert db_status(db, d) == "online"
    assert MQTT_REJECTED.labels("stale_session")._value.get() == rejected + 1
    assert events(db, d) == ["connected", "connected"]


async def test_will_of_the_current_session_marks_offline(db, settings) -> None:
    (d,) = seed(db, 1)
    t, hub = await tracker(db, settings)
    async with hub.subscribe() as q:
        t.on_state(d, state(True, 5), T0, retained=False)
        t.on_state(d, state(False, 5), T0 + timedelta(seconds=1), retained=False)  # its Will; the fence is back
        first, second = q.get_nowait(), q.get_nowait()
    assert first["status"] == "online" and first["previous"] == "never_seen"
    assert second == {
        "type": "presence",
        "device_id": d,
        "status": "offline",
        "previous": "online",
        "at": (T0 + timedelta(seconds=1)).isoformat(),
        "commune_code": "c1",
        "province_code": "p",
        "kind": "speaker",
        "event": "disconnected",
        "session": 5,
    }
    await t.flush()
    assert db_status(db, d) == "offline"
    assert events(db, d) == ["connected", "disconnected"]


async def test_silence_makes_stale_and_any_message_brings_it_back(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings, inactivity_timeout_s=90)
    came: list[str] = []
    t.add_online_listener(came.append)
    t.on_state(d, state(True, 1), T0, retained=False)
    t.sweep(T0 + timedelta(seconds=89))
    assert t.snapshot(d).status == "online"  # type: ignore[union-attr]
    t.sweep(T0 + timedelta(seconds=91))  # broker still holds the retained "online": only silence tells
    assert t.snapshot(d).status == "stale"  # type: ignore[union-attr]
    t.on_telemetry(d, tele(1), T0 + timedelta(seconds=100))
    assert t.snapshot(d).status == "online"  # type: ignore[union-attr]
    assert came == [d, d]
    await t.flush()
    assert events(db, d) == ["connected", "went_stale", "came_back"]
    with db() as s:
        assert s.get(Presence, d).last_seen == T0 + timedelta(seconds=100)  # type: ignore[union-attr]


async def test_ack_activity_also_brings_a_stale_device_back(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings, inactivity_timeout_s=10)
    t.on_state(d, state(True, 1), T0, retained=False)
    t.sweep(T0 + timedelta(seconds=11))
    t.on_activity(d, T0 + timedelta(seconds=12))
    assert t.snapshot(d).status == "online"  # type: ignore[union-attr]


async def test_server_disconnect_does_not_make_devices_stale(db, settings) -> None:
    ids = seed(db, 3)
    t, _ = await tracker(db, settings, inactivity_timeout_s=30)
    for d in ids:
        t.on_state(d, state(True, 1), T0, retained=False)
    fences = Fences(t, echo=False)
    # Without the rule: our own 60 s outage looks like 60 s of silence from everyone.
    t.on_broker_connection(False, T0 + timedelta(seconds=5))
    t.sweep(T0 + timedelta(seconds=65))
    assert {t.snapshot(d).status for d in ids} == {"online"}  # type: ignore[union-attr]
    t.on_broker_connection(True, T0 + timedelta(seconds=65))
    for d in ids:  # the broker re-sends their retained states on SUBSCRIBE, before our barrier fence
        t.on_state(d, state(True, 1), T0 + timedelta(seconds=65), retained=True)
    fences.release(T0 + timedelta(seconds=65))
    t.sweep(T0 + timedelta(seconds=94))  # fresh full window after reconnect
    assert {t.snapshot(d).status for d in ids} == {"online"}  # type: ignore[union-attr]
    t.on_telemetry(ids[0], tele(1), T0 + timedelta(seconds=90))
    t.sweep(T0 + timedelta(seconds=96))  # the others stayed silent a whole window after we came back
    assert [t.snapshot(d).status for d in ids] == ["online", "stale", "stale"]  # type: ignore[union-attr]


async def test_telemetry_with_a_newer_session_means_we_missed_the_online(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings)
    t.on_state(d, state(False, 3), T0, retained=False)
    assert t.snapshot(d).status == "offline"  # type: ignore[union-attr]
    t.on_telemetry(d, tele(3), T0 + timedelta(seconds=1))  # same session the Will closed: not a resurrection
    assert t.snapshot(d).status == "offline"  # type: ignore[union-attr]
    t.on_telemetry(d, tele(4), T0 + timedelta(seconds=2))
    view = t.snapshot(d)
    assert view is not None and (view.status, view.session) == ("online", 4)


async def test_restart_rebuilds_from_the_table_then_retained_messages_correct_it(db, settings) -> None:
    a, b, c = seed(db, 3)
    t, _ = await tracker(db, settings)
    for d in (a, b, c):
        t.on_state(d, state(True, 7), T0, retained=False)
    t.on_state(c, state(False, 7), T0, retained=False)
    await t.flush()

    t2, _ = await tracker(db, settings)  # a new process: memory comes from the table
    assert [t2.snapshot(d).status for d in (a, b, c)] == ["online", "online", "offline"]  # type: ignore[union-attr]
    assert t2.snapshot(a).session == 7  # type: ignore[union-attr]
    t2.on_state(a, state(True, 7), T0 + timedelta(minutes=5), retained=True)  # confirms: no new event
    t2.on_state(b, state(False, 7), T0 + timedelta(minutes=5), retained=True)  # went away while we were down
    t2.on_state(c, state(False, 6), T0 + timedelta(minutes=5), retained=True)  # older: ignored
    await t2.flush()
    # b may be backing off to reconnect: offline only once its reconnect window ran out (rule 4)
    assert [db_status(db, d) for d in (a, b, c)] == ["online", "reconnecting", "offline"]
    t2.settle(T0 + timedelta(minutes=5, seconds=settings.reconnect_window_s))
    await t2.flush()
    assert [db_status(db, d) for d in (a, b, c)] == ["online", "offline", "offline"]
    assert events(db, a) == ["connected"]
    assert events(db, b) == ["connected", "reconnecting", "disconnected"]


async def test_unknown_and_deleted_devices_are_ignored(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings)
    assert t.knows(d) and not t.knows("ghost")
    t.on_state("ghost", state(True, 1), T0, retained=False)
    assert t.snapshot("ghost") is None
    with session_scope(db) as s:
        s.add(Device(id="newcomer", kind="eboard", province_code="p", commune_code="c1"))
    await t.refresh_devices()
    assert t.knows("newcomer") and t.snapshot("newcomer").status == "never_seen"  # type: ignore[union-attr]
    t.on_state(d, state(True, 1), T0, retained=False)  # buffered, then the device is deleted
    with session_scope(db) as s:
        s.execute(delete(Device).where(Device.id == d))
    await t.refresh_devices()
    assert not t.knows(d)
    await t.flush()
    with db() as s:
        assert s.get(Presence, d) is None


async def test_flapping_alarm_opens_and_clears(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(
        db,
        settings,
        flapping_threshold=3,
        flapping_window_s=600,
        offline_alarm_after_s=10_000,
        inactivity_timeout_s=10_000,
    )
    for i in range(4):
        at = T0 + timedelta(seconds=10 * i)
        t.on_state(d, state(True, i + 1), at, retained=False)
        with_alarm = i == 3
        t.on_state(d, state(False, i + 1), at + timedelta(seconds=1), retained=False)
        assert ((d, "flapping") in t.alarms.open) is with_alarm
    t.on_state(d, state(True, 9), T0 + timedelta(seconds=60), retained=False)
    await t.flush()
    with db() as s:
        (alarm,) = s.scalars(select(Alarm).where(Alarm.device_id == d))
        assert (alarm.kind, alarm.cleared_at) == ("flapping", None)
    t.sweep(T0 + timedelta(seconds=300))  # still 4 disconnects in the window: stays open
    assert (d, "flapping") in t.alarms.open
    t.on_telemetry(d, tele(9), T0 + timedelta(seconds=620))
    t.sweep(T0 + timedelta(seconds=625))  # the first disconnect left the window
    await t.flush()
    with db() as s:
        (alarm,) = s.scalars(select(Alarm).where(Alarm.device_id == d))
        assert alarm.cleared_at == T0 + timedelta(seconds=625)


async def test_offline_alarm_opens_after_the_delay_and_clears_on_return(db, settings) -> None:
    (d,) = seed(db, 1)
    t, _ = await tracker(db, settings, offline_alarm_after_s=600)
    t.on_state(d, state(True, 1), T0, retained=False)
    t.on_state(d, state(False, 1), T0 + timedelta(seconds=1), retained=False)
    t.sweep(T0 + timedelta(seconds=600))
    assert (d, "offline") not in t.alarms.open
    t.sweep(T0 + timedelta(seconds=602))
    assert (d, "offline") in t.alarms.open
    await t.flush()
    t2, _ = await tracker(db, settings, offline_alarm_after_s=600)  # survives a restart, not duplicated
    t2.sweep(T0 + timedelta(seconds=700))
    t2.on_state(d, state(True, 2), T0 + timedelta(seconds=800), retained=False)
    await t2.flush()
    with db() as s:
        (alarm,) = s.scalars(select(Alarm).where(Alarm.device_id == d))
        assert (alarm.kind, alarm.cleared_at) == ("offline", T0 + timedelta(seconds=800))


async def test_devices_gauge_follows_statuses(db, settings) -> None:
    ids = seed(db, 4, communes=("c7", "c8"))
    t, _ = await tracker(db, settings)
    await t.flush()
    assert DEVICES.labels("never_seen", "speaker", "c7")._value.get() == 2
    t.on_state(ids[0], state(True, 1), T0, retained=False)
    await t.flush()
    assert DEVICES.labels("never_seen", "speaker", "c7")._value.get() == 1
    assert DEVICES.labels("online", "speaker", "c7")._value.get() == 1
