"""Dispatch logic: media intake, signed commands with their deliveries and outbox rows, in one transaction."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import String, func, insert, literal, select
from sqlalchemy.orm import Session

from protocols import (
    MAX_LIFETIME,
    Capability,
    CommandPayload,
    CommandType,
    OriginLevel,
    PlayBody,
    Priority,
    SigningKey,
    StreamRef,
    Target,
    dump,
    sign_command,
)
from source_server.accounts.service import audit
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.acks import PENDING
from source_server.dispatch.content import UnsupportedContent, extension, play_body, play_facts, sniff
from source_server.dispatch.content import media_url as media_url  # re-exported for callers outside dispatch
from source_server.dispatch.exceptions import ScheduleError
from source_server.dispatch.media import MediaStore
from source_server.dispatch.models import Command, Delivery, Media, OutboxMessage
from source_server.dispatch.targets import Resolved, resolve_target
from source_server.fleet.kinds import required_capability

START_MARGIN = timedelta(minutes=10)
"""How long after a scheduled play's end the command stays valid (late devices, slow downloads)."""
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_command_id() -> str:
    """A 26-character ULID: sortable by creation time, 80 random bits."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


class StorableAudio(Protocol):
    """Encoded audio ready for devices, as the audio pipeline returns it."""

    @property
    def data(self) -> bytes: ...
    @property
    def duration_ms(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def size(self) -> int: ...


def store_media(db: Session, *, store: MediaStore, audio: StorableAudio, original_name: str, actor: str) -> Media:
    """Write prepared audio to the store and record it (idempotent by hash)."""
    store.put_bytes(audio.data, extension(audio.content_type))
    media = db.get(Media, audio.sha256)
    if media is None:
        media = Media(
            sha256=audio.sha256,
            size=audio.size,
            duration_ms=audio.duration_ms,
            content_type=audio.content_type,
            original_name=original_name[:255],
            created_by=actor,
        )
        db.add(media)
        db.flush()
    return media


def store_content(
    db: Session, *, store: MediaStore, data: bytes, duration_ms: int, original_name: str, actor: str
) -> Media:
    """Store a file that plays as it is (a text frame, an image, a video), typed by its bytes, not by its name.

    ``duration_ms`` is how long it stays on screen. Audio is refused here: it goes through the audio pipeline
    (levelled and encoded) and ``store_media``. UnsupportedContent for bytes of no type the store keeps.
    """
    content_type = sniff(data)
    if required_capability(content_type) == Capability.AUDIO:
        raise UnsupportedContent("audio goes through the audio pipeline, not stored as it is")
    if duration_ms <= 0:
        raise UnsupportedContent("a displayed file needs a positive duration")
    sha256, _ = store.put_bytes(data, extension(content_type))
    media = db.get(Media, sha256)
    if media is None:
        media = Media(
            sha256=sha256,
            size=len(data),
            duration_ms=duration_ms,
            content_type=content_type,
            original_name=original_name[:255],
            created_by=actor,
        )
        db.add(media)
        db.flush()
    return media


def media_known(db: Session, *, sha256: str) -> bool:
    """True when this media is already recorded (its file then belongs to earlier commands too)."""
    return db.get(Media, sha256) is not None


def get_media(db: Session, *, sha256: str) -> Media | None:
    """The recorded media with this hash (its type, size and length), if any."""
    return db.get(Media, sha256)


def _audit_area(settings: Settings, target: Target, resolved: Resolved) -> str:
    if target.area is not None:
        return target.area[-1]
    communes = {commune for commune, _ in (resolved.devices or {}).values()}
    if target.devices is not None and len(communes) == 1:
        return next(iter(communes))
    return settings.province_code


def _write_deliveries(db: Session, *, command_id: str, resolved: Resolved) -> int:
    """One ``pending`` delivery per targeted device; returns how many (a province: one INSERT … SELECT)."""
    if resolved.devices is not None:
        rows = [{"command_id": command_id, "device_id": d, "commune_code": c, "device_kind": k, "status": PENDING}
                for d, (c, k) in resolved.devices.items()]  # fmt: skip
        db.execute(insert(Delivery), rows)
        return len(rows)
    assert resolved.query is not None
    devices = resolved.query.subquery()
    rows_of = select(
        literal(command_id, String), devices.c.id, devices.c.commune_code, devices.c.kind, literal(PENDING, String)
    )
    columns = ["command_id", "device_id", "commune_code", "device_kind", "status"]
    statement = insert(Delivery).from_select(columns, rows_of).execution_options(preserve_rowcount=True)
    return int(db.execute(statement).rowcount)  # type: ignore[attr-defined]


def create_command(
    db: Session,
    *,
    settings: Settings,
    signer: SigningKey,
    type: CommandType,
    body: BaseModel,
    target: Target,
    priority: Priority | str = Priority.NORMAL,
    origin: OriginLevel | str = OriginLevel.PROVINCE,
    title: str = "",
    actor: str,
    source_ip: str | None = None,
    ttl_s: int | None = None,
    exp: datetime | None = None,
    media_sha256: str | None = None,
    now: datetime | None = None,
    bulletin_id: int | None = None,
) -> Command:
    """Sign a command, resolve its devices now, write deliveries and outbox rows and an audit entry (no commit).

    A ``play`` (``body`` a ``PlayBody``, see ``dispatch.content.play_body``) reaches only the devices that can
    render its content kind, and records that kind, its start and its duration in the command's columns.
    """
    now = now or utcnow()
    iat = now.replace(microsecond=0)
    exp = exp or iat + timedelta(seconds=ttl_s or settings.command_ttl_s)
    if exp <= iat or exp - iat > MAX_LIFETIME:
        raise ScheduleError(f"a command must expire after it is issued and within {MAX_LIFETIME}")
    facts = None
    if CommandType(type) == CommandType.PLAY:
        play = body if isinstance(body, PlayBody) else PlayBody.model_validate(body.model_dump())
        try:
            facts = play_facts(play)
        except ValueError as exc:
            raise ScheduleError(str(exc)) from None
    resolved = resolve_target(db, target=target, capability=facts.content_kind if facts else None)
    payload = CommandPayload(
        id=new_command_id(),
        type=CommandType(type).value,
        iat=iat,
        exp=exp,
        target=target,
        priority=Priority(priority),
        origin=OriginLevel(origin),
        body=body.model_dump(mode="json", exclude_none=True),
    )
    envelope = dump(sign_command(payload, signer)).decode()
    command = Command(
        id=payload.id,
        type=payload.type,
        title=title[:200],
        target=target.model_dump(mode="json", exclude_none=True),
        priority=payload.priority.value,
        origin=payload.origin.value,
        media_sha256=media_sha256,
        envelope=envelope,
        topics=resolved.topics,
        issued_at=iat,
        expires_at=exp,
        created_by=actor,
        created_at=now,
        bulletin_id=bulletin_id,
        content_kind=facts.content_kind.value if facts else None,
        start_at=facts.start_at if facts else None,
        duration_ms=facts.duration_ms if facts else None,
    )
    db.add(command)
    db.flush()
    count = _write_deliveries(db, command_id=command.id, resolved=resolved)
    db.execute(
        insert(OutboxMessage),
        [
            {"topic": t, "payload": envelope, "qos": 1, "retain": False, "created_at": now, "not_after": exp}
            for t in resolved.topics
        ],
    )
    audit(
        db,
        actor=actor,
        action="broadcast.create" if payload.type == CommandType.PLAY else f"command.{payload.type}",
        object_type="command",
        object_id=command.id,
        area_code=_audit_area(settings, target, resolved),
        source_ip=source_ip,
        summary=f"{payload.type} {title!r} to {count} device(s)",
        detail={"target": command.target, "priority": command.priority, "devices": count},
    )
    return command


def create_broadcast(
    db: Session,
    *,
    settings: Settings,
    signer: SigningKey,
    media: Media | None = None,
    stream: StreamRef | None = None,
    target: Target,
    priority: Priority | str = Priority.NORMAL,
    origin: OriginLevel | str = OriginLevel.PROVINCE,
    title: str = "",
    actor: str,
    source_ip: str | None = None,
    start_at: datetime | None = None,
    ttl_s: int | None = None,
    now: datetime | None = None,
) -> Command:
    """A ``play`` of stored media or of a stream (exactly one), sent to the target's devices that can render it;
    with ``start_at`` it stays valid until the end of play plus a margin (a stream of no set length: the TTL)."""
    if (media is None) == (stream is None):
        raise ScheduleError("a play carries exactly one of media and stream")
    now = now or utcnow()
    length_ms = media.duration_ms if media is not None else stream.duration_ms if stream is not None else None
    exp = None
    if start_at is not None:
        if start_at.tzinfo is None:
            raise ScheduleError("start_at must carry a time zone")
        if start_at < now - timedelta(minutes=1):
            raise ScheduleError("start_at is in the past")
        margin = timedelta(seconds=ttl_s) if ttl_s else START_MARGIN
        if length_ms is not None:
            exp = start_at + timedelta(milliseconds=length_ms) + margin
        else:
            exp = max(start_at, now) + timedelta(seconds=ttl_s or settings.command_ttl_s)
    body = play_body(settings=settings, media=media, stream=stream, title=title, start_at=start_at)
    return create_command(
        db,
        settings=settings,
        signer=signer,
        type=CommandType.PLAY,
        body=body,
        target=target,
        priority=priority,
        origin=origin,
        title=title,
        actor=actor,
        source_ip=source_ip,
        ttl_s=ttl_s,
        exp=exp,
        media_sha256=media.sha256 if media is not None else None,
        now=now,
    )


def get_command(db: Session, *, command_id: str) -> Command | None:
    """One command by id."""
    return db.get(Command, command_id)


def list_commands(
    db: Session, *, communes: set[str] | None = None, limit: int = 50, offset: int = 0, type: str | None = None
) -> list[Command]:
    """Newest first; with ``communes``, only commands that reached a device of those communes."""
    query = select(Command).order_by(Command.issued_at.desc(), Command.id.desc())
    if type is not None:
        query = query.where(Command.type == type)
    if communes is not None:
        reached = select(Delivery.command_id).where(Delivery.commune_code.in_(communes))
        query = query.where(Command.id.in_(reached))
    return list(db.scalars(query.limit(limit).offset(offset)))


def delivery_count(db: Session, *, command_id: str) -> int:
    """How many devices a command targets."""
    return db.scalar(select(func.count()).select_from(Delivery).where(Delivery.command_id == command_id)) or 0


def reaches(db: Session, *, command_id: str, communes: set[str]) -> bool:
    """True when the command targets a device in one of ``communes``."""
    query = select(Delivery.device_id).where(Delivery.command_id == command_id, Delivery.commune_code.in_(communes))
    return db.execute(query.limit(1)).first() is not None
