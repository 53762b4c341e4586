"""Pydantic models of every message on the wire.

Device → server: :class:`StateMessage`, :class:`Telemetry`, :class:`Ack`.
Server → device: :class:`CommandEnvelope` wrapping a signed :class:`CommandPayload` whose ``body``
is one of :class:`PlayBody`, :class:`StopBody`, :class:`SetVolumeBody`, :class:`RebootBody`.
Every message ignores unknown fields when parsed (PROTOCOL.md §4.3, forward compatibility), in both
directions: a device parsing a newer server's command, and a server parsing a newer device's ack. The one
exception is a command's :class:`Target`: a key it does not know might narrow who the command is for, so a
target with an unknown key, or with two keys, is refused (``malformed``) rather than read wider than meant.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from protocols.exceptions import PayloadError
from protocols.priority import OriginLevel, PreemptPolicy, Priority
from protocols.topics import ID_PATTERN

PROTOCOL_VERSION = 1
MAX_DEVICE_PAYLOAD = 16 * 1024
"""Largest payload the server accepts from a device (bytes)."""
MAX_COMMAND_PAYLOAD = 64 * 1024
"""Largest command envelope a device must accept (bytes)."""


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone (use UTC, e.g. 2026-01-01T00:00:00Z)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
Id = Annotated[str, Field(pattern=f"^{ID_PATTERN}$")]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Incoming(BaseModel):
    """A device message: frozen, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class _Outgoing(BaseModel):
    """A server message: frozen; a device parsing it ignores unknown fields (newer servers may add some)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def _one_key_schema(schema: dict[str, Any]) -> None:
    """The published Target schema: exactly one of its keys, never null (the server never sends null)."""
    schema["minProperties"] = schema["maxProperties"] = 1
    for prop in schema["properties"].values():
        branches = [b for b in prop.pop("anyOf") if b.get("type") != "null"]
        prop.pop("default", None)
        prop.update(branches[0])


class DeviceKind(StrEnum):
    """What the device is."""

    SPEAKER = "speaker"
    EBOARD = "eboard"


class Capability(StrEnum):
    """What a device can render (PROTOCOL.md §4.1). Announced in its online state; a device that announces
    none is taken to have its kind's defaults (the server's kind table: speaker → audio; eboard → text, image,
    video). A ``play`` is only ever sent to devices that can render its content."""

    AUDIO = "audio"
    """Stored audio files (``media`` with an ``audio/*`` content type)."""
    TEXT = "text"
    """Text frames (``media`` with a ``text/*`` content type)."""
    IMAGE = "image"
    """Still images (``media`` with an ``image/*`` content type)."""
    VIDEO = "video"
    """Video files (``media`` with a ``video/*`` content type)."""
    STREAM = "stream"
    """Live audio by reference (``stream`` instead of ``media``)."""


_MAJOR_CAPABILITY = {
    "audio": Capability.AUDIO,
    "text": Capability.TEXT,
    "image": Capability.IMAGE,
    "video": Capability.VIDEO,
}


def content_capability(content_type: str, *, stream: bool = False) -> Capability | None:
    """The capability a device needs to render content of this type (PROTOCOL.md §4.4): ``stream`` for a live
    stream, else by the content type's major type (``audio/*`` → audio, ``text/*`` → text, ``image/*`` → image,
    ``video/*`` → video); None for any other type (nothing renders it)."""
    if stream:
        return Capability.STREAM
    major = content_type.split("/", 1)[0].strip().lower()
    return _MAJOR_CAPABILITY.get(major)


class StateMessage(_Incoming):
    """Retained presence on ``dev/{id}/state``: the Will says offline, the first publish online."""

    online: bool
    session: int = Field(ge=0, le=2**63 - 1)
    at: UtcDatetime | None = None
    kind: DeviceKind | None = None
    firmware: str | None = Field(default=None, max_length=64)
    vendor: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, max_length=64)
    heartbeat_s: int | None = Field(default=None, ge=5, le=3600)
    capabilities: tuple[Capability, ...] | None = Field(default=None, max_length=16)
    """What the device can render; absent = its kind's defaults. Unknown names are dropped, not refused (a
    newer device may know more than this server), so one new capability never makes a whole state unreadable."""

    @field_validator("capabilities", mode="before")
    @classmethod
    def _known_capabilities(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            known = {c.value for c in Capability}
            return tuple(dict.fromkeys(v for v in value if isinstance(v, str) and v in known))
        return value


class Telemetry(_Incoming):
    """Periodic heartbeat on ``dev/{id}/telemetry``; silence marks the device stale."""

    session: int = Field(ge=0, le=2**63 - 1)
    at: UtcDatetime
    uptime_s: int | None = Field(default=None, ge=0)
    volume: int | None = Field(default=None, ge=0, le=100)
    playing: str | None = Field(default=None, max_length=64)
    rssi_dbm: int | None = Field(default=None, ge=-150, le=0)
    temperature_c: float | None = Field(default=None, ge=-50, le=150)
    cache_bytes: int | None = Field(default=None, ge=0)
    clock_offset_ms: int | None = None
    firmware: str | None = Field(default=None, max_length=64)


class AckStatus(StrEnum):
    """The life of one command on one device, in order; terminal states end it."""

    RECEIVED = "received"
    REJECTED = "rejected"
    DOWNLOADED = "downloaded"
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    PREEMPTED = "preempted"
    EXPIRED = "expired"
    INTERRUPTED = "interrupted"
    """Playback began but stopped before the end for a reason other than preemption or stop (power loss, crash,
    player died); ``position_ms`` says how far it got. Not final: a later ``done`` supersedes it."""

    @property
    def terminal(self) -> bool:
        """No later ack for the same command is expected after this one."""
        return self in _TERMINAL

    @property
    def rank(self) -> int:
        """Progress order; a delivery record never moves to a lower rank."""
        return _ACK_RANK[self]


_TERMINAL = frozenset({AckStatus.REJECTED, AckStatus.DONE, AckStatus.FAILED, AckStatus.EXPIRED})
_ACK_RANK = {
    AckStatus.RECEIVED: 1,
    AckStatus.DOWNLOADED: 2,
    AckStatus.STARTED: 3,
    AckStatus.PREEMPTED: 4,
    AckStatus.INTERRUPTED: 5,
    AckStatus.REJECTED: 6,
    AckStatus.FAILED: 6,
    AckStatus.EXPIRED: 6,
    AckStatus.DONE: 6,
}


class Ack(_Incoming):
    """A device's report on one command, on ``dev/{id}/ack``."""

    command_id: Id
    status: AckStatus
    at: UtcDatetime
    session: int | None = Field(default=None, ge=0)
    reason: str | None = Field(default=None, max_length=200)
    position_ms: int | None = Field(default=None, ge=0)
    """With ``interrupted``: how far into the media playback got (milliseconds)."""


class Target(BaseModel):
    """Who a command is for: exactly one of a device list, an area path or a group; any other key is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_one_key_schema)

    devices: tuple[Id, ...] | None = Field(default=None, min_length=1, max_length=1000)
    area: tuple[Id, ...] | None = Field(default=None, min_length=1, max_length=3)
    group: Id | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        if sum(x is not None for x in (self.devices, self.area, self.group)) != 1:
            raise ValueError("a target names exactly one of: devices, area, group")
        return self

    def covers(self, device_id: str, area_path: tuple[str, ...], groups: frozenset[str] | set[str]) -> bool:
        """True when a device with this id, area path and groups is among the targets."""
        if self.devices is not None:
            return device_id in self.devices
        if self.area is not None:
            return tuple(area_path[: len(self.area)]) == self.area
        return self.group in groups


class CommandType(StrEnum):
    """Command types of protocol v1. A device rejects any other with ``unsupported_type``."""

    PLAY = "play"
    STOP = "stop"
    SET_VOLUME = "set_volume"
    REBOOT = "reboot"


class MediaRef(_Outgoing):
    """A stored file by reference (audio, a text frame, an image, a video; ``content_type`` says which): the
    device downloads ``url``, checks ``sha256`` and ``size``, caches by hash. ``duration_ms`` is how long it
    plays or stays on screen."""

    url: str = Field(min_length=1, max_length=2000)
    sha256: Sha256Hex
    size: int = Field(gt=0)
    duration_ms: int = Field(gt=0)
    content_type: str = "audio/mpeg"


class StreamRef(_Outgoing):
    """A live stream by reference (Icecast/HTTP): the device connects to ``url`` and plays until stopped, or
    for ``duration_ms`` when given. Nothing to download or hash-check; no cache."""

    url: str = Field(min_length=1, max_length=2000)
    content_type: str = Field(default="audio/mpeg", max_length=100)
    duration_ms: int | None = Field(default=None, gt=0)


class PlayBody(_Outgoing):
    """Play content at ``start_at`` (device clock, UTC), or as soon as it is ready: a stored file (``media``)
    or a live stream (``stream``), exactly one of them. The content type chooses the device's renderer."""

    media: MediaRef | None = None
    stream: StreamRef | None = None
    title: str = Field(default="", max_length=200)
    start_at: UtcDatetime | None = None
    on_preempt: PreemptPolicy = PreemptPolicy.RESUME
    volume: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_content(self) -> PlayBody:
        if (self.media is None) == (self.stream is None):
            raise ValueError("a play carries exactly one of media and stream")
        return self

    @property
    def content_type(self) -> str:
        """The content type of what is played (the media's or the stream's)."""
        ref = self.media if self.media is not None else self.stream
        assert ref is not None  # the validator guarantees one
        return ref.content_type


class StopBody(_Outgoing):
    """Stop one command's playback, or whatever plays when ``command_id`` is null."""

    command_id: Id | None = None


class SetVolumeBody(_Outgoing):
    """Set the output volume, 0 to 100."""

    volume: int = Field(ge=0, le=100)


class RebootBody(_Outgoing):
    """Restart the device after ``delay_s`` seconds."""

    delay_s: int = Field(default=0, ge=0, le=3600)


CommandBody = PlayBody | StopBody | SetVolumeBody | RebootBody
BODY_MODELS: dict[CommandType, type[_Outgoing]] = {
    CommandType.PLAY: PlayBody,
    CommandType.STOP: StopBody,
    CommandType.SET_VOLUME: SetVolumeBody,
    CommandType.REBOOT: RebootBody,
}


class CommandPayload(BaseModel):
    """The signed part of a command. ``type`` stays a string so an unknown type can be refused by name."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: int = PROTOCOL_VERSION
    id: Id
    type: str = Field(min_length=1, max_length=32)
    iat: UtcDatetime
    exp: UtcDatetime
    target: Target
    priority: Priority = Priority.NORMAL
    origin: OriginLevel = OriginLevel.PROVINCE
    body: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window(self) -> CommandPayload:
        if self.exp <= self.iat:
            raise ValueError("exp must be after iat")
        return self

    def parsed_body(self) -> CommandBody:
        """The body as its typed model; ValueError for an unknown type or an invalid body."""
        model = BODY_MODELS[CommandType(self.type)]
        return model.model_validate(self.body)  # type: ignore[return-value]


class CommandEnvelope(_Outgoing):
    """What travels on a ``cmd`` topic: the payload's exact bytes (base64url) and their Ed25519 signature."""

    kid: Id
    alg: Literal["Ed25519"] = "Ed25519"
    payload: str = Field(min_length=1)
    sig: str = Field(min_length=1)


class ServerState(_Outgoing):
    """The server's own retained presence on ``server/state``."""

    online: bool
    at: UtcDatetime
    version: str = ""


M = TypeVar("M", bound=BaseModel)


def parse_message(model: type[M], raw: bytes | str, *, limit: int = MAX_DEVICE_PAYLOAD) -> M:
    """Parse a JSON payload into ``model``; PayloadError with a readable reason on anything wrong."""
    kind = model.__name__
    if len(raw) > limit:
        raise PayloadError(kind, f"{len(raw)} bytes is over the {limit}-byte limit")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(kind, f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError(kind, "not a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise PayloadError(kind, f"{where}: {first['msg']}") from None


def dump(message: BaseModel) -> bytes:
    """Compact JSON bytes of a message, UTF-8, None fields left out."""
    return message.model_dump_json(exclude_none=True).encode()
