"""Broadcast statistics per commune over a period, from the delivery truth (no HTTP here).

A bulletin counts as broadcast in a commune when at least one loudspeaker there said it started (or finished,
or was interrupted after starting) one of its plays; its air time there is the play's length (the command's
``duration_ms``) once per play command that started there. Boards (and any other kind) are counted the same way,
apart, under ``by_kind``. Connected devices come from presence. Central bulletins are those of origin
``central`` (relayed from the central system).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import CommandType, DeviceKind, OriginLevel, Priority
from source_server.dispatch.models import Command, Delivery
from source_server.fleet import presence_queries
from source_server.fleet.kinds import KINDS
from source_server.fleet.models import Area

PLAYED = ("started", "done", "preempted", "interrupted")
"""Delivery states of a play that began on the device; only ``done`` played to the end."""


@dataclass
class KindStats:
    """What devices of one kind (speaker, eboard) played in one commune over the period."""

    devices_total: int = 0
    devices_online: int = 0
    bulletins: int = 0
    minutes_on_air: float = 0.0
    """Audio minutes for loudspeakers; minutes on screen for boards (each play command's length once)."""
    emergencies: int = 0
    central_bulletins: int = 0
    plays_started: int = 0
    plays_done: int = 0
    plays_interrupted: int = 0
    _bulletin_ids: set[int] = field(default_factory=set, repr=False)
    _emergency_ids: set[int] = field(default_factory=set, repr=False)
    _central_ids: set[int] = field(default_factory=set, repr=False)
    _aired: set[str] = field(default_factory=set, repr=False)

    def add(self, status: str, command_id: str, bulletin_id: int | None, priority: str, origin: str,
            duration_ms: int | None) -> None:  # fmt: skip
        """Count one device's play of one command."""
        self.plays_started += 1
        self.plays_done += status == "done"
        self.plays_interrupted += status == "interrupted"
        if command_id not in self._aired:
            self._aired.add(command_id)
            self.minutes_on_air += (duration_ms or 0) / 60_000
        key = bulletin_id if bulletin_id is not None else -len(self._aired)  # an upload without a bulletin
        self._bulletin_ids.add(key)
        if priority == Priority.EMERGENCY.value:
            self._emergency_ids.add(key)
        if origin == OriginLevel.CENTRAL.value:
            self._central_ids.add(key)

    def close(self) -> None:
        """Turn the working sets into counts."""
        self.bulletins, self.emergencies, self.central_bulletins = (
            len(self._bulletin_ids),
            len(self._emergency_ids),
            len(self._central_ids),
        )
        self.minutes_on_air = round(self.minutes_on_air, 1)

    def public(self) -> dict[str, Any]:
        """The figures without the working sets."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


@dataclass
class CommuneStats:
    """One commune's figures for the period.

    ``bulletins``, ``minutes_on_air``, ``emergencies``, ``central_bulletins`` and ``plays_*`` are the
    loudspeakers' broadcasts (what the province reports as broadcast); ``by_kind`` has the same per device
    kind, so boards count apart. ``devices_total``/``devices_online`` count every kind.
    """

    code: str
    name: str
    devices_total: int = 0
    devices_online: int = 0
    bulletins: int = 0
    minutes_on_air: float = 0.0
    emergencies: int = 0
    central_bulletins: int = 0
    plays_started: int = 0
    """Device-plays that started (one per device per play command)."""
    plays_done: int = 0
    """Of those, the ones the device played to the end."""
    plays_interrupted: int = 0
    """Of those, the ones cut short (power loss, crash, device gone offline mid-play): never counted as done."""
    by_kind: dict[str, KindStats] = field(default_factory=lambda: {k: KindStats() for k in KINDS})

    def public(self) -> dict[str, Any]:
        """The figures, with ``by_kind`` as plain dicts."""
        out = {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "by_kind"}
        out["by_kind"] = {k: v.public() for k, v in self.by_kind.items()}
        return out

    def flat(self) -> dict[str, Any]:
        """One CSV row: the headline figures, then each kind's as ``<kind>_<figure>``."""
        out = {k: v for k, v in self.public().items() if k != "by_kind"}
        for kind, stats in self.by_kind.items():
            out.update({f"{kind}_{k}": v for k, v in stats.public().items()})
        return out


HEADLINE_KIND = DeviceKind.SPEAKER.value
"""The kind whose plays are the commune's broadcasts (deliveries of no recorded kind predate boards: speakers)."""


def broadcast_stats(db: Session, *, areas: Collection[str], since: datetime, until: datetime) -> list[CommuneStats]:
    """Per commune inside ``areas``: devices connected/total now, and what was played in [since, until), by kind."""
    summary = presence_queries.summary(db, areas=areas, level="commune")
    stats: dict[str, CommuneStats] = {}
    for row in summary["areas"]:
        s = stats[row["area_code"]] = CommuneStats(
            row["area_code"], row["area_name"] or row["area_code"], row["total"], row["online"]
        )
        for kind, counts in row.get("by_kind", {}).items():
            per = s.by_kind.setdefault(kind, KindStats())
            per.devices_total, per.devices_online = counts["total"], counts["online"]
    rows = db.execute(
        select(Delivery.commune_code, Delivery.device_kind, Delivery.status, Command.id, Command.bulletin_id,
               Command.priority, Command.origin, Command.duration_ms)
        .join(Command, Command.id == Delivery.command_id)
        .where(Command.type == CommandType.PLAY.value, Command.issued_at >= since, Command.issued_at < until,
               Delivery.status.in_(PLAYED), Delivery.commune_code.in_(list(stats)))
    ).all()  # fmt: skip
    for commune, kind, status, command_id, bulletin_id, priority, origin, duration_ms in rows:
        if commune is None:
            continue
        per = stats[commune].by_kind.setdefault(kind or HEADLINE_KIND, KindStats())
        per.add(status, command_id, bulletin_id, priority, origin, duration_ms)
    for s in stats.values():
        for per in s.by_kind.values():
            per.close()
        head = s.by_kind[HEADLINE_KIND]
        s.bulletins, s.minutes_on_air, s.emergencies, s.central_bulletins = (
            head.bulletins,
            head.minutes_on_air,
            head.emergencies,
            head.central_bulletins,
        )
        s.plays_started, s.plays_done, s.plays_interrupted = head.plays_started, head.plays_done, head.plays_interrupted
    names = dict(db.execute(select(Area.code, Area.name).where(Area.code.in_(list(stats)))).all())
    for code, s in stats.items():
        s.name = names.get(code, s.name)
    return sorted(stats.values(), key=lambda s: s.name)
