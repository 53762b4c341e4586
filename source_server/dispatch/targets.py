"""Resolve a command target to the devices it reaches now, and the topics that reach them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from protocols import DeviceChannel, Target, area_cmd_topic, device_topic, group_cmd_topic
from source_server.dispatch.exceptions import TargetError
from source_server.fleet.models import Area, Device, DeviceGroup

_CHUNK = 500


@dataclass(frozen=True)
class Resolved:
    """The targeted devices and the topics one publish each reaches them on.

    Area and group targets keep their devices as a query of ``(id, commune_code)``, so the deliveries of a whole
    province are written by one INSERT … SELECT inside the database; device lists are small and fetched
    already (unknown ids must be named).
    """

    topics: list[str]
    query: Select[str, str] | None = None
    devices: dict[str, str] | None = None


def resolve_target(db: Session, *, target: Target) -> Resolved:
    """The devices of the ``devices`` table a target covers; TargetError for unknown ids or an empty result.

    Reads ``devices`` (id, province/commune/village codes) and ``device_groups`` (group membership).
    """
    if target.devices is not None:
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(target.devices))
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            found.update(db.execute(select(Device.id, Device.commune_code).where(Device.id.in_(chunk))).all())
        unknown = tuple(d for d in wanted if d not in found)
        if unknown:
            raise TargetError(f"unknown device(s): {', '.join(unknown[:10])}", unknown)
        if not found:
            raise TargetError("the target reaches no device")
        return Resolved(topics=[device_topic(d, DeviceChannel.CMD) for d in wanted], devices=found)
    query = select(Device.id, Device.commune_code)
    if target.area is not None:
        columns = (Device.province_code, Device.commune_code, Device.village_code)
        for column, code in zip(columns, target.area, strict=False):
            query = query.where(column == code)
        topics = [area_cmd_topic(target.area)]
    else:
        assert target.group is not None
        query = query.join(DeviceGroup, DeviceGroup.device_id == Device.id).where(DeviceGroup.group == target.group)
        topics = [group_cmd_topic(target.group)]
    if db.execute(query.limit(1)).first() is None:
        raise TargetError("the target reaches no device")
    return Resolved(topics=topics, query=query)


def area_path(db: Session, *, code: str, level: str | None = None) -> tuple[str, ...]:
    """Province → commune → village path of an area code (via ``parent_code``); TargetError if unknown."""
    area = db.get(Area, code)
    if area is None:
        raise TargetError(f"unknown area {code!r}")
    if level is not None and area.level != level:
        raise TargetError(f"area {code!r} is a {area.level}, not a {level}")
    path = [area.code]
    while area.parent_code is not None and len(path) < 3:
        parent = db.get(Area, area.parent_code)
        if parent is None:
            break
        path.insert(0, parent.code)
        area = parent
    return tuple(path)


def device_paths(db: Session, *, device_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """Area path of each known device among ``device_ids`` (for permission checks)."""
    out: dict[str, tuple[str, ...]] = {}
    for i in range(0, len(device_ids), _CHUNK):
        chunk = device_ids[i : i + _CHUNK]
        rows = db.execute(
            select(Device.id, Device.province_code, Device.commune_code, Device.village_code).where(
                Device.id.in_(chunk)
            )
        )
        for device_id, province, commune, village in rows:
            out[device_id] = (province, commune) + ((village,) if village else ())
    return out
