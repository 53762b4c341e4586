"""Uptime per local (Asia/Ho_Chi_Minh) day from the connectivity history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from source_server.db import session_scope
from source_server.fleet.models import DeviceEvent
from source_server.fleet.uptime import LOCAL_TZ, local_today, uptime


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


DAY = date(2026, 3, 10)


def add_events(db, *events: tuple[str, datetime]) -> None:
    with session_scope(db) as s:
        s.add_all(DeviceEvent(device_id="u1", kind=k, at=at, commune_code="c1") for k, at in events)


def test_six_hours_offline_in_a_day_is_75_percent(db) -> None:
    add_events(
        db,
        ("connected", local(DAY - timedelta(days=1), 20)),
        ("disconnected", local(DAY, 10)),
        ("connected", local(DAY, 16)),
    )
    result = uptime(db(), device_id="u1", days=3, today=DAY + timedelta(days=1), now=local(DAY + timedelta(days=2), 0))
    assert result == [
        (DAY - timedelta(days=1), pytest.approx(4 / 24, abs=1e-6)),
        (DAY, 0.75),
        (DAY + timedelta(days=1), 1.0),
    ]


def test_local_days_not_utc_days(db) -> None:
    # 23:00-01:00 UTC+7 is 16:00-18:00 UTC: in UTC days the outage would sit inside one day, here it straddles two.
    add_events(
        db,
        ("connected", local(DAY - timedelta(days=1), 0)),
        ("went_stale", local(DAY - timedelta(days=1), 23)),
        ("came_back", local(DAY, 1)),
    )
    result = uptime(db(), device_id="u1", days=2, today=DAY, now=local(DAY + timedelta(days=1), 0))
    assert [f for _, f in result] == [pytest.approx(23 / 24), pytest.approx(23 / 24)]


def test_today_counts_only_its_elapsed_part_and_never_seen_is_zero(db) -> None:
    add_events(db, ("connected", local(DAY, 6)))
    result = uptime(db(), device_id="u1", days=2, today=DAY, now=local(DAY, 12))
    assert result == [(DAY - timedelta(days=1), 0.0), (DAY, 0.5)]
    assert local_today(local(DAY, 0, 30)) == DAY


def test_bad_day_count_is_refused(db) -> None:
    with pytest.raises(ValueError, match="days must be between"):
        uptime(db(), device_id="u1", days=0, today=DAY)


def test_a_reconnect_window_counts_down_only_for_a_device_that_stayed_away(db) -> None:
    # The broker restarted at 12:00: u1 reconnected at 12:01, u2 never did (disconnected, dated when its window began).
    with session_scope(db) as s:
        for device_id, kinds in {
            "u1": [("connected", local(DAY, 0)), ("reconnecting", local(DAY, 12)), ("connected", local(DAY, 12, 1))],
            "u2": [("connected", local(DAY, 0)), ("reconnecting", local(DAY, 12)), ("disconnected", local(DAY, 12))],
        }.items():
            s.add_all(DeviceEvent(device_id=device_id, kind=k, at=at, commune_code="c1") for k, at in kinds)
    end = local(DAY + timedelta(days=1), 0)
    assert uptime(db(), device_id="u1", days=1, today=DAY, now=end) == [(DAY, 1.0)]
    assert uptime(db(), device_id="u2", days=1, today=DAY, now=end) == [(DAY, 0.5)]
