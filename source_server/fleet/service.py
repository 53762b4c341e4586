"""The device registry: areas (province → commune → village), devices, groups and commune mergers.

Errors: ``RegistryError`` (bad input, carries ``field``), ``NotFound`` (no such area/device),
``CsvImportError`` (per-row errors of a whole file; nothing was written).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from protocols import Capability
from protocols.topics import ID_PATTERN
from source_server.accounts.service import audit
from source_server.areas.tree import LEVELS as LEVELS
from source_server.areas.tree import PARENT_LEVEL as PARENT_LEVEL
from source_server.areas.tree import area_path as area_path
from source_server.areas.tree import get_area as get_area
from source_server.areas.tree import list_areas as list_areas
from source_server.fleet.kinds import KINDS, can_render
from source_server.fleet.models import Area, Device, DeviceAreaChange, DeviceEvent, DeviceGroup, Presence

DEVICE_FIELDS = ("kind", "name", "vendor", "model", "commune_code", "village_code", "lat", "lon", "groups", "tags")
_ID_RE = re.compile(rf"^{ID_PATTERN}$")


class FleetErrorCode(StrEnum):
    """Why a registry change was refused, where a page words it (others show the field and message)."""

    INVALID = "invalid"
    MERGE_NOT_COMMUNE = "merge_not_commune"
    MERGE_SELF = "merge_self"
    MERGE_INACTIVE = "merge_inactive"
    CSV_NOT_UTF8 = "csv_not_utf8"
    CSV_MISSING_COLUMN = "csv_missing_column"
    CSV_UNKNOWN_COLUMN = "csv_unknown_column"
    CSV_EXTRA_FIELDS = "csv_extra_fields"
    CSV_DUPLICATE = "csv_duplicate"
    CSV_BAD_CODE = "csv_bad_code"
    CSV_NO_NAME = "csv_no_name"
    CSV_BAD_LEVEL = "csv_bad_level"
    CSV_PROVINCE_PARENT = "csv_province_parent"
    CSV_NO_PARENT = "csv_no_parent"
    CSV_UNKNOWN_PARENT = "csv_unknown_parent"
    CSV_PARENT_LEVEL = "csv_parent_level"
    CSV_EXISTS = "csv_exists"


class RegistryError(ValueError):
    """Invalid registry input; ``field`` names the offending field, ``code`` and ``params`` what a page words."""

    def __init__(
        self, field: str, message: str, code: FleetErrorCode = FleetErrorCode.INVALID, /, **params: str
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code
        self.params = params


class NotFound(LookupError):
    """No such area or device."""


@dataclass
class RowError:
    """One problem in one CSV row (row 1 is the header, data starts at row 2)."""

    row: int
    field: str
    message: str
    code: FleetErrorCode = FleetErrorCode.INVALID
    params: dict[str, str] = dataclasses.field(default_factory=dict)


class CsvImportError(ValueError):
    """A CSV file with bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s) in CSV; nothing imported")
        self.errors = errors


def valid_id(value: str) -> bool:
    """True when ``value`` is usable as a topic segment (device, area or group id)."""
    return bool(_ID_RE.match(value))


# ---------------------------------------------------------------- areas


def check_area_fields(db: Session, *, code: str, level: str, parent_code: str | None) -> None:
    """Raise RegistryError unless code/level/parent make a valid node of the tree."""
    if not valid_id(code):
        raise RegistryError("code", f"{code!r} must match {ID_PATTERN}")
    if level not in LEVELS:
        raise RegistryError("level", f"{level!r} is not one of {', '.join(LEVELS)}")
    want = PARENT_LEVEL[level]
    if want is None:
        if parent_code:
            raise RegistryError("parent_code", "a province has no parent")
        return
    parent = db.get(Area, parent_code) if parent_code else None
    if parent is None:
        raise RegistryError("parent_code", f"unknown parent {parent_code!r}")
    if parent.level != want:
        raise RegistryError(
            "parent_code", f"the parent of a {level} must be a {want}, {parent_code} is a {parent.level}"
        )


def create_area(db: Session, *, code: str, name: str, level: str, parent_code: str | None = None) -> Area:
    """A new area; RegistryError on a bad or duplicate code, unknown or wrong-level parent."""
    name = name.strip()
    if not name:
        raise RegistryError("name", "a name is required")
    if db.get(Area, code) is not None:
        raise RegistryError("code", f"area {code!r} already exists")
    check_area_fields(db, code=code, level=level, parent_code=parent_code or None)
    area = Area(code=code, name=name, level=level, parent_code=parent_code or None, active=True)
    db.add(area)
    db.flush()
    return area


