"""Resolve a command target to the devices it reaches now, and the topics that reach them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from protocols import Capability, DeviceChannel, Target, area_cmd_topic, device_topic, group_cmd_topic
from source_server.dispatch.exceptions import TargetError
from source_server.fleet.kinds import can_render, capabilities_of, decode_capabilities
from source_server.fleet.models import Area, Device, DeviceGroup

_CHUNK = 500


@dataclass(frozen=True)
class Resolved:
    """The targeted devices and the topics one publish each reaches them on.

    Area and group targets keep their devices as a query of ``(id, commune_code, kind)``, so the deliveries of a
    whole province are written by one INSERT … SELECT inside the database; device lists are small and fetched
    already (unknown ids must be named): id → (commune code, kind).
    """

    topics: list[str]
    query: Select[str, str, str] | None = None
    devices: dict[str, tuple[str, str]] | None = None


def _nothing(capability: Capability | None) -> str:
    if capability is None:
        return "the target reaches no device"
    return f"the target reaches no device that can render {capability.value}"


def resolve_target(db: Session, *, target: Target, capability: Capability | None = None) -> Resolved:
    """The devices of the ``devices`` table a target covers; TargetError for unknown ids or an empty result.

    With ``capability`` (a ``play``), only devices that can render it: those that announced it, or announced
    nothing and have it by their kind's default (``fleet.kinds``); for an area or group a condition inside the
    query, for a device list one set lookup per device. A listed device that cannot render it gets no topic.
    Reads ``devices`` (id, kind, capabilities, province/commune/village codes) and ``device_groups``.
    """
    if target.devices is not None:
        found: dict[str, tuple[str, str]] = {}
        renders: dict[str, bool] = {}
        wanted = list(dict.fromkeys(target.devices))
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            rows = db.execute(
                select(Device.id, Device.commune_code, Device.kind, Device.capabilities).where(Device.id.in_(chunk))
            )
            for device_id, commune, kind, announced in rows:
                found[device_id] = (commune, kind)
                renders[device_id] = capability is None or capability in capabilities_of(
                    kind, decode_capabilities(announced)
                )
        unknown = tuple(d for d in wanted if d not in found)
        if unknown:
            raise TargetError(f"unknown device(s): {', '.join(unknown[:10])}", unknown)
        able = {d: found[d] for d in wanted if renders[d]}
        if not able:
            raise TargetError(_nothing(capability))
        return Resolved(topics=[device_topic(d, DeviceChannel.CMD) for d in able], devices=able)
    query = select(Device.id, Device.commune_code, Device.kind)
    if capability is not None:
        query = query.where(can_render(capability))
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
        raise TargetError(_nothing(capability))
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
