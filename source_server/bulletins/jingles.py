"""Jingles (nhạc hiệu): intro and outro sounds an area's bulletins may start or end with (no HTTP).

An area's bulletin writers upload one in any common format; it passes the same checks as a bulletin's audio, at
most ``jingle_max_seconds`` long, and is kept as lossless FLAC of the decoded upload (before loudness processing
and MP3 coding), so every bulletin mixes it from the original. A bulletin may use its own area's jingles and its
province's. Deactivating a jingle hides it from new choices; bulletins that already use it keep it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.service import READ_ROLES, Principal, audit
from source_server.audio import pipeline
from source_server.audio.config import DEFAULT_CONFIG, PipelineConfig
from source_server.audio.exceptions import AudioRejected, describe
from source_server.bulletins.exceptions import BulletinErrorCode as Code
from source_server.bulletins.exceptions import InvalidBulletin, JingleNotFound, NotPermitted
from source_server.bulletins.models import Jingle
from source_server.bulletins.workflow import WRITE_ROLES
from source_server.db import utcnow
from source_server.dispatch.media import MediaStore
from source_server.dispatch.service import store_media
from source_server.fleet import service as fleet

KINDS = ("intro", "outro", "any")
"""``any``: usable as either."""
SLOTS = {"intro_jingle_id": "intro", "outro_jingle_id": "outro"}
"""A bulletin's jingle fields and the place each one plays."""
NAME_MAX = 100


def _path(db: Session, code: str) -> tuple[str, ...]:
    return fleet.area_path(db, code)


def fits(jingle: Jingle, slot: str) -> bool:
    """True when ``jingle`` may play as the ``intro`` or the ``outro``."""
    return jingle.kind in (slot, "any")


def _reach(db: Session, areas: Iterable[str]) -> set[str]:
    """Owners whose jingles someone with ``areas`` sees: those areas, the areas above them, and their communes."""
    out: set[str] = set()
    granted = set(areas)
    for code in granted:
        out.update(_path(db, code))
    out.update(a.code for a in fleet.list_areas(db) if a.parent_code in granted and a.level == "commune")
    return out


def usable_in(db: Session, *, area: str, slot: str | None = None, include_inactive: bool = False) -> list[Jingle]:
    """Jingles a bulletin owned by ``area`` may use (the area's own and those of the areas above), by name."""
    query = select(Jingle).where(Jingle.owner_area.in_(_path(db, area)))
    if not include_inactive:
        query = query.where(Jingle.active.is_(True))
    rows = [j for j in db.scalars(query.order_by(Jingle.name, Jingle.id)) if slot is None or fits(j, slot)]
    return rows


def usable_by_area(db: Session, areas: Iterable[str]) -> dict[str, list[Jingle]]:
    """``usable_in`` for several owning areas at once (one query: the bulletin form offers them per owner)."""
    rows = list(db.scalars(select(Jingle).where(Jingle.active.is_(True)).order_by(Jingle.name, Jingle.id)))
    out = {}
    for area in areas:
        path = set(_path(db, area))
        out[area] = [j for j in rows if j.owner_area in path]
    return out


def list_jingles(
    db: Session, *, principal: Principal, area: str | None = None, include_inactive: bool = False
) -> list[Jingle]:
    """Jingles the caller sees (of their areas, the province above them, communes below), or only those a bulletin
    of ``area`` may use; JingleNotFound(0) when ``area`` is not one the caller reads."""
    if area is not None:
        if not principal.can(READ_ROLES, _path(db, area)):
            raise JingleNotFound(0)
        return usable_in(db, area=area, include_inactive=include_inactive)
    owners = _reach(db, principal.areas_for(READ_ROLES))
    query = select(Jingle).where(Jingle.owner_area.in_(sorted(owners)))
    if not include_inactive:
        query = query.where(Jingle.active.is_(True))
    return list(db.scalars(query.order_by(Jingle.owner_area, Jingle.name, Jingle.id)))


def get(db: Session, *, principal: Principal, jingle_id: int) -> Jingle:
    """The jingle if the caller sees it; JingleNotFound otherwise."""
    jingle = db.get(Jingle, jingle_id)
    if jingle is None or jingle.owner_area not in _reach(db, principal.areas_for(READ_ROLES)):
        raise JingleNotFound(jingle_id)
    return jingle