def rename_area(db: Session, *, code: str, name: str) -> Area:
    """Give an area a new name."""
    area = _area_or_404(db, code)
    if not name.strip():
        raise RegistryError("name", "a name is required")
    area.name = name.strip()
    db.flush()
    return area


def set_area_active(db: Session, *, code: str, active: bool) -> Area:
    """Deactivate (or reactivate) an area; a commune with devices cannot be deactivated (merge it instead)."""
    area = _area_or_404(db, code)
    if not active and area.level == "commune" and db.scalar(select(Device.id).where(Device.commune_code == code)):
        raise RegistryError("active", f"commune {code} still has devices: merge it into another commune first")
    area.active = active
    db.flush()
    return area


def _area_or_404(db: Session, code: str) -> Area:
    area = db.get(Area, code)
    if area is None:
        raise NotFound(f"no area {code!r}")
    return area


@dataclass
class AreaTreeNode:
    """An area and its children, for tree views (API and pages)."""

    area: Area
    children: list[AreaTreeNode] = field(default_factory=list)


def visible_area_tree(db: Session, *, can_read: Callable[[tuple[str, ...]], bool]) -> list[AreaTreeNode]:
    """The areas whose path ``can_read`` accepts, with the ancestors that lead to them, as a forest."""
    areas = list_areas(db)
    by_code = {a.code: a for a in areas}

    def path(a: Area) -> tuple[str, ...]:
        codes = [a.code]
        while by_code.get(codes[0]) is not None and by_code[codes[0]].parent_code in by_code:
            codes.insert(0, by_code[codes[0]].parent_code)  # type: ignore[arg-type]
        return tuple(codes)

    visible: set[str] = set()
    for a in areas:
        p = path(a)
        if can_read(p):
            visible.update(p)
    nodes = {c: AreaTreeNode(by_code[c]) for c in visible}
    roots: list[AreaTreeNode] = []
    for a in areas:
        if a.code not in nodes:
            continue
        parent = nodes.get(a.parent_code or "")
        (parent.children if parent is not None else roots).append(nodes[a.code])
    return roots


def device_counts(db: Session) -> dict[str, int]:
    """Number of devices in each area code (province, commune and village), in one GROUP BY."""
    counts: dict[str, int] = {}
    rows = db.execute(
        select(Device.province_code, Device.commune_code, Device.village_code, func.count()).group_by(
            Device.province_code, Device.commune_code, Device.village_code
        )
    ).all()
    for province, commune, village, n in rows:
        for code in (province, commune, village):
            if code:
                counts[code] = counts.get(code, 0) + n
    return counts


@dataclass
class MergePlan:
    """What merging commune ``from_code`` into ``to_code`` does (or did, when ``applied``)."""

    from_code: str
    to_code: str
    device_ids: list[str]
    village_codes: list[str]
    applied: bool = False

    @property
    def device_count(self) -> int:
        return len(self.device_ids)


def merge_commune(
    db: Session, *, from_code: str, to_code: str, apply: bool = False, reason: str = "commune merger"
) -> MergePlan:
    """Move every device and village of commune ``from_code`` into ``to_code``; a preview unless ``apply``."""
    src, dst = _area_or_404(db, from_code), _area_or_404(db, to_code)
    if src.level != "commune" or dst.level != "commune":
        raise RegistryError("commune", "both areas of a merger must be communes", FleetErrorCode.MERGE_NOT_COMMUNE)
    if src.code == dst.code:
        raise RegistryError("to_code", "a commune cannot be merged into itself", FleetErrorCode.MERGE_SELF)
    if not dst.active:
        raise RegistryError("to_code", f"commune {to_code} is inactive", FleetErrorCode.MERGE_INACTIVE, code=to_code)
    devices = list(db.scalars(select(Device).where(Device.commune_code == from_code).order_by(Device.id)))
    villages = list(db.scalars(select(Area.code).where(Area.parent_code == from_code).order_by(Area.code)))
    plan = MergePlan(from_code, to_code, [d.id for d in devices], villages)
    if not apply:
        return plan
    for device in devices:
        db.add(
            DeviceAreaChange(
                device_id=device.id,
                from_commune=from_code,
                from_village=device.village_code,
                to_commune=to_code,
                to_village=device.village_code,
                reason=reason,
            )
        )
        device.commune_code = to_code
        device.province_code = dst.parent_code or device.province_code
    db.execute(update(Area).where(Area.parent_code == from_code).values(parent_code=to_code))
    src.active = False
    db.flush()
    plan.applied = True
    return plan


