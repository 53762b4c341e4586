"""Topic builders and parsers for ``nguon/v1/``.

Per device: ``dev/{id}/state|telemetry|ack|cmd``. Fan-out: ``area/{province}[/{commune}[/{village}]]/cmd``
and ``grp/{group}/cmd``. The server's own presence: ``server/state``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from protocols.exceptions import TopicError

ROOT = "nguon/v1"
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_ID_RE = re.compile(rf"^{ID_PATTERN}$")
SERVER_STATE_TOPIC = f"{ROOT}/server/state"


class DeviceChannel(StrEnum):
    """What a device publishes (state, telemetry, ack) or receives (cmd) on its own topic."""

    STATE = "state"
    TELEMETRY = "telemetry"
    ACK = "ack"
    CMD = "cmd"


def check_id(value: str, what: str = "id") -> str:
    """Return ``value`` if it is a valid topic segment id, else raise TopicError."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise TopicError(str(value), f"{what} must match {ID_PATTERN}")
    return value


def device_topic(device_id: str, channel: DeviceChannel | str) -> str:
    """``nguon/v1/dev/{device_id}/{channel}``."""
    return f"{ROOT}/dev/{check_id(device_id, 'device id')}/{DeviceChannel(channel).value}"


def area_cmd_topic(area_path: tuple[str, ...] | list[str]) -> str:
    """Fan-out command topic of an area path (province, commune, village), 1 to 3 levels."""
    parts = tuple(area_path)
    if not 1 <= len(parts) <= 3:
        raise TopicError("/".join(parts), "an area path has 1 to 3 levels: province, commune, village")
    return f"{ROOT}/area/{'/'.join(check_id(p, 'area code') for p in parts)}/cmd"


def group_cmd_topic(group: str) -> str:
    """Fan-out command topic of a named group."""
    return f"{ROOT}/grp/{check_id(group, 'group')}/cmd"


def device_subscriptions(device_id: str, area_path: tuple[str, ...], groups: tuple[str, ...] = ()) -> list[str]:
    """Every command topic a device subscribes to: its own, each level of its area path, its groups."""
    topics = [device_topic(device_id, DeviceChannel.CMD)]
    topics += [area_cmd_topic(area_path[: i + 1]) for i in range(len(area_path))]
    topics += [group_cmd_topic(g) for g in groups]
    return topics


@dataclass(frozen=True, slots=True)
class DeviceTopic:
    """A parsed per-device topic."""

    device_id: str
    channel: DeviceChannel


def parse_device_topic(topic: str) -> DeviceTopic:
    """Parse ``nguon/v1/dev/{id}/{channel}``; raise TopicError on anything else."""
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != ROOT or parts[2] != "dev":
        raise TopicError(topic, f"expected {ROOT}/dev/<device_id>/<channel>")
    try:
        channel = DeviceChannel(parts[4])
    except ValueError:
        raise TopicError(topic, f"unknown channel {parts[4]!r}") from None
    return DeviceTopic(device_id=check_id(parts[3], "device id"), channel=channel)


# Subscriptions the server uses for device messages; `$share/...` lets replicas split the load.
SERVER_DEVICE_FILTERS = tuple(
    f"{ROOT}/dev/+/{c.value}" for c in (DeviceChannel.STATE, DeviceChannel.TELEMETRY, DeviceChannel.ACK)
)


def shared(filter_: str, group: str = "nguon") -> str:
    """A shared-subscription form of a filter (MQTT 5 / Mosquitto 2)."""
    return f"$share/{group}/{filter_}"
