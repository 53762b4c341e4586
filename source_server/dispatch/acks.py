"""Applying device acks to deliveries (in batches) and re-sending pending commands to devices that come back."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from protocols import Ack, AckStatus, DeviceChannel, RejectReason, device_topic
from source_server.dispatch.models import Command, Delivery, OutboxMessage
from source_server.metrics import DISPATCH_ACK_LATENCY, MQTT_REJECTED

PENDING = "pending"
_CHUNK = 400
_TIME_FIELD = {
    AckStatus.RECEIVED: "received_at",
    AckStatus.DOWNLOADED: "downloaded_at",
    AckStatus.STARTED: "started_at",
}
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


def _rank(status: str) -> int:
    return 0 if status == PENDING else AckStatus(status).rank


def _is_terminal(status: str) -> bool:
    return status != PENDING and AckStatus(status).terminal


def _is_replay_refusal(ack: Ack) -> bool:
    """A re-sent command the device already holds: not news about the delivery."""
    return ack.status is AckStatus.REJECTED and (ack.reason or "").startswith(RejectReason.REPLAY.value)


def apply_acks(db: Session, acks: list[AckIn]) -> int:
    """Move deliveries forward by ``acks`` (never backward, terminal is final); returns rows updated (no commit)."""
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
    changed: dict[tuple[str, str], dict[str, Any]] = {}
    for item in acks:
        ack = item.ack
        row = rows.get((ack.command_id, item.device_id))
        if row is None:
            MQTT_REJECTED.labels("ack_unknown_command").inc()
            continue
        DISPATCH_ACK_LATENCY.labels(ack.status.value).observe(
            max(0.0, (item.at - issued[ack.command_id]).total_seconds())
        )
        if _is_terminal(row["status"]) or _is_replay_refusal(ack):
            continue
        field = _TIME_FIELD.get(ack.status)
        touched = False
        if field is not None and row[field] is None:
            row[field] = item.at
            touched = True
        if ack.status.rank > _rank(row["status"]):
            row["status"] = ack.status.value
            if ack.status.terminal:
                row["finished_at"] = item.at
                if row["received_at"] is None:
                    row["received_at"] = item.at
            if ack.reason is not None or ack.status.terminal:
                row["reason"] = ack.reason
            touched = True
        if touched:
            row["updated_at"] = item.at
            changed[(ack.command_id, item.device_id)] = row
    if changed:
        db.execute(update(Delivery), list(changed.values()))
    return len(changed)


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
