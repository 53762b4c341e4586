"""Device messages parse strictly where it matters and leniently where forward compatibility needs it."""

from __future__ import annotations

import json

import pytest

from protocols import (
    MAX_DEVICE_PAYLOAD,
    Ack,
    AckStatus,
    PayloadError,
    Priority,
    StateMessage,
    Target,
    Telemetry,
    parse_message,
    preempts,
)


def test_state_parses_and_ignores_unknown_fields() -> None:
    msg = parse_message(StateMessage, b'{"online": true, "session": 7, "future_field": {"x": 1}}')
    assert msg.online is True and msg.session == 7


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"online": "maybe", "session": 1}', "online"),
        (b'{"online": true, "session": -1}', "session"),
        (b'{"online": true}', "session"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_malformed_state_gets_a_readable_reason(raw: bytes, fragment: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_message(StateMessage, raw)
    assert fragment in str(info.value)


def test_oversized_payload_is_refused_before_parsing() -> None:
    raw = json.dumps({"online": True, "session": 1, "pad": "x" * MAX_DEVICE_PAYLOAD}).encode()
    with pytest.raises(PayloadError, match="limit"):
        parse_message(StateMessage, raw)


def test_timestamps_without_a_time_zone_are_refused() -> None:
    with pytest.raises(PayloadError, match="time zone"):
        parse_message(Telemetry, b'{"session": 1, "at": "2026-01-01T07:00:00"}')
    ok = parse_message(Telemetry, b'{"session": 1, "at": "2026-01-01T07:00:00+07:00"}')
    assert ok.at.utcoffset() is not None and ok.at.hour == 0


def test_ack_status_order_never_goes_backwards() -> None:
    assert AckStatus.RECEIVED.rank < AckStatus.DOWNLOADED.rank < AckStatus.STARTED.rank < AckStatus.DONE.rank
    assert AckStatus.DONE.terminal and AckStatus.REJECTED.terminal and not AckStatus.STARTED.terminal
    ack = parse_message(
        Ack, b'{"command_id": "c1", "status": "failed", "reason": "hash_mismatch", "at": "2026-01-01T00:00:00Z"}'
    )
    assert ack.status is AckStatus.FAILED


def test_target_names_exactly_one_kind() -> None:
    with pytest.raises(ValueError):
        Target()
    with pytest.raises(ValueError):
        Target(area=("64",), group="g1")
    t = Target(area=("64", "23561"))
    assert t.covers("d", ("64", "23561", "v1"), set())
    assert not t.covers("d", ("64", "23562"), set())
    assert not t.covers("d", ("64",), set())  # a province-level device is not in a commune target
    assert Target(devices=("a", "b")).covers("b", (), set())
    assert Target(group="flood").covers("x", ("64",), {"flood"})


def test_only_a_strictly_higher_priority_interrupts() -> None:
    assert preempts(Priority.EMERGENCY, Priority.NORMAL)
    assert preempts(Priority.PRIORITY, Priority.NORMAL)
    assert not preempts(Priority.NORMAL, Priority.NORMAL)
    assert not preempts(Priority.EMERGENCY, Priority.EMERGENCY)
    assert not preempts(Priority.NORMAL, Priority.EMERGENCY)