def may_manage(db: Session, principal: Principal, owner_area: str) -> bool:
    """True when the caller may add or change jingles of ``owner_area`` (its bulletin writers)."""
    return principal.can(WRITE_ROLES, _path(db, owner_area))


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidBulletin(Code.JINGLE_NAME_EMPTY, "name", "the name is empty")
    if len(name) > NAME_MAX:
        raise InvalidBulletin(Code.JINGLE_NAME_LONG, "name", f"at most {NAME_MAX} characters", n=NAME_MAX)
    return name


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidBulletin(Code.JINGLE_KIND_UNKNOWN, "kind", f"must be one of {', '.join(KINDS)}")
    return kind


def check_new(db: Session, *, principal: Principal, owner_area: str, name: str, kind: str) -> tuple[str, str]:
    """Refuse, before any audio work, a jingle the caller may not add or whose name or kind is wrong."""
    owner = fleet.get_area(db, owner_area)
    if owner is None or owner.level not in ("province", "commune") or not owner.active:
        raise InvalidBulletin(
            Code.JINGLE_AREA_UNKNOWN, "owner_area", f"{owner_area!r} is not an active province or commune"
        )
    if not principal.can(READ_ROLES, _path(db, owner.code)):
        raise InvalidBulletin(
            Code.JINGLE_AREA_OUTSIDE, "owner_area", f"{owner_area} is outside your areas", code=owner_area
        )
    if not may_manage(db, principal, owner.code):
        raise NotPermitted("add a jingle", owner.code)
    return _clean_name(name), _check_kind(kind)


@dataclass(frozen=True)
class Prepared:
    """An accepted jingle: its lossless source and the same sound alone in the device format, to listen to."""

    source: pipeline.Source
    preview: pipeline.ProcessedAudio


def prepare(data: bytes, filename: str, *, config: PipelineConfig = DEFAULT_CONFIG) -> Prepared:
    """Decode and check an uploaded jingle (AudioRejected when unusable or over ``jingle_max_seconds``)."""
    source = pipeline.keep_source(data, filename, config=config, max_seconds=config.jingle_max_seconds)
    preview = pipeline.process_audio(
        source.data,
        "jingle.flac",
        config=dataclasses.replace(config, max_bytes=max(config.max_bytes, len(source.data))),
    )
    return Prepared(source, preview)


def create(
    db: Session,
    *,
    store: MediaStore,
    principal: Principal,
    owner_area: str,
    name: str,
    kind: str,
    prepared: Prepared,
    original_name: str = "",
    source_ip: str | None = None,
) -> Jingle:
    """Store a prepared jingle for ``owner_area`` (its writers only) and audit it."""
    name, kind = check_new(db, principal=principal, owner_area=owner_area, name=name, kind=kind)
    store.put_bytes(prepared.source.data, prepared.source.ext)
    preview = store_media(
        db, store=store, audio=prepared.preview, original_name=original_name or name, actor=principal.username
    )
    now = utcnow()
    jingle = Jingle(
        name=name,
        kind=kind,
        owner_area=owner_area,
        source_sha256=prepared.source.sha256,
        preview_sha256=preview.sha256,
        duration_ms=prepared.source.duration_ms,
        original_name=original_name[:255],
        created_by=principal.username,
        created_at=now,
        updated_at=now,
    )
    db.add(jingle)
    db.flush()
    audit(db, actor=principal.username, action="jingle.created", object_type="jingle", object_id=str(jingle.id),
          area_code=owner_area, source_ip=source_ip, summary=name,
          detail={"kind": kind, "source": jingle.source_sha256, "duration_ms": jingle.duration_ms,
                  "file": original_name[:255]})  # fmt: skip
    return jingle


async def upload(
    *,
    sessions: sessionmaker[Session],
    store: MediaStore,
    max_bytes: int,
    principal: Principal,
    owner_area: str,
    name: str,
    kind: str,
    data: bytes,
    filename: str,
    source_ip: str | None = None,
) -> Jingle:
    """Check the request, put the file through the pipeline off the event loop, then store the jingle.

    ``max_bytes``: the upload limit (``Settings.max_upload_bytes``). InvalidBulletin("audio", …) in the pipeline's
    words for a file that is not usable; nothing is stored then."""
    with sessions() as db:
        check_new(db, principal=principal, owner_area=owner_area, name=name, kind=kind)
    config = PipelineConfig(max_bytes=max_bytes)
    try:
        prepared = await asyncio.to_thread(prepare, data, filename, config=config)
    except AudioRejected as exc:
        raise InvalidBulletin(Code.AUDIO_REJECTED, "audio", describe(exc), reason=str(exc.reason)) from None
    with sessions.begin() as db:
        return create(
            db, store=store, principal=principal, owner_area=owner_area, name=name, kind=kind,
            prepared=prepared, original_name=filename, source_ip=source_ip,
        )  # fmt: skip


