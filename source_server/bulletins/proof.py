"""Proof of play of a bulletin: what every device said about each of its play commands, by commune.

A bulletin plays through one or more commands (each slot occurrence or area of the programme, or an
emergency's fan-outs); each command's deliveries move only by that device's acks (``dispatch``). The proof
counts them by state (``dispatch.report.shown_status``: a device still silent after its command expired is
``not_reached``); ``interrupted`` (a play cut short: power loss, crash, the device gone offline mid-play) is
counted apart and never as played in full. ``proof_devices`` lists the devices behind any of those counts,
filtered the same way, with the device's own times (its clock corrected by the skew the server knows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from protocols import CommandType
from source_server.bulletins.exceptions import BulletinErrorCode as Code
from source_server.bulletins.exceptions import InvalidBulletin
from source_server.db import utcnow
from source_server.dispatch.acks import PENDING
from source_server.dispatch.models import Command, Delivery
from source_server.dispatch.report import NOT_REACHED, shown_status
from source_server.dispatch.schemas import DELIVERY_STATES
from source_server.fleet.models import Device

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


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
    content_kind: str | None = None
    """What the play played (audio, text, image, video, stream)."""
    duration_ms: int | None = None


@dataclass
class Proof:
    """Counts per state overall, per commune, per device kind (speaker, eboard), and per command."""

    bulletin_id: int
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DELIVERY_STATES, 0))
    by_commune: dict[str, dict[str, int]] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    """Device kind ('' when unknown) → counts per state: loudspeakers and boards apart."""
    commands: list[CommandProof] = field(default_factory=list)


@dataclass(frozen=True)
class DeviceProof:
    """One device's delivery of one play of the bulletin, in the state the proof counts it."""

    device_id: str
    name: str
    """The device's name now ('' when the device was deleted since)."""
    commune_code: str
    """The commune the device was in when the command was sent (what the proof counts it under)."""
    command_id: str
    state: str
    reason: str | None
    received_at: datetime | None
    downloaded_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    position_ms: int | None = None
    """How far an ``interrupted`` play got (None otherwise)."""


@dataclass
class DeviceProofPage:
    """A page of the devices behind a proof's counts, with the counts per state under the same commune and play."""

    items: list[DeviceProof]
    total: int
    """Rows matching every filter (one row per device and play)."""
    page: int
    page_size: int
    counts: dict[str, int]
    """Per shown state, under the commune and play filters (the state filter aside): the proof's own counts."""
    communes: list[str]
    """Codes of the communes the bulletin reached inside the caller's scope (for the commune filter)."""
    plays: list[CommandProof]
    """The bulletin's plays that reached the caller's scope, oldest first (for the play filter)."""


def proof_scope(areas: Collection[str], province_code: str) -> set[str] | None:
    """The communes a reader of ``areas`` sees in a proof: None (all) with a grant on the province itself."""
    return None if province_code in areas else set(areas)


def bulletin_plays(db: Session, *, bulletin_id: int) -> list[Command]:
    """The bulletin's play commands, oldest first."""
    query = select(Command).where(Command.bulletin_id == bulletin_id, Command.type == CommandType.PLAY.value)
    return list(db.scalars(query.order_by(Command.issued_at, Command.id)))


def _shown_counts(
    db: Session, plays: Sequence[Command], communes: set[str] | None, now: datetime
) -> list[tuple[str, str, str, int, str]]:
    """(command id, commune code or '', shown state, devices, device kind or '') of the plays' deliveries in
    ``communes``: one query."""
    if not plays:
        return []
    expired = {c.id: c.expires_at <= now for c in plays}
    query = (
        select(Delivery.command_id, Delivery.commune_code, Delivery.status, func.count(), Delivery.device_kind)
        .where(Delivery.command_id.in_(list(expired)))
        .group_by(Delivery.command_id, Delivery.commune_code, Delivery.status, Delivery.device_kind)
    )
    if communes is not None:
        query = query.where(Delivery.commune_code.in_(communes))
    rows = db.execute(query)
    return [(c, commune or "", shown_status(raw, expired[c]), n, kind or "") for c, commune, raw, n, kind in rows]


def _command_proofs(
    plays: Sequence[Command], per_command: dict[str, dict[str, int]], now: datetime
) -> list[CommandProof]:
    """The plays that have deliveries in ``per_command``, oldest first."""
    out = []
    for command in sorted(plays, key=lambda c: (c.issued_at, c.id)):
        counts = per_command.get(command.id)
        if counts is None:
            continue
        out.append(
            CommandProof(
                command.id,
                command.issued_at,
                command.start_at,
                command.target,
                command.expires_at <= now,
                sum(counts.values()),
                dict(counts),
                command.content_kind,
                command.duration_ms,
            )
        )
    return out


def _zeros() -> dict[str, int]:
    return dict.fromkeys(DELIVERY_STATES, 0)


def bulletin_proof(db: Session, *, bulletin_id: int, communes: set[str] | None = None) -> Proof:
    """The bulletin's proof of play, limited to ``communes`` (None: all): two queries whatever its number of plays."""
    proof = Proof(bulletin_id=bulletin_id)
    plays = bulletin_plays(db, bulletin_id=bulletin_id)
    now = utcnow()
    per_commune: dict[str, dict[str, int]] = defaultdict(_zeros)
    per_command: dict[str, dict[str, int]] = defaultdict(_zeros)
    per_kind: dict[str, dict[str, int]] = defaultdict(_zeros)
    for command_id, commune, state, n, kind in _shown_counts(db, plays, communes, now):
        per_command[command_id][state] += n
        per_commune[commune][state] += n
        per_kind[kind][state] += n
        proof.counts[state] += n
        proof.total += n
    proof.commands = _command_proofs(plays, per_command, now)
    proof.by_commune = {c: dict(v) for c, v in sorted(per_commune.items())}
    proof.by_kind = {k: dict(v) for k, v in sorted(per_kind.items())}
    return proof


