"""Tables of dispatch: media, commands, per-device deliveries and the outbox (MQTT publishes and other transports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from source_server.db import Base, UtcDateTime, utcnow


class Media(Base):
    """A stored file in the content-addressed store (``<sha256>.<ext>``): audio, a text frame, an image, a video.

    ``duration_ms`` is how long it plays (audio, video) or stays on screen (text, image)."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class Command(Base):
    """One signed command sent to a target (a broadcast is a ``play`` command)."""

    __tablename__ = "commands"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    media_sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256"))
    envelope: Mapped[str] = mapped_column(Text)
    """The signed envelope exactly as published (re-sent unchanged to devices that reconnect)."""
    topics: Mapped[list[str]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id", ondelete="SET NULL"), index=True)
    """The bulletin this command plays or stops (None for a bare upload or a device command)."""
    content_kind: Mapped[str | None] = mapped_column(String(16))
    """What a ``play`` plays: the ``Capability`` its devices need (audio, text, image, video, stream); None else."""
    start_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When a ``play`` starts on the devices' clocks (None: as soon as it is ready)."""
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    """How long a ``play`` lasts (None: a stream until stopped, or not a play)."""


class Delivery(Base):
    """The state of one command on one targeted device, moved only by that device's acks."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_device_status", "device_id", "status"),)

    command_id: Mapped[str] = mapped_column(ForeignKey("commands.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_code: Mapped[str | None] = mapped_column(String(32), index=True)
    device_kind: Mapped[str | None] = mapped_column(String(16))
    """The device's kind when the command was sent (proof and reports count speakers and boards apart)."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending (nothing heard yet) or the highest AckStatus reported (or ``interrupted`` guessed at going offline).

    Times are the device's own ``at`` corrected by its known clock skew (``dispatch.clock``), clamped to
    [issued, received]; ``updated_at`` and ``resent_at`` are server times."""
    reason: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When it ended (done, failed, rejected, expired) or stopped (interrupted), device time corrected for skew."""
    position_ms: Mapped[int | None] = mapped_column(Integer)
    """How far an ``interrupted`` play got (the device's word, or the server's guess when it went offline)."""
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A message that must leave the house: written in the same transaction as its cause, sent after by its lane.

    One table for every transport; each transport's rows are sent by their own lane (``dispatch.outbox``), so a
    slow or dead endpoint of one transport never delays another's."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_transport_sent_at", "transport", "sent_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    transport: Mapped[str] = mapped_column(String(32), default="mqtt", server_default="mqtt")
    """Which transport sends it (``mqtt`` for device commands; see ``Dispatcher.register``)."""
    topic: Mapped[str] = mapped_column(String(255))
    """Where it goes, in the transport's terms: an MQTT topic, or a path under an HTTP transport's base URL."""
    payload: Mapped[str] = mapped_column(Text)
    qos: Mapped[int] = mapped_column(Integer, default=1)
    retain: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    not_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
