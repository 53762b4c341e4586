"""API shapes of the registry: areas, devices, imports, mergers, credentials."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AreaRead(BaseModel):
    """One node of the administrative tree."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    active: bool


class AreaNode(AreaRead):
    """An area with its children, for the tree view."""

    children: list[AreaNode] = Field(default_factory=list)


class AreaCreate(BaseModel):
    """A new area."""

    code: str
    name: str
    level: str
    parent_code: str | None = None


class AreaUpdate(BaseModel):
    """Rename or (de)activate an area."""

    name: str | None = None
    active: bool | None = None


class AreaImportResult(BaseModel):
    """Outcome of an area CSV import."""

    created: list[str]
    renamed: list[str]


class MergeRequest(BaseModel):
    """Merge commune ``from_code`` into ``to_code``; only a preview unless ``apply``."""

    from_code: str
    to_code: str
    apply: bool = False
    reason: str = Field(default="commune merger", max_length=200)


class MergeResult(BaseModel):
    """What a merger moves (or moved)."""

    from_code: str
    to_code: str
    device_count: int
    device_ids: list[str]
    village_codes: list[str]
    applied: bool


class DeviceBase(BaseModel):
    """Registry fields a user can set."""

    kind: str
    name: str = ""
    vendor: str = ""
    model: str = ""
    commune_code: str
    village_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    groups: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class DeviceCreate(DeviceBase):
    """A new device."""

    id: str


class DeviceUpdate(BaseModel):
    """Some registry fields to change (absent fields are left alone)."""

    kind: str | None = None
    name: str | None = None
    vendor: str | None = None
    model: str | None = None
    commune_code: str | None = None
    village_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    groups: list[str] | None = None
    tags: list[str] | None = None


class DeviceRead(DeviceBase):
    """A device with its place, credential state and presence."""

    id: str
    province_code: str
    has_credentials: bool
    credential_issued_at: datetime | None
    created_at: datetime
    updated_at: datetime
    status: str
    session: int | None = None
    since: datetime | None = None
    last_seen: datetime | None = None
    firmware: str | None = None
    volume: int | None = None
    capabilities: list[str] | None = None
    """What the device announced it can render (None: it announced nothing)."""
    renders: list[str] = Field(default_factory=list)
    """What it is sent: its announced capabilities, else its kind's defaults (``fleet.kinds``)."""


class DeviceImportResult(BaseModel):
    """Outcome of a device CSV import."""

    created: list[str]
    updated: list[str]


class CredentialIssued(BaseModel):
    """A device's new MQTT credentials: the password is shown here once and never again."""

    device_id: str
    username: str
    password: str
    issued_at: datetime
