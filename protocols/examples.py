"""Worked examples of every message, signed with a published EXAMPLE key (never trusted in production).

PROTOCOL.md quotes exactly these; a test checks the document against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocols.models import (
    Ack,
    AckStatus,
    CommandPayload,
    MediaRef,
    PlayBody,
    StateMessage,
    Target,
    Telemetry,
    dump,
)
from protocols.priority import OriginLevel, Priority
from protocols.signing import SigningKey, sign_command
from protocols.topics import SERVER_STATE_TOPIC, DeviceChannel, area_cmd_topic, device_topic

EXAMPLE_SEED_HEX = "6e67756f6e2d6578616d706c652d6b65792d646f2d6e6f742d7573652d212121"
"""Seed of the example key ("nguon-example-key-do-not-use-!!!"): anyone can sign with it; devices must not trust it."""
EXAMPLE_KID = "example"
EXAMPLE_DEVICE = "spk-6423561-001"
EXAMPLE_AREA = ("64", "23561", "2356101")
T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def example_key() -> SigningKey:
    """The published example signing key."""
    return SigningKey(EXAMPLE_KID, Ed25519PrivateKey.from_private_bytes(bytes.fromhex(EXAMPLE_SEED_HEX)))


@dataclass(frozen=True)
class Example:
    """One message as it appears on the wire."""

    name: str
    topic: str
    payload: str
    retain: bool
    qos: int = 1


def example_play_payload() -> CommandPayload:
    """An emergency play for commune 23561 of province 64."""
    return CommandPayload(
        id="01JDEMO0000000000000000001",
        type="play",
        iat=T0,
        exp=T0 + timedelta(hours=1),
        target=Target(area=EXAMPLE_AREA[:2]),
        priority=Priority.EMERGENCY,
        origin=OriginLevel.PROVINCE,
        body=PlayBody(
            media=MediaRef(
                url="http://127.0.0.1:8000/media/9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a.mp3",
                sha256="9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a",
                size=48000,
                duration_ms=6000,
            ),
            title="Cảnh báo lũ quét",
        ).model_dump(mode="json", exclude_none=True),
    )


def examples() -> list[Example]:
    """Every example of PROTOCOL.md, in the order it shows them."""
    dev = EXAMPLE_DEVICE
    will = StateMessage(online=False, session=42)
    online = StateMessage(
        online=True, session=42, at=T0, kind="speaker", firmware="2.1.0", vendor="ACME", heartbeat_s=30
    )
    telemetry = Telemetry(session=42, at=T0 + timedelta(seconds=30), uptime_s=30, volume=80, rssi_dbm=-71)
    play = sign_command(example_play_payload(), example_key())
    ack = Ack(
        command_id="01JDEMO0000000000000000001", status=AckStatus.RECEIVED, at=T0 + timedelta(seconds=1), session=42
    )
    failed = Ack(
        command_id="01JDEMO0000000000000000001",
        status=AckStatus.REJECTED,
        reason="bad_signature",
        at=T0 + timedelta(seconds=1),
        session=42,
    )
    return [
        Example("will", device_topic(dev, DeviceChannel.STATE), dump(will).decode(), retain=True),
        Example("online", device_topic(dev, DeviceChannel.STATE), dump(online).decode(), retain=True),
        Example("telemetry", device_topic(dev, DeviceChannel.TELEMETRY), dump(telemetry).decode(), retain=False, qos=0),
        Example("play", area_cmd_topic(EXAMPLE_AREA[:2]), dump(play).decode(), retain=False),
        Example("ack", device_topic(dev, DeviceChannel.ACK), dump(ack).decode(), retain=False),
        Example("ack-rejected", device_topic(dev, DeviceChannel.ACK), dump(failed).decode(), retain=False),
        Example(
            "server-state",
            SERVER_STATE_TOPIC,
            '{"online":true,"at":"2026-11-23T00:00:00Z","version":"0.1.0"}',
            retain=True,
        ),
    ]
