"""Command verification: each rule first shows the attack it stops, then the honest path passing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from protocols import (
    Capability,
    CommandEnvelope,
    CommandPayload,
    CommandRejected,
    DeviceIdentity,
    Keyring,
    PlayBody,
    RejectReason,
    ReplayGuard,
    SigningKey,
    Target,
    content_capability,
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
    # still the same command after its expiry: `replay` (re-send the latest ack), never `expired` as its fate
    assert rejected(raw, keyring, guard, now=NOW + timedelta(hours=2)) is RejectReason.REPLAY


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


def signed_raw(obj: dict[str, object], key: SigningKey, **envelope: object) -> str:
    """An envelope over hand-written payload JSON (what a newer or a buggy server could send)."""
    raw = json.dumps(obj).encode()
    return json.dumps(
        {"kid": key.kid, "alg": "Ed25519", "payload": b64url(raw), "sig": b64url(key.private.sign(raw)), **envelope}
    )


def raw_payload(**over: object) -> dict[str, object]:
    return {**json.loads(payload().model_dump_json(exclude_none=True)), **over}


def test_a_newer_servers_unknown_fields_are_ignored_everywhere_but_the_target(
    key: SigningKey, keyring: Keyring
) -> None:
    media = {"url": "http://x/a.mp3", "sha256": "0" * 64, "size": 1, "duration_ms": 1, "codec": "opus"}
    newer = raw_payload(type="play", trace="x", body={"media": media, "title": "t", "fade_in_ms": 200})
    cmd = verify(signed_raw(newer, key, cert_chain=["k0"]), keyring)
    assert cmd.parsed_body().media.sha256 == "0" * 64  # type: ignore[union-attr]
    assert verify(signed_raw(raw_payload(id="c-vol", body={"volume": 5, "ramp_ms": 9}), key), keyring).id == "c-vol"


@pytest.mark.parametrize(
    "target",
    [{"area": ["64", "23561"], "group": "flood"}, {"area": ["64"], "polygon": [[1, 2]]}, {"polygon": [1]}, {}],
)
def test_a_target_with_two_keys_or_a_key_it_does_not_know_is_malformed(
    target: dict[str, object], key: SigningKey, keyring: Keyring
) -> None:
    # read wider than meant, {"area": ["64"], "polygon": ...} would play in the whole province
    assert rejected(signed_raw(raw_payload(target=target), key), keyring) is RejectReason.MALFORMED


def test_a_missing_v_is_version_1_and_a_missing_alg_is_ed25519(key: SigningKey, keyring: Keyring) -> None:
    no_v = raw_payload()
    del no_v["v"]
    assert verify(signed_raw(no_v, key), keyring).v == 1
    env = json.loads(signed_raw(raw_payload(), key))
    del env["alg"]
    assert verify(json.dumps(env), keyring).id == "cmd-1"
    assert rejected(signed_raw(raw_payload(v="2"), key), keyring) is RejectReason.UNSUPPORTED_VERSION


@pytest.mark.parametrize("alg", ["EdDSA", "HS256", "none", ""])
def test_an_alg_other_than_ed25519_is_malformed(alg: str, key: SigningKey, keyring: Keyring) -> None:
    assert rejected(signed_raw(raw_payload(), key, alg=alg), keyring) is RejectReason.MALFORMED


def test_a_play_the_device_cannot_render_is_unsupported_content_and_not_remembered(
    key: SigningKey, keyring: Keyring
) -> None:
    frame = {"media": {"url": "http://x/f.txt", "sha256": "a" * 64, "size": 10, "duration_ms": 8000,
                       "content_type": "text/plain"}}  # fmt: skip
    raw = sign_command(payload(type="play", body=frame), key).model_dump_json()
    # the failure it guards against: without the check a loudspeaker accepts a board's text frame
    assert verify(raw, keyring).type == "play"
    speaker = {Capability.AUDIO}

    def audio_only(body: PlayBody) -> bool:
        return content_capability(body.content_type, stream=body.stream is not None) in speaker

    replay = ReplayGuard()
    for _ in range(2):  # refused again on a copy: a rejection is never remembered as accepted (no ``replay``)
        with pytest.raises(CommandRejected) as info:
            verify_command(raw, keyring=keyring, identity=ME, replay=replay, now=NOW, can_render=audio_only)
        assert (info.value.reason, info.value.detail, info.value.command_id) == (
            RejectReason.UNSUPPORTED_CONTENT,
            "text/plain",
            "cmd-1",
        )
    stream = sign_command(payload(id="cmd-2", type="play", body={"stream": {"url": "http://x/live"}}), key)
    with pytest.raises(CommandRejected) as info:
        verify_command(stream.model_dump_json(), keyring=keyring, identity=ME, replay=replay, now=NOW,
                       can_render=audio_only)  # fmt: skip
    assert (info.value.reason, info.value.detail) == (RejectReason.UNSUPPORTED_CONTENT, "stream audio/mpeg")
    audio = {**frame, "media": {**frame["media"], "content_type": "audio/mpeg"}}
    ok = sign_command(payload(id="cmd-3", type="play", body=audio), key).model_dump_json()
    assert verify_command(ok, keyring=keyring, identity=ME, replay=replay, now=NOW, can_render=audio_only).id == "cmd-3"
    volume = sign_command(payload(id="cmd-4"), key).model_dump_json()  # only plays are asked about
    assert verify_command(volume, keyring=keyring, identity=ME, replay=replay, now=NOW, can_render=audio_only)


@pytest.mark.parametrize(
    ("content_type", "stream", "capability"),
    [("audio/mpeg", False, Capability.AUDIO), ("Text/Plain; charset=utf-8", False, Capability.TEXT),
     ("image/png", False, Capability.IMAGE), ("video/mp4", False, Capability.VIDEO),
     ("audio/mpeg", True, Capability.STREAM), ("application/pdf", False, None)],
)  # fmt: skip
def test_content_capability_follows_the_major_type(content_type: str, stream: bool, capability: object) -> None:
    assert content_capability(content_type, stream=stream) == capability
