"""Command verification: each rule first shows the attack it stops, then the honest path passing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from protocols import (
    CommandEnvelope,
    CommandPayload,
    CommandRejected,
    DeviceIdentity,
    Keyring,
    RejectReason,
    ReplayGuard,
    SigningKey,
    Target,
    open_envelope,
    sign_command,
    verify_command,
)
from protocols.signing import b64url, unb64url

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ME = DeviceIdentity("spk-1", ("64", "23561", "2356101"), frozenset({"flood"}))


def payload(**over: object) -> CommandPayload:
    base: dict[str, object] = {
        "id": "cmd-1",
        "type": "set_volume",
        "iat": NOW,
        "exp": NOW + timedelta(hours=1),
        "target": Target(area=("64", "23561")),
        "body": {"volume": 70},
    }
    base.update(over)
    return CommandPayload.model_validate(base)


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate("k1")


@pytest.fixture
def keyring(key: SigningKey) -> Keyring:
    return Keyring({"k1": key.public_b64()})


def verify(raw: str, keyring: Keyring, replay: ReplayGuard | None = None, now: datetime = NOW) -> CommandPayload:
    return verify_command(raw, keyring=keyring, identity=ME, replay=replay or ReplayGuard(), now=now)


def rejected(raw: str, keyring: Keyring, replay: ReplayGuard | None = None, now: datetime = NOW) -> RejectReason:
    with pytest.raises(CommandRejected) as info:
        verify(raw, keyring, replay, now)
    return info.value.reason


def test_an_honest_command_verifies(key: SigningKey, keyring: Keyring) -> None:
    raw = sign_command(payload(), key).model_dump_json()
    assert verify(raw, keyring).parsed_body().volume == 70  # type: ignore[union-attr]


def test_a_tampered_payload_is_refused(key: SigningKey, keyring: Keyring) -> None:
    env = sign_command(payload(), key)
    body = json.loads(unb64url(env.payload))
    body["body"]["volume"] = 100
    forged = env.model_copy(update={"payload": b64url(json.dumps(body).encode())})
    assert rejected(forged.model_dump_json(), keyring) is RejectReason.BAD_SIGNATURE


def test_a_key_the_device_does_not_trust_is_refused(keyring: Keyring) -> None:
    attacker = SigningKey.generate("k1")  # same kid, other key: a broker compromise cannot forge
    assert rejected(sign_command(payload(), attacker).model_dump_json(), keyring) is RejectReason.BAD_SIGNATURE
    stranger = SigningKey.generate("k9")
    assert rejected(sign_command(payload(), stranger).model_dump_json(), keyring) is RejectReason.UNKNOWN_KEY


def test_a_replayed_command_is_refused_the_second_time(key: SigningKey, keyring: Keyring) -> None:
    raw = sign_command(payload(), key).model_dump_json()
    guard = ReplayGuard()
    verify(raw, keyring, guard)  # first time: accepted (without the guard it would be accepted again)
    assert verify(raw, keyring, ReplayGuard()).id == "cmd-1"
    assert rejected(raw, keyring, guard) is RejectReason.REPLAY


def test_expired_not_yet_valid_and_overlong_commands_are_refused(key: SigningKey, keyring: Keyring) -> None:
    raw = sign_command(payload(), key).model_dump_json()
    assert rejected(raw, keyring, now=NOW + timedelta(hours=2)) is RejectReason.EXPIRED
    assert rejected(raw, keyring, now=NOW - timedelta(hours=1)) is RejectReason.NOT_YET_VALID
    assert verify(raw, keyring, now=NOW - timedelta(seconds=60)).id == "cmd-1"  # small clock skew tolerated
    long = sign_command(payload(exp=NOW + timedelta(days=30)), key).model_dump_json()
    assert rejected(long, keyring) is RejectReason.LIFETIME_TOO_LONG


def test_a_command_for_another_commune_is_refused_even_if_delivered(key: SigningKey, keyring: Keyring) -> None:
    raw = sign_command(payload(target=Target(area=("64", "99999"))), key).model_dump_json()
    assert rejected(raw, keyring) is RejectReason.NOT_FOR_ME
    assert verify(sign_command(payload(target=Target(group="flood")), key).model_dump_json(), keyring)


def test_unknown_type_and_bad_body_are_refused_by_name(key: SigningKey, keyring: Keyring) -> None:
    raw = sign_command(payload(type="self_destruct", body={}), key).model_dump_json()
    assert rejected(raw, keyring) is RejectReason.UNSUPPORTED_TYPE
    raw = sign_command(payload(id="cmd-2", body={"volume": 400}), key).model_dump_json()
    assert rejected(raw, keyring) is RejectReason.MALFORMED


@pytest.mark.parametrize("raw", ["", "{}", "[]", '{"kid":"k1","payload":"!!","sig":"!!"}', "x" * 70_000])
def test_garbage_envelopes_are_malformed(raw: str, keyring: Keyring) -> None:
    with pytest.raises(CommandRejected) as info:
        open_envelope(raw, keyring)
    assert info.value.reason is RejectReason.MALFORMED


def test_unsupported_version_is_refused(key: SigningKey, keyring: Keyring) -> None:
    raw = sign_command(payload(v=2), key).model_dump_json()
    assert rejected(raw, keyring) is RejectReason.UNSUPPORTED_VERSION


def test_envelope_round_trips_through_pem(key: SigningKey, keyring: Keyring) -> None:
    again = SigningKey.from_pem("k1", key.private_pem())
    raw = sign_command(payload(), again).model_dump_json()
    assert isinstance(CommandEnvelope.model_validate_json(raw), CommandEnvelope)
    assert verify(raw, keyring).id == "cmd-1"
