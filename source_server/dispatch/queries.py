"""Read side of dispatch for the operator UI: the commands one device received and what it said about each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols.signing import unb64url
from source_server.db import utcnow
from source_server.dispatch.acks import PENDING
from source_server.dispatch.models import Command, Delivery
from source_server.dispatch.report import NOT_REACHED

MAX_DEVICE_COMMANDS = 200


@dataclass(frozen=True)
class DeviceCommand:
    """One command as one device lived it: what was sent, by whom, and the device's delivery state."""

    id: str
    type: str
    title: str
    priority: str
    body: dict[str, Any]
    issued_at: datetime
    expires_at: datetime
    created_by: str | None
    status: str
    """The delivery state shown: an ack status, ``pending``, or ``not_reached`` (silent past expiry)."""
    reason: str | None
    received_at: datetime | None
    downloaded_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime | None
    position_ms: int | None = None
    """How far an ``interrupted`` play got."""


def envelope_body(envelope: str) -> dict[str, Any]:
    """The ``body`` of a stored signed envelope ({} when it cannot be read: display only, never trusted)."""
    try:
        payload = json.loads(unb64url(json.loads(envelope)["payload"]))
        body = payload.get("body")
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}
    return body if isinstance(body, dict) else {}


def device_commands(
    db: Session, *, device_id: str, limit: int = 20, now: datetime | None = None
) -> list[DeviceCommand]:
    """The last ``limit`` commands whose delivery includes ``device_id``, newest first, with its state for each."""
    if not 1 <= limit <= MAX_DEVICE_COMMANDS:
        raise ValueError(f"limit must be between 1 and {MAX_DEVICE_COMMANDS}")
    now = now or utcnow()
    rows = db.execute(
        select(Command, Delivery)
        .join(Delivery, Delivery.command_id == Command.id)
        .where(Delivery.device_id == device_id)
        .order_by(Command.issued_at.desc(), Command.id.desc())
        .limit(limit)
    ).all()
    out = []
    for command, delivery in rows:
        status = delivery.status
        if status == PENDING and command.expires_at <= now:
            status = NOT_REACHED
        out.append(
            DeviceCommand(
                id=command.id,
                type=command.type,
                title=command.title,
                priority=command.priority,
                body=envelope_body(command.envelope),
                issued_at=command.issued_at,
                expires_at=command.expires_at,
                created_by=command.created_by,
                status=status,
                reason=delivery.reason,
                received_at=delivery.received_at,
                downloaded_at=delivery.downloaded_at,
                started_at=delivery.started_at,
                finished_at=delivery.finished_at,
                updated_at=delivery.updated_at,
                position_ms=delivery.position_ms,
            )
        )
    return out