@dataclass(frozen=True)
class _Filters:
    communes: set[str] | None
    commune: str | None
    state: str | None
    command_id: str | None


def _checked(plays: Sequence[Command], f: _Filters) -> None:
    """Refuse a state that is not a shown state and a play that is not one of the bulletin's (InvalidBulletin)."""
    if f.state is not None and f.state not in DELIVERY_STATES:
        raise InvalidBulletin(Code.STATE_FILTER_UNKNOWN, "state", f"unknown delivery state {f.state!r}")
    if f.command_id is not None and f.command_id not in {c.id for c in plays}:
        raise InvalidBulletin(Code.COMMAND_NOT_PLAY, "command", f"{f.command_id!r} is not a play of this bulletin")


def _communes(f: _Filters) -> set[str] | None:
    """The communes to list: the asked one if the scope holds it (else none), or the whole scope."""
    if f.commune is None:
        return f.communes
    return {f.commune} if f.communes is None or f.commune in f.communes else set()


def _device_query(plays: Sequence[Command], f: _Filters, now: datetime) -> Select[Delivery, str] | None:
    """The deliveries matching every filter with the devices' names, in list order; None when nothing can match."""
    chosen = [c for c in plays if f.command_id is None or c.id == f.command_id]
    status = f.state
    if f.state in (PENDING, NOT_REACHED):  # a silent device is pending until its command expires, then not reached
        chosen = [c for c in chosen if (c.expires_at <= now) == (f.state == NOT_REACHED)]
        status = PENDING
    communes = _communes(f)
    if not chosen or communes == set():
        return None
    query = (
        select(Delivery, Device.name)
        .outerjoin(Device, Device.id == Delivery.device_id)
        .where(Delivery.command_id.in_([c.id for c in chosen]))
    )
    if status is not None:
        query = query.where(Delivery.status == status)
    if communes is not None:
        query = query.where(Delivery.commune_code.in_(communes))
    return query.order_by(Delivery.commune_code, Delivery.device_id, Delivery.command_id)


def _rows(db: Session, query: Select[Delivery, str], expired: dict[str, bool]) -> Iterator[DeviceProof]:
    for d, name in db.execute(query):
        yield DeviceProof(
            device_id=d.device_id,
            name=name or "",
            commune_code=d.commune_code or "",
            command_id=d.command_id,
            state=shown_status(d.status, expired[d.command_id]),
            reason=d.reason,
            received_at=d.received_at,
            downloaded_at=d.downloaded_at,
            started_at=d.started_at,
            finished_at=d.finished_at,
            position_ms=d.position_ms if d.status == "interrupted" else None,
        )


def proof_devices(
    db: Session,
    *,
    bulletin_id: int,
    communes: set[str] | None = None,
    commune: str | None = None,
    state: str | None = None,
    command_id: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> DeviceProofPage:
    """The devices behind the proof's counts, one row per device and play, by commune then device, a page at a time.

    ``communes`` is the caller's scope (None: all); ``commune``, ``state`` and ``command_id`` filter as the proof
    counts (a commune outside the scope lists nothing); a page past the end gives the last page. Three queries:
    the plays, the counts (which give the total), the page. Raises InvalidBulletin for an unknown state or a
    command that is not a play of this bulletin.
    """
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError("page must be ≥ 1 and page_size between 1 and 1000")
    now = now or utcnow()
    f = _Filters(communes, commune, state, command_id)
    plays = bulletin_plays(db, bulletin_id=bulletin_id)
    _checked(plays, f)
    counts, reached = _zeros(), set[str]()
    per_command: dict[str, dict[str, int]] = defaultdict(_zeros)
    asked = _communes(f)
    for cid, code, shown, n, _kind in _shown_counts(db, plays, communes, now):
        reached.add(code)
        per_command[cid][shown] += n
        if (command_id is None or cid == command_id) and (asked is None or code in asked):
            counts[shown] += n
    total = counts[state] if state is not None else sum(counts.values())
    page = min(page, max(1, -(-total // page_size)))
    items: list[DeviceProof] = []
    query = _device_query(plays, f, now) if total else None
    if query is not None:
        expired = {c.id: c.expires_at <= now for c in plays}
        items = list(_rows(db, query.limit(page_size).offset((page - 1) * page_size), expired))
    return DeviceProofPage(
        items=items,
        total=total,
        page=page,
        page_size=page_size,
        counts=counts,
        communes=sorted(c for c in reached if c),
        plays=_command_proofs(plays, per_command, now),
    )


def proof_device_rows(
    db: Session,
    *,
    bulletin_id: int,
    communes: set[str] | None = None,
    commune: str | None = None,
    state: str | None = None,
    command_id: str | None = None,
    now: datetime | None = None,
) -> Iterator[DeviceProof]:
    """Every row ``proof_devices`` would page through with the same filters (for an export), read in batches."""
    now = now or utcnow()
    f = _Filters(communes, commune, state, command_id)
    plays = bulletin_plays(db, bulletin_id=bulletin_id)
    _checked(plays, f)
    query = _device_query(plays, f, now)
    if query is None:
        return iter(())
    expired = {c.id: c.expires_at <= now for c in plays}
    return _rows(db, query.execution_options(yield_per=1000), expired)
