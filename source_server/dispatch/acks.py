"""Applying device acks to deliveries (in batches) and re-sending pending commands to devices that come back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from protocols import Ack, AckStatus, DeviceChannel, RejectReason, device_topic
from source_server.dispatch.clock import server_time
from source_server.dispatch.models import Command, Delivery, OutboxMessage
from source_server.metrics import DISPATCH_ACK_LATENCY, MQTT_REJECTED, observe_many

PENDING = "pending"
WENT_OFFLINE = "went_offline"
"""The reason of an ``interrupted`` the server guessed when the device went offline mid-play (R3)."""
_ZERO = timedelta(0)
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
    Delivery.position_ms,
    Delivery.updated_at,
)

_KEYS = tuple(c.key for c in _COLUMNS)


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


def is_refused_copy(ack: Ack) -> bool:
    """A refusal of an envelope whose signature was never proven (R2): it says nothing of the id it names."""
    if ack.status is not AckStatus.REJECTED or not ack.reason:
        return False
    return ack.reason.split(":", 1)[0].strip() in _UNVERIFIED


_UNVERIFIED = frozenset(r.value for r in RejectReason if r.unverified)


def apply_acks(
    db: Session,
    acks: list[AckIn],
    *,
    skews: Mapping[str, timedelta] | None = None,
    known: list[AckIn] | None = None,
) -> int:
    """Move deliveries forward by ``acks`` (never backward, terminal is final); returns rows updated (no commit).

    Times are the device's ``at`` corrected by ``skews`` (device id → server - device clock) and clamped to
    [issued, received]. A refused copy (:func:`is_refused_copy`) only leaves its reason on a still-pending
    delivery. ``interrupted`` may be said again (the device's word replaces the server's guess).
    An ack for a command the device was never sent is counted and dropped; ``known`` collects the others but refused
    copies (only those are signs of life of the device: on a broker without ACL anyone can publish on its ack topic).
    """
    skews = skews or {}
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
            for r in db.execute(query):  # plain rows zipped with the keys: RowMapping and dict(m) cost twice as much
                rows[(r[0], r[1])] = dict(zip(_KEYS, r, strict=True))
    changed: dict[tuple[str, str], tuple[dict[str, Any], set[str]]] = {}
    latencies: dict[AckStatus, list[float]] = defaultdict(list)
    for item in acks:
        ack = item.ack
        key = (ack.command_id, item.device_id)
        row = rows.get(key)
        if row is None:
            if not is_refused_copy(ack):  # a refused copy of any id is a security event, recorded by the caller
                MQTT_REJECTED.labels("ack_unknown_command").inc()
            continue
        if known is not None and not is_refused_copy(ack):
            known.append(item)
        when = issued[ack.command_id]
        latencies[ack.status].append(max(0.0, (item.at - when).total_seconds()))
        fields = _fields_changed(row, ack, item, when, skews)
        if fields:
            row["updated_at"] = item.at
            fields.add("updated_at")
            changed.setdefault(key, (row, set()))[1].update(fields)
    for status, seconds in latencies.items():
        observe_many(_LATENCY[status], seconds)
    _write_changes(db, changed.values())
    return len(changed)


def _fields_changed(
    row: dict[str, Any], ack: Ack, item: AckIn, issued: datetime, skews: Mapping[str, timedelta]
) -> set[str]:
    """Apply one ack to its delivery row in memory (R2-R5 of issue 9); returns the columns it changed."""
    fields: set[str] = set()
    status = row["status"]
    if _is_terminal(status) or _is_replay_refusal(ack):
        return fields
    if is_refused_copy(ack):
        if status == PENDING and row["reason"] != ack.reason:
            row["reason"] = ack.reason
            fields.add("reason")
        return fields
    if ack.status is AckStatus.REJECTED and status != PENDING:
        return fields  # the device accepted this command: a later refusal can only be of a copy (R1, R4)
    at = server_time(ack.at, skews.get(item.device_id, _ZERO), issued=issued, received=item.at)
    for field in _TIME_FIELDS.get(ack.status, ()):
        if row[field] is None:
            row[field] = at
            fields.add(field)
    again = ack.status is AckStatus.INTERRUPTED and status == AckStatus.INTERRUPTED.value
    if ack.status.rank > _rank(status) or again:
        row["status"] = ack.status.value
        row["reason"] = ack.reason
        fields.update(("status", "reason"))
        if ack.status.terminal or ack.status is AckStatus.INTERRUPTED:
            row["finished_at"] = at
            fields.add("finished_at")
            if row["received_at"] is None:
                row["received_at"] = at
                fields.add("received_at")
        if ack.status is AckStatus.INTERRUPTED:
            row["position_ms"] = ack.position_ms
            fields.add("position_ms")
    return fields


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


@dataclass(frozen=True, slots=True)
class OfflineIn:
    """A device marked offline (its Will applied) at ``at``, last heard from at ``last_seen``."""

    device_id: str
    at: datetime
    last_seen: datetime | None


def mark_interrupted(db: Session, offline: list[OfflineIn], *, now: datetime) -> int:
    """Deliveries still ``started`` on devices that went offline become ``interrupted`` (R3); returns rows.

    How far it got: ``min(duration, last sign of life - started_at)``. Only plays started before the device went
    offline (a later ``started``, after it came back in the same batch, is left alone); a later ``done`` or
    ``interrupted`` from the device supersedes this guess (``apply_acks``).
    """
    latest: dict[str, OfflineIn] = {}
    for o in offline:
        if o.device_id not in latest or latest[o.device_id].at <= o.at:
            latest[o.device_id] = o
    updates: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(latest)):
        query = (
            select(Delivery.command_id, Delivery.device_id, Delivery.started_at, Command.duration_ms)
            .join(Command, Command.id == Delivery.command_id)
            .where(Delivery.device_id.in_(chunk), Delivery.status == AckStatus.STARTED.value)
        )
        for command_id, device_id, started_at, duration_ms in db.execute(query):
            o = latest[device_id]
            if started_at is None or started_at > o.at:
                continue
            alive = min(o.last_seen or o.at, o.at)
            position = max(0, int((alive - started_at).total_seconds() * 1000))
            if duration_ms:
                position = min(position, duration_ms)
            updates.append(
                {
                    "_command_id": command_id,
                    "_device_id": device_id,
                    "status": AckStatus.INTERRUPTED.value,
                    "reason": WENT_OFFLINE,
                    "position_ms": position,
                    "finished_at": started_at + timedelta(milliseconds=position),
                    "updated_at": now,
                }
            )
    if updates:
        table = Delivery.__table__
        assert isinstance(table, Table)
        statement = (
            update(table)
            .where(
                table.c.command_id == bindparam("_command_id"),
                table.c.device_id == bindparam("_device_id"),
                table.c.status == AckStatus.STARTED.value,
            )
            .values({c: bindparam(c) for c in ("status", "reason", "position_ms", "finished_at", "updated_at")})
        )
        db.execute(statement, updates)
    return len(updates)


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
