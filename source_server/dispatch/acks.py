"""Applying device acks to deliveries (in batches) and re-sending pending commands to devices that come back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from protocols import Ack, AckStatus, DeviceChannel, RejectReason, device_topic
from source_server.dispatch.models import Command, Delivery, OutboxMessage
from source_server.metrics import DISPATCH_ACK_LATENCY, MQTT_REJECTED

PENDING = "pending"
_CHUNK = 400
_TIME_FIELDS = {
    AckStatus.RECEIVED: ("received_at",),
    AckStatus.DOWNLOADED: ("received_at", "downloaded_at"),
    AckStatus.STARTED: ("received_at", "downloaded_at", "started_at"),
}
"""The times an ack sets when still empty: its own, and those of the states it implies (a play started in the
instant it arrived is acked ``started`` alone, PROTOCOL.md §5)."""
_COLUMNS = (
    Delivery.command_id,
    Delivery.device_id,
    Delivery.status,
    Delivery.reason,
    Delivery.received_at,
    Delivery.downloaded_at,
    Delivery.started_at,
    Delivery.finished_at,
    Delivery.updated_at,
)


@dataclass(frozen=True, slots=True)
class AckIn:
    """One buffered ack: who sent it, what it says, when the server got it."""

    device_id: str
    ack: Ack
    at: datetime


_RANK = {PENDING: 0, **{s.value: s.rank for s in AckStatus}}
_TERMINAL = frozenset(s.value for s in AckStatus if s.terminal)
_LATENCY = {s: DISPATCH_ACK_LATENCY.labels(s.value) for s in AckStatus}
"""The latency histogram's child per status, looked up once (``labels()`` per ack was a tenth of a batch's CPU)."""


def _rank(status: str) -> int:
    return _RANK[status]


def _is_terminal(status: str) -> bool:
    return status in _TERMINAL


def _is_replay_refusal(ack: Ack) -> bool:
    """A re-sent command the device already holds: not news about the delivery."""
    return ack.status is AckStatus.REJECTED and (ack.reason or "").startswith(RejectReason.REPLAY.value)


def apply_acks(db: Session, acks: list[AckIn], *, known: list[AckIn] | None = None) -> int:
    """Move deliveries forward by ``acks`` (never backward, terminal is final); returns rows updated (no commit).

    An ack for a command the device was never sent is counted and dropped; ``known`` collects the others (only
    those are signs of life of the device: on a broker without ACL anyone can publish on its ack topic).
    """
    command_ids = {a.ack.command_id for a in acks}
    issued: dict[str, datetime] = {}
    for chunk in _chunks(sorted(command_ids)):
        issued.update(db.execute(select(Command.id, Command.issued_at).where(Command.id.in_(chunk))).all())
    by_command: dict[str, set[str]] = defaultdict(set)
    for a in acks:
        if a.ack.command_id in issued:
            by_command[a.ack.command_id].add(a.device_id)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for command_id, devices in by_command.items():
        for chunk in _chunks(sorted(devices), 1000):
            query = select(*_COLUMNS).where(Delivery.command_id == command_id, Delivery.device_id.in_(chunk))
            for m in db.execute(query).mappings():
                rows[(m["command_id"], m["device_id"])] = dict(m)
    changed: dict[tuple[str, str], tuple[dict[str, Any], set[str]]] = {}
    for item in acks:
        ack = item.ack
        key = (ack.command_id, item.device_id)
        row = rows.get(key)
        if row is None:
            MQTT_REJECTED.labels("ack_unknown_command").inc()
            continue
        if known is not None:
            known.append(item)
        _LATENCY[ack.status].observe(max(0.0, (item.at - issued[ack.command_id]).total_seconds()))
        if _is_terminal(row["status"]) or _is_replay_refusal(ack):
            continue
        fields: set[str] = set()
        for field in _TIME_FIELDS.get(ack.status, ()):
            if row[field] is None:
                row[field] = item.at
                fields.add(field)
        if ack.status.rank > _rank(row["status"]):
            row["status"] = ack.status.value
            fields.add("status")
            if ack.status.terminal:
                row["finished_at"] = item.at
                fields.add("finished_at")
                if row["received_at"] is None:
                    row["received_at"] = item.at
                    fields.add("received_at")
            if ack.reason is not None or ack.status.terminal:
                row["reason"] = ack.reason
                fields.add("reason")
        if fields:
            row["updated_at"] = item.at
            fields.add("updated_at")
            changed.setdefault(key, (row, set()))[1].update(fields)
    _write_changes(db, changed.values())
    return len(changed)


def _write_changes(db: Session, changed: Iterable[tuple[dict[str, Any], set[str]]]) -> None:
    """One executemany per set of changed columns (a batch of acks has one or two): only those columns are bound,
    and the statement is Core, not the ORM's bulk update (which binds and converts every column of every row)."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for row, fields in changed:
        params = {f: row[f] for f in fields}
        params["_command_id"], params["_device_id"] = row["command_id"], row["device_id"]
        groups[frozenset(fields)].append(params)
    table = Delivery.__table__
    assert isinstance(table, Table)
    for columns, batch in groups.items():
        statement = (
            update(table)
            .where(table.c.command_id == bindparam("_command_id"), table.c.device_id == bindparam("_device_id"))
            .values({c: bindparam(c) for c in sorted(columns)})
        )
        db.execute(statement, batch)


def resend_pending(db: Session, *, device_ids: list[str], now: datetime) -> int:
    """Queue the stored envelope of every unexpired, still-pending command of these devices; returns rows queued."""
    queued = 0
    for chunk in _chunks(sorted(set(device_ids))):
        rows = db.execute(
            select(Delivery.command_id, Delivery.device_id, Command.envelope, Command.expires_at)
            .join(Command, Command.id == Delivery.command_id)
            .where(Delivery.device_id.in_(chunk), Delivery.status == PENDING, Command.expires_at > now)
            .order_by(Command.issued_at, Command.id)
        ).all()
        if not rows:
            continue
        db.execute(
            insert(OutboxMessage),
            [
                {
                    "topic": device_topic(device_id, DeviceChannel.CMD),
                    "payload": envelope,
                    "qos": 1,
                    "retain": False,
                    "created_at": now,
                    "not_after": exp,
                }
                for _cid, device_id, envelope, exp in rows
            ],
        )
        db.execute(
            update(Delivery),
            [{"command_id": cid, "device_id": device_id, "resent_at": now} for cid, device_id, _e, _x in rows],
        )
        queued += len(rows)
    return queued


def _chunks(items: list[Any], size: int = _CHUNK) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
