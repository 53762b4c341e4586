"""What presence holds per device in memory, the statuses it can take, and the read-only view others get."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from source_server.fleet.presence_store import DeviceInfo

STATUSES = ("never_seen", "online", "stale", "reconnecting", "offline")
UNVERIFIED = "unverified"
"""What the API and the gauge show instead of online, stale or reconnecting while the device's source is unreachable."""
UNVERIFIABLE = frozenset({"online", "stale", "reconnecting"})
MQTT = "mqtt"
"""The source of presence over the broker: retained states, Wills, telemetry and acks."""


@dataclass(frozen=True, slots=True)
class PresenceView:
    """The current presence of one device as the server believes it."""

    device_id: str
    status: str
    session: int
    since: datetime | None
    last_seen: datetime | None
    firmware: str | None
    kind: str
    commune_code: str
    source: str = MQTT


@dataclass(slots=True)
class Entry:
    """One registered device: its status, MQTT session, last signs of life and the source its status hangs on."""

    info: DeviceInfo
    status: str = "never_seen"
    session: int = 0
    """The device's connection counter on the broker (the only source with one so far)."""
    since: datetime | None = None
    last_seen: datetime | None = None
    """The latest sign of life from any source, exact (the stored copy may lag, see ``written_seen``)."""
    firmware: str | None = None
    volume: int | None = None
    telemetry: dict[str, Any] | None = None
    source: str = MQTT
    """The source that vouches for the current status: its liveness judges the device, its outage freezes it."""
    seen: dict[str, datetime] = field(default_factory=dict)
    """Latest live sign per source (memory only; after a restart the stored ``last_seen`` stands in)."""
    written_seen: datetime | None = None
    """``last_seen`` as last handed to the database batch."""

    def view(self, device_id: str) -> PresenceView:
        """The read-only snapshot of this entry."""
        i = self.info
        return PresenceView(device_id, self.status, self.session, self.since, self.last_seen, self.firmware, i.kind,
                            i.commune_code, self.source)  # fmt: skip

    def row(self, device_id: str) -> dict[str, Any]:
        """The ``device_presence`` row of this entry."""
        return {
            "device_id": device_id,
            "status": self.status,
            "session": self.session,
            "since": self.since,
            "last_seen": self.last_seen,
            "firmware": self.firmware,
            "volume": self.volume,
            "telemetry": self.telemetry,
            "source": self.source,
        }
