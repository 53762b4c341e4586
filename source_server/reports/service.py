"""Broadcast statistics per commune over a period, from the delivery truth (no HTTP here).

A bulletin counts as broadcast in a commune when at least one device there said it started (or finished, or
was interrupted after starting) one of its plays; its air time there is the audio's length once per play
command that started there. Connected devices come from presence. Central bulletins are those of origin
``central`` (relayed from the central system).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import CommandType, OriginLevel, Priority
from source_server.dispatch.models import Command, Delivery, Media
from source_server.fleet import presence_queries
from source_server.fleet.models import Area

PLAYED = ("started", "done", "preempted", "interrupted")
"""Delivery states of a play that began on the device; only ``done`` played to the end."""


@dataclass
class CommuneStats:
    """One commune's figures for the period."""

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
    _bulletin_ids: set[int] = field(default_factory=set, repr=False)
    _emergency_ids: set[int] = field(default_factory=set, repr=False)
    _central_ids: set[int] = field(default_factory=set, repr=False)

    def public(self) -> dict[str, Any]:
        """The figures without the working sets."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


def broadcast_stats(db: Session, *, areas: Collection[str], since: datetime, until: datetime) -> list[CommuneStats]:
    """Per commune inside ``areas``: devices connected/total now, and what was broadcast in [since, until)."""
    summary = presence_queries.summary(db, areas=areas, level="commune")
    stats: dict[str, CommuneStats] = {}
    for row in summary["areas"]:
        stats[row["area_code"]] = CommuneStats(
            row["area_code"], row["area_name"] or row["area_code"], row["total"], row["online"]
        )
    rows = db.execute(
        select(Delivery.commune_code, Delivery.status, Command.id, Command.bulletin_id, Command.priority,
               Command.origin, Media.duration_ms)
        .join(Command, Command.id == Delivery.command_id)
        .outerjoin(Media, Media.sha256 == Command.media_sha256)
        .where(Command.type == CommandType.PLAY.value, Command.issued_at >= since, Command.issued_at < until,
               Delivery.status.in_(PLAYED), Delivery.commune_code.in_(list(stats)))
    ).all()  # fmt: skip
    aired: dict[str, set[str]] = defaultdict(set)
    for commune, status, command_id, bulletin_id, priority, origin, duration_ms in rows:
        if commune is None:
            continue
        s = stats[commune]
        s.plays_started += 1
        s.plays_done += status == "done"
        s.plays_interrupted += status == "interrupted"
        if command_id not in aired[commune]:
            aired[commune].add(command_id)
            s.minutes_on_air += (duration_ms or 0) / 60_000
        key = bulletin_id if bulletin_id is not None else -len(aired[commune])  # an upload without a bulletin
        s._bulletin_ids.add(key)
        if priority == Priority.EMERGENCY.value:
            s._emergency_ids.add(key)
        if origin == OriginLevel.CENTRAL.value:
            s._central_ids.add(key)
    for s in stats.values():
        s.bulletins, s.emergencies, s.central_bulletins = (
            len(s._bulletin_ids),
            len(s._emergency_ids),
            len(s._central_ids),
        )
        s.minutes_on_air = round(s.minutes_on_air, 1)
    names = dict(db.execute(select(Area.code, Area.name).where(Area.code.in_(list(stats)))).all())
    for code, s in stats.items():
        s.name = names.get(code, s.name)
    return sorted(stats.values(), key=lambda s: s.name)
