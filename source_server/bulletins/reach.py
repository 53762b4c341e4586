"""Where a bulletin plays: its target (clipped to a programme's area for a programme item) and its command target.

A reach is a set of area paths (province, commune, village) plus single devices with their area path. Two
reaches share devices when one area path is a prefix of the other, or an area path is a prefix of a device's
path, or they name the same device. Reads the registry (areas, devices, group members) of ``fleet``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import Target
from source_server.bulletins.service import Bulletin
from source_server.fleet import service as fleet
from source_server.fleet.models import Device, DeviceGroup

Path = tuple[str, ...]
MAX_DEVICES = 1000
"""A command lists at most this many devices; a wider reach must be one area."""


def _under(prefix: Path, path: Path) -> bool:
    return path[: len(prefix)] == prefix


@dataclass(frozen=True)
class Reach:
    """Area paths and single devices (id → area path) an item plays on."""

    areas: tuple[Path, ...] = ()
    devices: Mapping[str, Path] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when it reaches nothing."""
        return not self.areas and not self.devices

    def intersects(self, other: Reach) -> bool:
        """True when both may play on a same device."""
        if any(_under(a, b) or _under(b, a) for a in self.areas for b in other.areas):
            return True
        if any(_under(a, p) for a in self.areas for p in other.devices.values()):
            return True
        if any(_under(a, p) for a in other.areas for p in self.devices.values()):
            return True
        return bool(set(self.devices) & set(other.devices))

    def clip(self, area: Path) -> Reach:
        """The part of this reach inside ``area``."""
        areas: list[Path] = []
        for path in self.areas:
            if _under(area, path):
                areas.append(path)
            elif _under(path, area):
                areas.append(area)
        areas = sorted(set(areas))
        areas = [a for a in areas if not any(b != a and _under(b, a) for b in areas)]
        devices = {d: p for d, p in self.devices.items() if _under(area, p) and not any(_under(a, p) for a in areas)}
        return Reach(tuple(areas), devices)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"areas": [list(a) for a in self.areas], "devices": {d: list(p) for d, p in self.devices.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reach:
        """From the stored form."""
        return cls(
            tuple(tuple(a) for a in data.get("areas", [])),
            {d: tuple(p) for d, p in data.get("devices", {}).items()},
        )


def bulletin_reach(db: Session, bulletin: Bulletin) -> Reach:
    """Everything the bulletin's target covers."""
    codes = list(bulletin.target_codes)
    kind = bulletin.target_type
    if kind in ("province", "commune", "village"):
        return Reach(tuple(p for p in (fleet.area_path(db, c) for c in codes) if p))
    if kind == "devices":
        found = {d.id: d.area_path for d in (fleet.get_device(db, c) for c in codes) if d is not None}
        return Reach((), found)
    rows = db.execute(
        select(Device.id, Device.province_code, Device.commune_code, Device.village_code)
        .join(DeviceGroup, DeviceGroup.device_id == Device.id)
        .where(DeviceGroup.group.in_(codes))
    ).all()
    return Reach((), {d: (p, c) + ((v,) if v else ()) for d, p, c, v in rows})


def device_ids(db: Session, reach: Reach) -> set[str]:
    """Registered devices the reach covers now."""
    ids = set(reach.devices)
    for path in reach.areas:
        ids.update(d.id for d in fleet.list_devices(db, areas=[path[-1]]) if _under(path, d.area_path))
    return ids


def command_target(db: Session, reach: Reach) -> Target | str:
    """One command target for the reach: its single area, else its devices listed; a reason when impossible."""
    if len(reach.areas) == 1 and not reach.devices:
        return Target(area=reach.areas[0])
    ids = device_ids(db, reach)
    if not ids:
        return "it reaches no registered device yet"
    if len(ids) > MAX_DEVICES:
        return f"it reaches {len(ids)} devices in several areas; one command lists at most {MAX_DEVICES}"
    return Target(devices=tuple(sorted(ids)))


def too_wide(db: Session, reach: Reach) -> int | None:
    """The device count when the reach needs a device list longer than one command allows, else None."""
    if len(reach.areas) == 1 and not reach.devices:
        return None
    count = len(device_ids(db, reach))
    return count if count > MAX_DEVICES else None


def communes_of(db: Session, reach: Reach) -> list[str]:
    """Active commune codes the reach touches (a province path: every active commune of the province)."""
    out: set[str] = set()
    communes = [a for a in fleet.list_areas(db, include_inactive=False) if a.level == "commune"]
    for path in reach.areas:
        if len(path) >= 2:
            out.add(path[1])
        else:
            out.update(a.code for a in communes if a.parent_code == path[0])
    out.update(p[1] for p in reach.devices.values() if len(p) >= 2)
    active = {a.code for a in communes}
    return sorted(out & active)
