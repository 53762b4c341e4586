"""Proof of play of a bulletin: what every device said about each of its play commands, by commune.

A bulletin plays through one or more commands (each slot occurrence or area of the programme, or an
emergency's fan-outs); each command's deliveries move only by that device's acks (``dispatch``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import CommandEnvelope, CommandPayload, CommandType
from protocols.signing import unb64url
from source_server.dispatch.models import Command
from source_server.dispatch.report import delivery_report
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
    """The bulletin's proof of play, limited to ``communes`` (None: all)."""
    proof = Proof(bulletin_id=bulletin_id)
    per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DELIVERY_STATES, 0))
    plays = db.scalars(
        select(Command)
        .where(Command.bulletin_id == bulletin_id, Command.type == CommandType.PLAY.value)
        .order_by(Command.issued_at, Command.id)
    )
    for command in plays:
        report = delivery_report(db, command_id=command.id, communes=communes, page_size=1)
        if report is None or report.total == 0:
            continue
        proof.commands.append(
            CommandProof(
                command.id,
                command.issued_at,
                _start_at(command),
                command.target,
                report.expired,
                report.total,
                report.counts,
            )
        )
        proof.total += report.total
        for state, n in report.counts.items():
            proof.counts[state] = proof.counts.get(state, 0) + n
        for commune, counts in report.by_commune.items():
            for state, n in counts.items():
                per[commune][state] += n
    proof.by_commune = {c: dict(v) for c, v in sorted(per.items())}
    return proof