def audit_area_import(db: Session, result: Any, *, actor: str, filename: str | None, source_ip: str | None) -> None:
    """Record an applied area CSV import in the audit log, once per province it touched."""
    for code in sorted(result.provinces):
        audit(db, actor=actor, action="area.imported", object_type="area", object_id=code, area_code=code,
              source_ip=source_ip, summary=f"{len(result.created)} created, {len(result.renamed)} renamed",
              detail={"created": result.created, "renamed": result.renamed, "file": filename})  # fmt: skip


def audit_merger(db: Session, plan: MergePlan, *, actor: str, reason: str, source_ip: str | None) -> None:
    """Record an applied merger in the audit log: the merger, and each device it re-parented."""
    audit(db, actor=actor, action="area.merged", object_type="area", object_id=plan.from_code,
          area_code=plan.to_code, source_ip=source_ip, summary=f"{plan.from_code} → {plan.to_code}: {reason}",
          detail={"devices": plan.device_ids, "villages": plan.village_codes})  # fmt: skip
    for device_id in plan.device_ids:
        audit(db, actor=actor, action="device.reparented", object_type="device", object_id=device_id,
              area_code=plan.to_code, source_ip=source_ip, detail={"from": plan.from_code, "to": plan.to_code})  # fmt: skip


# ---------------------------------------------------------------- devices


@dataclass
class DeviceInput:
    """Registry fields of a device, already split (groups/tags as lists)."""

    id: str
    kind: str
    commune_code: str
    name: str = ""
    vendor: str = ""
    model: str = ""
    village_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    groups: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def device_errors(db: Session, data: DeviceInput) -> list[tuple[str, str]]:
    """Every (field, message) wrong with ``data``; empty when it can be written."""
    errors: list[tuple[str, str]] = []
    if not valid_id(data.id or ""):
        errors.append(("id", f"{data.id!r} must match {ID_PATTERN}"))
    if data.kind not in KINDS:
        errors.append(("kind", f"{data.kind!r} is not one of {', '.join(KINDS)}"))
    commune = db.get(Area, data.commune_code) if data.commune_code else None
    if commune is None:
        errors.append(("commune_code", f"unknown commune {data.commune_code!r}"))
    elif commune.level != "commune":
        errors.append(("commune_code", f"{data.commune_code} is a {commune.level}, not a commune"))
    elif not commune.active:
        errors.append(("commune_code", f"commune {data.commune_code} is inactive (merged)"))
    if data.village_code:
        village = db.get(Area, data.village_code)
        if village is None or village.level != "village":
            errors.append(("village_code", f"unknown village {data.village_code!r}"))
        elif village.parent_code != data.commune_code:
            errors.append(("village_code", f"village {data.village_code} is not in commune {data.commune_code}"))
    for name, value, lo, hi in (("lat", data.lat, -90, 90), ("lon", data.lon, -180, 180)):
        if value is not None and not lo <= value <= hi:
            errors.append((name, f"{value} is outside {lo}..{hi}"))
    bad = [g for g in data.groups if not valid_id(g)]
    if bad:
        errors.append(("groups", f"invalid group id(s) {', '.join(map(repr, bad))}: must match {ID_PATTERN}"))
    for text_field, limit in (("name", 200), ("vendor", 64), ("model", 64)):
        if len(getattr(data, text_field)) > limit:
            errors.append((text_field, f"longer than {limit} characters"))
    return errors


def _check(db: Session, data: DeviceInput) -> None:
    errors = device_errors(db, data)
    if errors:
        raise RegistryError(*errors[0])


def _assign(db: Session, device: Device, data: DeviceInput) -> None:
    commune = db.get(Area, data.commune_code)
    assert commune is not None and commune.parent_code is not None
    device.kind, device.name, device.vendor, device.model = data.kind, data.name, data.vendor, data.model
    device.province_code, device.commune_code = commune.parent_code, data.commune_code
    device.village_code = data.village_code or None
    device.lat, device.lon = data.lat, data.lon
    device.tags = list(dict.fromkeys(t.strip() for t in data.tags if t.strip()))
    wanted = set(data.groups)
    device.groups = [g for g in device.groups if g.group in wanted]
    have = {g.group for g in device.groups}
    device.groups += [DeviceGroup(group=g) for g in sorted(wanted - have)]