def update(
    db: Session, *, principal: Principal, jingle_id: int, changes: Mapping[str, Any], source_ip: str | None = None
) -> Jingle:
    """Rename, change the kind, deactivate or reactivate (the area's writers); audited when something changed."""
    jingle = get(db, principal=principal, jingle_id=jingle_id)
    if not may_manage(db, principal, jingle.owner_area):
        raise NotPermitted("change a jingle", jingle.owner_area)
    unknown = set(changes) - {"name", "kind", "active"}
    if unknown:
        raise InvalidBulletin(Code.READ_ONLY, sorted(unknown)[0], "cannot be changed")
    wanted = dict(changes)
    if "name" in wanted:
        wanted["name"] = _clean_name(str(wanted["name"]))
    if "kind" in wanted:
        wanted["kind"] = _check_kind(str(wanted["kind"]))
    if "active" in wanted:
        wanted["active"] = bool(wanted["active"])
    before = {k: getattr(jingle, k) for k in wanted}
    changed = {k: v for k, v in wanted.items() if before[k] != v}
    if not changed:
        return jingle
    for k, v in changed.items():
        setattr(jingle, k, v)
    jingle.updated_at = utcnow()
    action = "jingle.updated"
    if set(changed) == {"name"}:
        action = "jingle.renamed"
    elif set(changed) == {"active"}:
        action = "jingle.activated" if jingle.active else "jingle.deactivated"
    audit(db, actor=principal.username, action=action, object_type="jingle", object_id=str(jingle.id),
          area_code=jingle.owner_area, source_ip=source_ip, summary=jingle.name,
          detail={k: {"from": before[k], "to": v} for k, v in changed.items()})  # fmt: skip
    db.flush()
    return jingle


def check_choice(db: Session, *, owner_area: str, field: str, jingle_id: int | None) -> None:
    """Refuse (InvalidBulletin on ``field``) a jingle a bulletin of ``owner_area`` may not newly choose."""
    if jingle_id is None:
        return
    jingle = db.get(Jingle, jingle_id)
    if jingle is None or jingle.owner_area not in _path(db, owner_area):
        raise InvalidBulletin(Code.JINGLE_OUTSIDE, field, f"jingle {jingle_id} is outside area {owner_area}")
    if not jingle.active:
        raise InvalidBulletin(Code.JINGLE_INACTIVE, field, f"jingle {jingle_id} is no longer active")
    slot = SLOTS[field]
    if not fits(jingle, slot):
        raise InvalidBulletin(Code.JINGLE_WRONG_KIND, field, f"jingle {jingle_id} is an {jingle.kind}, not an {slot}")


def check_for_preview(db: Session, *, principal: Principal, field: str, jingle_id: int | None) -> None:
    """Refuse a jingle for a speech preview unless it is active, fits and belongs near one of the caller's areas."""
    if jingle_id is None:
        return
    jingle = db.get(Jingle, jingle_id)
    if jingle is None or jingle.owner_area not in _reach(db, principal.areas_for(WRITE_ROLES)):
        raise InvalidBulletin(Code.JINGLE_OUTSIDE, field, f"jingle {jingle_id} is outside your areas")
    if not jingle.active:
        raise InvalidBulletin(Code.JINGLE_INACTIVE, field, f"jingle {jingle_id} is no longer active")
    if not fits(jingle, SLOTS[field]):
        raise InvalidBulletin(
            Code.JINGLE_WRONG_KIND, field, f"jingle {jingle_id} is an {jingle.kind}, not an {SLOTS[field]}"
        )


def sound(db: Session, store: MediaStore, jingle_id: int | None, slot: str) -> pipeline.Jingle | None:
    """The stored source of a chosen jingle, ready for the pipeline (None when none is chosen)."""
    if jingle_id is None:
        return None
    jingle = db.get(Jingle, jingle_id)
    path = store.path_for(jingle.source_sha256, "flac") if jingle is not None else None
    if path is None:
        message = f"the audio of jingle {jingle_id} is missing from the media store"
        raise InvalidBulletin(Code.JINGLE_MISSING, f"{slot}_jingle_id", message)
    return pipeline.Jingle(path.read_bytes(), f"{slot}.flac")


def sounds(
    db: Session, store: MediaStore, intro_id: int | None, outro_id: int | None
) -> tuple[pipeline.Jingle | None, pipeline.Jingle | None]:
    """The chosen intro and outro, ready to be mixed: the one place bulletin audio gets its jingles from."""
    return sound(db, store, intro_id, "intro"), sound(db, store, outro_id, "outro")


def names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the jingles with these ids."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {j.id: j.name for j in db.scalars(select(Jingle).where(Jingle.id.in_(sorted(wanted))))}
