"""Tables of the fleet: devices, groups, presence, connectivity history, alarms (``Area``, the tree they are placed
in, is ``source_server.areas``, re-exported here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from source_server.areas.models import Area as Area  # re-exported: the tree devices are placed in
from source_server.db import Base, UtcDateTime, utcnow


class Device(Base):
    """A speaker cluster or an e-board; ``commune_code``/``village_code`` place it in the tree."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # speaker | eboard
    name: Mapped[str] = mapped_column(String(200), default="")
    vendor: Mapped[str] = mapped_column(String(64), default="", index=True)
    model: Mapped[str] = mapped_column(String(64), default="")
    province_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    village_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    capabilities: Mapped[str | None] = mapped_column(String(200))
    """What it announced it can render, space-separated names ('' = nothing); None = its kind's defaults
    (``fleet.kinds``). Written from its online state."""
    mqtt_password_hash: Mapped[str | None] = mapped_column(String(255))
    """Mosquitto PBKDF2-SHA512 (``$7$``) hash of the device's MQTT password; the password is shown once."""
    credential_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    groups: Mapped[list[DeviceGroup]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def area_path(self) -> tuple[str, ...]:
        """Province, commune and (if any) village codes: the fan-out topics it listens to."""
        path = (self.province_code, self.commune_code)
        return path + ((self.village_code,) if self.village_code else ())

    @property
    def group_names(self) -> list[str]:
        """Names of the groups it belongs to."""
        return sorted(g.group for g in self.groups)


class DeviceGroup(Base):
    """Membership of a device in a named group (``grp/{group}/cmd``)."""

    __tablename__ = "device_groups"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class DeviceAreaChange(Base):
    """A re-parenting of a device (e.g. the 2025 commune merger): where it was, where it went, who did it."""

    __tablename__ = "device_area_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    from_commune: Mapped[str | None] = mapped_column(String(32))
    from_village: Mapped[str | None] = mapped_column(String(32))
    to_commune: Mapped[str] = mapped_column(String(32))
    to_village: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Presence(Base):
    """The current connectivity of one device, as the server believes it."""

    __tablename__ = "device_presence"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="never_seen", index=True)
    """never_seen | online | stale | reconnecting | offline (``unverified`` is a view: the broker is unreachable)"""
    session: Mapped[int] = mapped_column(BigInteger, default=0)
    since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the current status began."""
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    firmware: Mapped[str | None] = mapped_column(String(64))
    volume: Mapped[int | None] = mapped_column(Integer)
    telemetry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16), default="mqtt", server_default="mqtt")
    """The presence source the status hangs on (``mqtt``, ``icecast``): its outage shows the device ``unverified``."""


class DeviceEvent(Base):
    """Connectivity history: connected, disconnected, went_stale, came_back, reconnecting (commune kept as it was
    then); and the security event refused_copy (a command copy the device could not verify: detail = reason and
    claimed id)."""

    __tablename__ = "device_events"
    __table_args__ = (Index("ix_device_events_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    session: Mapped[int] = mapped_column(BigInteger, default=0)
    commune_code: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class Alarm(Base):
    """An open or closed alarm on a device: offline too long, flapping, failing downloads."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_open", "device_id", "kind", "cleared_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # offline | flapping | takeover | download_failures
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
