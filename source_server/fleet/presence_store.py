"""Database side of presence: load the device set and the presence table, write one batch per transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from source_server.fleet.models import Alarm, Device, DeviceEvent, Presence

CHUNK = 500


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What presence needs to know of a registered device."""

    kind: str
    province_code: str
    commune_code: str
    capabilities: str | None = None
    """What it last announced, as stored (``fleet.kinds.encode_capabilities``): only a change is written."""


@dataclass(slots=True)
class Batch:
    """Buffered changes: latest presence row per device, new events, alarm openings and clearings in order."""

    presence: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    alarm_ops: list[tuple[str, str, str, datetime, str]] = field(default_factory=list)
    """(``open`` | ``clear``, device_id, alarm kind, at, detail)."""
    capabilities: dict[str, str | None] = field(default_factory=dict)
    """device id → what its latest online state announced (``fleet.kinds.encode_capabilities``)."""

    def __len__(self) -> int:
        return len(self.presence) + len(self.events) + len(self.alarm_ops) + len(self.capabilities)

    def merge_newer(self, newer: Batch) -> None:
        """Put ``newer`` changes after these (used to retry a failed batch without losing later ones)."""
        self.presence.update(newer.presence)
        self.events.extend(newer.events)
        self.alarm_ops.extend(newer.alarm_ops)
        self.capabilities.update(newer.capabilities)


def devices_fingerprint(db: Session) -> tuple[int, datetime | None]:
    """A cheap signature of the device table that changes when a device is added, deleted or moved."""
    count, latest = db.execute(select(func.count(Device.id), func.max(Device.updated_at))).one()
    return int(count), latest


def load_devices(db: Session) -> dict[str, DeviceInfo]:
    """Every registered device with its kind and place."""
    rows = db.execute(select(Device.id, Device.kind, Device.province_code, Device.commune_code, Device.capabilities))
    return {r.id: DeviceInfo(r.kind, r.province_code, r.commune_code, r.capabilities) for r in rows}


def load_presence(db: Session) -> list[Presence]:
    """The whole presence table (what the server believed when it stopped)."""
    return list(db.scalars(select(Presence)))


def load_open_alarms(db: Session) -> set[tuple[str, str]]:
    """(device_id, kind) of every alarm not cleared yet."""
    return {
        (r.device_id, r.kind) for r in db.execute(select(Alarm.device_id, Alarm.kind).where(Alarm.cleared_at.is_(None)))
    }


def load_disconnects(db: Session, *, since: datetime) -> list[tuple[str, datetime]]:
    """Recent ``disconnected`` events, to keep counting flaps across a restart."""
    q = select(DeviceEvent.device_id, DeviceEvent.at).where(DeviceEvent.kind == "disconnected", DeviceEvent.at >= since)
    return [(r.device_id, r.at) for r in db.execute(q.order_by(DeviceEvent.at))]


def _existing(db: Session, column: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        found.update(db.scalars(select(column).where(column.in_(ids[i : i + CHUNK]))))
    return found


def _upsert_presence(db: Session, rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT ... ON CONFLICT DO UPDATE (PostgreSQL and SQLite), else insert/update by key."""
    table = cast(Table, Presence.__table__)
    dialect = db.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        mod = postgresql if dialect == "postgresql" else sqlite
        stmt = mod.insert(table)
        cols = {c: stmt.excluded[c] for c in rows[0] if c != "device_id"}
        db.execute(stmt.on_conflict_do_update(index_elements=[table.c.device_id], set_=cols), rows)
        return
    have = _existing(db, Presence.device_id, [r["device_id"] for r in rows])
    new = [r for r in rows if r["device_id"] not in have]
    old = [r for r in rows if r["device_id"] in have]
    if new:
        db.execute(insert(Presence), new)
    if old:
        db.execute(update(Presence), old)


def write_batch(db: Session, batch: Batch) -> int:
    """Write ``batch`` in the caller's transaction; rows of devices deleted meanwhile are dropped. Returns rows."""
    ids = sorted(set(batch.presence) | {op[1] for op in batch.alarm_ops})
    alive = _existing(db, Device.id, ids)
    rows = [row for did, row in batch.presence.items() if did in alive]
    if rows:
        _upsert_presence(db, rows)
    if batch.events:
        db.execute(insert(cast(Table, DeviceEvent.__table__)), batch.events)
    for op, device_id, kind, at, detail in batch.alarm_ops:
        if device_id not in alive:
            continue
        if op == "open":
            db.add(Alarm(device_id=device_id, kind=kind, opened_at=at, detail=detail))
            db.flush()
        else:
            db.execute(
                update(Alarm)
                .where(Alarm.device_id == device_id, Alarm.kind == kind, Alarm.cleared_at.is_(None))
                .values(cleared_at=at)
            )
    if batch.capabilities:
        write_capabilities(db, batch.capabilities)
    return len(rows) + len(batch.events) + len(batch.alarm_ops)


def write_capabilities(db: Session, announced: dict[str, str | None]) -> int:
    """Store what devices announced, touching only rows that change: one UPDATE per distinct value and chunk."""
    by_value: dict[str | None, list[str]] = {}
    for device_id, value in announced.items():
        by_value.setdefault(value, []).append(device_id)
    changed = 0
    for value, ids in by_value.items():
        differs = Device.capabilities.is_not(None) if value is None else (
            Device.capabilities.is_(None) | (Device.capabilities != value))  # fmt: skip
        for i in range(0, len(ids), CHUNK):
            statement = update(Device).where(Device.id.in_(ids[i : i + CHUNK]), differs).values(capabilities=value)
            changed += int(db.execute(statement.execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]
    return changed
