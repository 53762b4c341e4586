"""Proof of play of a bulletin: what every device said about each of its play commands, by commune.

A bulletin plays through one or more commands (each slot occurrence or area of the programme, or an
emergency's fan-outs); each command's deliveries move only by that device's acks (``dispatch``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from protocols import CommandEnvelope, CommandPayload, CommandType
from protocols.signing import unb64url
from source_server.db import utcnow
from source_server.dispatch.models import Command, Delivery
from source_server.dispatch.report import shown_status
from source_server.dispatch.schemas import DELIVERY_STATES


@dataclass
class CommandProof:
    """One play command: when it was issued, when it was to start, its target and its delivery counts."""

    command_id: str
    issued_at: datetime
    start_at: datetime | None
    target: dict[str, object]
    expired: bool
    total: int
    counts: dict[str, int]


@dataclass
class Proof:
    """Counts per state overall and per commune, and per command."""

    bulletin_id: int
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DELIVERY_STATES, 0))
    by_commune: dict[str, dict[str, int]] = field(default_factory=dict)
    commands: list[CommandProof] = field(default_factory=list)


def _start_at(command: Command) -> datetime | None:
    try:
        envelope = CommandEnvelope.model_validate_json(command.envelope)
        body = CommandPayload.model_validate_json(unb64url(envelope.payload)).body
    except ValueError:
        return None
    value = body.get("start_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def bulletin_proof(db: Session, *, bulletin_id: int, communes: set[str] | None = None) -> Proof:
    """The bulletin's proof of play, limited to ``communes`` (None: all): two queries whatever its number of plays."""
    proof = Proof(bulletin_id=bulletin_id)
    plays = {
        c.id: c
        for c in db.scalars(
            select(Command).where(Command.bulletin_id == bulletin_id, Command.type == CommandType.PLAY.value)
        )
    }
    if not plays:
        return proof
    query = (
        select(Delivery.command_id, Delivery.commune_code, Delivery.status, func.count())
        .where(Delivery.command_id.in_(list(plays)))
        .group_by(Delivery.command_id, Delivery.commune_code, Delivery.status)
    )
    if communes is not None:
        query = query.where(Delivery.commune_code.in_(communes))
    now = utcnow()
    per_commune: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DELIVERY_STATES, 0))
    per_command: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DELIVERY_STATES, 0))
    for command_id, commune, raw, n in db.execute(query):
        state = shown_status(raw, plays[command_id].expires_at <= now)
        per_command[command_id][state] += n
        per_commune[commune or ""][state] += n
        proof.counts[state] += n
        proof.total += n
    for command in sorted(plays.values(), key=lambda c: (c.issued_at, c.id)):
        counts = per_command.get(command.id)
        if counts is None:
            continue
        proof.commands.append(
            CommandProof(
                command.id,
                command.issued_at,
                _start_at(command),
                command.target,
                command.expires_at <= now,
                sum(counts.values()),
                dict(counts),
            )
        )
    proof.by_commune = {c: dict(v) for c, v in sorted(per_commune.items())}
    return proof
