"""API shapes of dispatch, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DELIVERY_STATES = (
    "pending", "received", "downloaded", "started", "done", "interrupted", "failed", "rejected", "preempted", "expired",
    "not_reached",
)  # fmt: skip
"""What a delivery report shows; ``not_reached`` is a device still silent after the command expired, ``interrupted``
a play cut short (never counted as played in full)."""


class BroadcastForm(BaseModel):
    """The multipart fields of ``POST /api/v1/broadcasts`` (documentation: the route reads them itself)."""

    file: bytes = Field(
        description="Audio in any common format (levelled and encoded to MP3 by the server), or a file shown as it "
        "is: UTF-8 text, PNG, JPEG, WebP, MP4 or WebM (typed by its bytes; sent only to devices that render it)."
    )
    target_type: Literal["device", "village", "commune", "province", "group"]
    target: str = Field(
        description="Device ids separated by commas (device), an area code (village, commune, province) or a "
        "group name (group)."
    )
    priority: Literal["normal", "priority", "emergency"] = "normal"
    origin: Literal["central", "province", "commune"] | None = Field(
        default=None, description="Who issues it; default province for province roles, else commune."
    )
    title: str = Field(default="", max_length=200)
    start_at: datetime | None = Field(
        default=None, description="When devices start playing, with a time zone; empty = as soon as downloaded."
    )
    ttl_s: int | None = Field(
        default=None, ge=10, le=604800, description="Seconds until the command expires; default the server's."
    )
    duration_s: int | None = Field(
        default=None,
        ge=1,
        description="Only for a file shown as it is (text, image, video): how long it shows. Without it the file is "
        "audio.",
    )


class StreamBroadcastIn(BaseModel):
    """``POST /api/v1/broadcasts/stream``: play a live stream by reference on the devices that can (``stream``)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://", description="The stream's HTTP(S) URL.")
    content_type: str = Field(default="audio/mpeg", max_length=100, pattern=r"^[a-z]+/[A-Za-z0-9.+-]+$")
    duration_ms: int | None = Field(default=None, gt=0, description="Play this long; empty = until stopped.")
    target_type: Literal["device", "village", "commune", "province", "group"]
    target: str = Field(description="As for POST /broadcasts.")
    priority: Literal["normal", "priority", "emergency"] = "normal"
    origin: Literal["central", "province", "commune"] | None = None
    title: str = Field(default="", max_length=200)
    start_at: datetime | None = Field(default=None, description="When devices start, with a time zone.")
    ttl_s: int | None = Field(default=None, ge=10, le=604800)


class DeliveryRead(BaseModel):
    """One device's state for one command."""

    model_config = ConfigDict(from_attributes=True)

    device_id: str
    commune_code: str | None
    status: str
    reason: str | None = None
    received_at: datetime | None = None
    downloaded_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    position_ms: int | None = None
    resent_at: datetime | None = None


class DeliveryPage(BaseModel):
    """A page of deliveries."""

    items: list[DeliveryRead]
    total: int
    page: int
    page_size: int


class Report(BaseModel):
    """Delivery of one command: counts per state, per commune, and a page of devices."""

    command_id: str
    expired: bool
    total: int
    counts: dict[str, int]
    by_commune: dict[str, dict[str, int]]
    by_kind: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Device kind (speaker, eboard; '' unknown) → counts per shown state."""
    devices: DeliveryPage


class CommandRead(BaseModel):
    """A command as operators see it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    type: str
    title: str
    target: dict[str, Any]
    priority: str
    origin: str
    media_sha256: str | None
    content_kind: str | None = None
    """What a play plays (audio, text, image, video, stream)."""
    start_at: datetime | None = None
    duration_ms: int | None = None
    topics: list[str]
    issued_at: datetime
    expires_at: datetime
    created_by: str | None


class CommandDetail(CommandRead):
    """A command with its delivery report."""

    report: Report


class BroadcastCreated(BaseModel):
    """What POST /broadcasts returns."""

    id: str
    devices: int
    topics: list[str]
    expires_at: datetime
    media_sha256: str | None = None
    duration_ms: int | None = None


class DeviceCommandIn(BaseModel):
    """An operator command to one device: set_volume, stop or reboot."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["set_volume", "stop", "reboot"]
    volume: int | None = Field(default=None, ge=0, le=100)
    command_id: str | None = None
    delay_s: int = Field(default=0, ge=0, le=3600)
    ttl_s: int | None = Field(default=None, ge=10, le=7 * 86400)