def get_device(db: Session, device_id: str) -> Device | None:
    """One device by id."""
    return db.get(Device, device_id)


def create_device(db: Session, *, data: DeviceInput) -> Device:
    """Register a device (and its ``never_seen`` presence row); RegistryError on bad input or a taken id."""
    _check(db, data)
    if db.get(Device, data.id) is not None:
        raise RegistryError("id", f"device {data.id!r} already exists")
    device = Device(id=data.id)
    _assign(db, device, data)
    db.add(device)
    db.flush()
    db.add(Presence(device_id=device.id, status="never_seen"))
    db.flush()
    return device


def to_input(device: Device) -> DeviceInput:
    """The registry fields of a stored device."""
    return DeviceInput(
        id=device.id,
        kind=device.kind,
        commune_code=device.commune_code,
        name=device.name,
        vendor=device.vendor,
        model=device.model,
        village_code=device.village_code,
        lat=device.lat,
        lon=device.lon,
        groups=device.group_names,
        tags=list(device.tags or []),
    )


def update_device(db: Session, *, device_id: str, changes: dict[str, Any], reason: str = "edit") -> Device:
    """Change some registry fields; a move to another commune/village is recorded as a DeviceAreaChange."""
    device = db.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    unknown = set(changes) - set(DEVICE_FIELDS)
    if unknown:
        raise RegistryError(sorted(unknown)[0], "cannot be changed")
    data = to_input(device)
    for key, value in changes.items():
        setattr(data, key, value)
    if "commune_code" in changes and "village_code" not in changes and data.commune_code != device.commune_code:
        data.village_code = None
    _check(db, data)
    old = (device.commune_code, device.village_code)
    _assign(db, device, data)
    if old != (device.commune_code, device.village_code):
        db.add(
            DeviceAreaChange(
                device_id=device.id,
                from_commune=old[0],
                from_village=old[1],
                to_commune=device.commune_code,
                to_village=device.village_code,
                reason=reason,
            )
        )
    db.flush()
    return device


def delete_device(db: Session, *, device_id: str) -> None:
    """Remove a device, its presence and groups (history rows keep its id)."""
    device = db.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    presence = db.get(Presence, device_id)
    if presence is not None:
        db.delete(presence)
        db.flush()  # before the device: the flush order of unrelated mappers is not defined (FK cascade)
    db.delete(device)
    db.flush()


def list_devices(db: Session, *, areas: Iterable[str] | None = None) -> Sequence[Device]:
    """Devices ordered by id; with ``areas``, only those whose province, commune or village is one of them."""
    stmt = select(Device).order_by(Device.id)
    if areas is not None:
        codes = list(areas)
        stmt = stmt.where(
            or_(Device.province_code.in_(codes), Device.commune_code.in_(codes), Device.village_code.in_(codes))
        )
    return db.scalars(stmt).all()


def count_rendering(db: Session, *, device_ids: Iterable[str], capability: Capability) -> int:
    """How many of these devices can render ``capability`` (announced, else their kind's default)."""
    ids, count = sorted(set(device_ids)), 0
    for i in range(0, len(ids), 500):
        query = select(func.count()).select_from(Device).where(Device.id.in_(ids[i : i + 500]), can_render(capability))
        count += db.scalar(query) or 0
    return count


REFUSED_COPY = "refused_copy"
"""The DeviceEvent kind of a command copy the device refused before its signature was proven (issue 9, R2)."""


def record_refused_copies(db: Session, *, events: Sequence[tuple[str, datetime, str]]) -> int:
    """Record (device id, when, detail) refused copies as security events on the devices' history; returns rows.

    One query for the devices' communes, one insert; events of devices deleted meanwhile are dropped.
    """
    ids = sorted({device_id for device_id, _at, _detail in events})
    if not ids:
        return 0
    communes: dict[str, str] = {
        d: c for d, c in db.execute(select(Device.id, Device.commune_code).where(Device.id.in_(ids)))
    }
    rows = [
        {"device_id": d, "kind": REFUSED_COPY, "at": at, "session": 0, "commune_code": communes[d], "detail": detail}
        for d, at, detail in events
        if d in communes
    ]
    if rows:
        db.execute(insert(DeviceEvent), rows)
    return len(rows)
