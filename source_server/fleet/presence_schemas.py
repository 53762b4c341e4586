"""API shapes of presence: device list with status, per-area summary, history, uptime, alarms."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class PresenceDeviceRead(BaseModel):
    """A device with its current presence."""

    id: str
    kind: str
    name: str
    vendor: str
    model: str
    province_code: str
    commune_code: str
    village_code: str | None
    status: str
    """never_seen, online, stale (connected per the broker but silent), reconnecting (not seen again since our link
    to the broker came back, within the reconnect window: not offline), offline, or unverified (the server cannot
    reach the broker: ``last_known_status`` is what it knew)."""
    last_known_status: str
    """The status as last established (the same as ``status`` while the broker is reachable)."""
    since: datetime | None
    last_seen: datetime | None
    session: int
    firmware: str | None


class PresenceDevicePage(BaseModel):
    """One page of devices; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[PresenceDeviceRead]
    total: int
    limit: int
    offset: int
    next_cursor: str | None
    broker_connected: bool = True
    """False while the server cannot reach the broker: statuses are then the last known ones (``unverified``)."""


class StatusCounts(BaseModel):
    """Devices per status."""

    online: int = 0
    stale: int = 0
    reconnecting: int = 0
    offline: int = 0
    never_seen: int = 0
    unverified: int = 0
    total: int = 0


class AreaPresence(StatusCounts):
    """Counts of one area, overall and per device kind."""

    area_code: str
    area_name: str | None = None
    by_kind: dict[str, StatusCounts] = Field(default_factory=dict)


class PresenceSummary(BaseModel):
    """Counts per area at one level."""

    level: str
    areas: list[AreaPresence]
    totals: StatusCounts
    broker_connected: bool = True
    """False while the server cannot reach the broker (online, stale and reconnecting are counted ``unverified``)."""


class DeviceEventRead(BaseModel):
    """One connectivity event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    at: datetime
    session: int
    commune_code: str | None
    detail: str


class DeviceEventPage(BaseModel):
    """Events newest first."""

    items: list[DeviceEventRead]
    limit: int
    offset: int


class UptimeDay(BaseModel):
    """Fraction of a local (Asia/Ho_Chi_Minh) day the device was online."""

    day: date
    fraction_online: float


class UptimeRead(BaseModel):
    """Daily uptime, oldest day first."""

    device_id: str
    timezone: str
    days: list[UptimeDay]
    average: float


class AlarmRead(BaseModel):
    """An alarm on a device."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: str
    kind: str
    opened_at: datetime
    cleared_at: datetime | None
    acked_at: datetime | None
    acked_by: str | None
    comment: str
    detail: str


class AlarmAck(BaseModel):
    """An acknowledgement: who looked at it and what they say."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)


class MapCommune(BaseModel):
    """A commune on the map: mean position of its placed devices and how many of them are online."""

    code: str
    name: str
    lat: float
    lon: float
    total: int
    online: int


class MapDevice(BaseModel):
    """A device on the map of one commune."""

    id: str
    name: str
    lat: float
    lon: float
    status: str
    kind: str


class PresenceMap(BaseModel):
    """The offline map's data: communes (province view) or one commune's devices."""

    level: str
    commune: str | None
    communes: list[MapCommune]
    devices: list[MapDevice]
