"""Worked examples of every message, signed with a published EXAMPLE key (never trusted in production).

PROTOCOL.md quotes :func:`examples` at the fixed time ``T0`` (a test checks the document against them);
``nguon protocol examples`` prints the same messages at the current time, so the command is not expired.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocols.exceptions import RejectReason
from protocols.models import (
    Ack,
    AckStatus,
    Capability,
    CommandPayload,
    MediaRef,
    PlayBody,
    ServerState,
    StateMessage,
    StreamRef,
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
EXAMPLE_COMMAND_ID = "01JDEMO0000000000000000001"
EXAMPLE_FRAME_ID = "01JDEMO0000000000000000002"
EXAMPLE_FRAME_TEXT = "Lịch tiêm chủng: sáng thứ Hai, trạm y tế xã"
DEVICE_LOGIN = '"$DEVICE_PASSWORD"'
"""What the documented commands pass to ``-P`` for a device (a shell variable the reader sets)."""
SENDER_LOGIN = '-u "$MQTT_USER" -P "$MQTT_PASSWORD"'
"""What they pass for the command's sender: a user allowed to publish on ``cmd`` topics (a test broker's)."""


def example_key() -> SigningKey:
    """The published example signing key."""
    return SigningKey(EXAMPLE_KID, Ed25519PrivateKey.from_private_bytes(bytes.fromhex(EXAMPLE_SEED_HEX)))


@dataclass(frozen=True)
class Example:
    """One message as it appears on the wire, who sends it, and the schema it follows."""

    name: str
    topic: str
    payload: str
    retain: bool
    schema: str
    """File stem in ``protocols/schemas/``."""
    sender: Literal["device", "server"]
    device_id: str = EXAMPLE_DEVICE
    qos: int = 1

    @property
    def publishable(self) -> bool:
        """False for ``server/state``: publishing it would overwrite the real server's retained presence."""
        return self.topic != SERVER_STATE_TOPIC

    def command(self) -> str:
        """The shell line that sends it (``-h``/``-p`` left to the reader), or reads it for ``server/state``."""
        if not self.publishable:
            return f"mosquitto_sub -u {self.device_id} -P {DEVICE_LOGIN} -v -C 1 -t '{self.topic}'"
        login = f"-u {self.device_id} -P {DEVICE_LOGIN}" if self.sender == "device" else SENDER_LOGIN
        flags = f"-q {self.qos}{' -r' if self.retain else ''}"
        return f"mosquitto_pub {login} {flags} -t '{self.topic}' \\\n  -m {shlex.quote(self.payload)}"


def example_play_payload(
    now: datetime = T0, area: tuple[str, ...] = EXAMPLE_AREA, command_id: str = EXAMPLE_COMMAND_ID
) -> CommandPayload:
    """An emergency play for the commune of ``area`` (64/23561), issued at ``now``, valid for an hour."""
    return CommandPayload(
        id=command_id,
        type="play",
        iat=now,
        exp=now + timedelta(hours=1),
        target=Target(area=area[:2]),
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


def example_frame_body() -> PlayBody:
    """A text frame for a board (§4.4): what a loudspeaker refuses ``unsupported_content``."""
    data = EXAMPLE_FRAME_TEXT.encode()
    sha = hashlib.sha256(data).hexdigest()
    return PlayBody(
        media=MediaRef(
            url=f"http://127.0.0.1:8000/media/{sha}.txt", sha256=sha, size=len(data), duration_ms=15000,
            content_type="text/plain; charset=utf-8",
        ),
        title="Lịch tiêm chủng",
    )  # fmt: skip


def example_stream_body() -> PlayBody:
    """Half an hour of the province station relayed live from an Icecast mount (§4.4)."""
    return PlayBody(
        stream=StreamRef(url="http://127.0.0.1:8000/live/xa-23561.mp3", duration_ms=1_800_000),
        title="Tiếp sóng Đài tỉnh",
    )


def examples(
    now: datetime = T0, *, device: str = EXAMPLE_DEVICE, area: tuple[str, ...] = EXAMPLE_AREA
) -> list[Example]:
    """Every example of PROTOCOL.md, in the order it shows them; at ``T0`` exactly as the document quotes them.

    Another ``now`` gives the same messages issued then (a fresh ``iat``/``exp``, signed again with the example
    key) and a new command id per minute, so a device that accepted yesterday's does not take it as a replay.
    """
    now = now.astimezone(UTC).replace(microsecond=0)
    cid = EXAMPLE_COMMAND_ID if now == T0 else f"01JDEMO{now:%Y%m%d%H%M}"
    frame_id = EXAMPLE_FRAME_ID if now == T0 else f"01JDEMO{now:%Y%m%d%H%M}F"
    will = StateMessage(online=False, session=42)
    online = StateMessage(
        online=True, session=42, at=now, kind="speaker", firmware="2.1.0", vendor="ACME", heartbeat_s=30,
        capabilities=(Capability.AUDIO,),
    )  # fmt: skip
    telemetry = Telemetry(session=42, at=now + timedelta(seconds=30), uptime_s=30, volume=80, rssi_dbm=-71)
    play = sign_command(example_play_payload(now, area, cid), example_key())
    ack = Ack(command_id=cid, status=AckStatus.RECEIVED, at=now + timedelta(seconds=1), session=42)
    failed = Ack(command_id=cid, status=AckStatus.REJECTED, reason="expired", at=now + timedelta(seconds=1), session=42)
    unsupported = Ack(
        command_id=frame_id, status=AckStatus.REJECTED, reason=RejectReason.UNSUPPORTED_CONTENT.value,
        at=now + timedelta(seconds=2), session=42,
    )  # fmt: skip
    server = ServerState(online=True, at=now, version="0.1.0")
    state_topic = device_topic(device, DeviceChannel.STATE)
    ack_topic = device_topic(device, DeviceChannel.ACK)
    return [
        Example("will", state_topic, dump(will).decode(), True, "state", "device", device),
        Example("online", state_topic, dump(online).decode(), True, "state", "device", device),
        Example(
            "telemetry",
            device_topic(device, DeviceChannel.TELEMETRY),
            dump(telemetry).decode(),
            False,
            "telemetry",
            "device",
            device,
            qos=0,
        ),
        Example("play", area_cmd_topic(area[:2]), dump(play).decode(), False, "command-envelope", "server", device),
        Example("ack", ack_topic, dump(ack).decode(), False, "ack", "device", device),
        Example("ack-rejected", ack_topic, dump(failed).decode(), False, "ack", "device", device),
        Example("ack-unsupported", ack_topic, dump(unsupported).decode(), False, "ack", "device", device),
        Example("server-state", SERVER_STATE_TOPIC, dump(server).decode(), True, "server-state", "server", device),
    ]
