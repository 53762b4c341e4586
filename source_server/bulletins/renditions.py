"""A bulletin's renditions as other domains read them, and its audio rendition kept in line with its audio.

Other packages reach these through ``bulletins.service`` (which re-exports them): ``find``/``find_many`` (the
engines' unscoped lookups), ``renditions_of``/``rendition_for``, ``with_rendition`` (what a programme may be
offered) and ``ids_in_state``. Renditions other than audio are added and removed in ``service`` (as edits).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from protocols import Capability
from source_server.bulletins.exceptions import BulletinErrorCode as Code
from source_server.bulletins.exceptions import InvalidBulletin
from source_server.bulletins.models import Bulletin, Rendition
from source_server.db import utcnow
from source_server.dispatch.service import get_media

_CHUNK = 500


def kind_of(content_type: str) -> str:
    """The rendition kind a stored file of ``content_type`` is (audio/*, text/*, image/*, video/*)."""
    return content_type.split("/", 1)[0].strip().lower()


def put_audio(db: Session, bulletin: Bulletin, sha256: str | None, actor: str) -> None:
    """Make the media ``sha256`` the bulletin's audio rendition (changed in place: one rendition per kind), or
    drop its audio rendition when None. Its length is the media's."""
    current = bulletin.rendition(Capability.AUDIO)
    if sha256 is None:
        if current is not None:
            bulletin.renditions.remove(current)
        return
    media = get_media(db, sha256=sha256)
    if media is None:
        raise InvalidBulletin(
            Code.MEDIA_UNKNOWN, "media_sha256", f"no media {sha256} in the store; upload the file first"
        )
    if current is None:
        current = Rendition(kind=Capability.AUDIO.value)
        bulletin.renditions.append(current)
    current.content_type, current.media_sha256, current.url = media.content_type, media.sha256, None
    current.duration_ms, current.created_by, current.created_at = media.duration_ms, actor, utcnow()


def find(db: Session, bulletin_id: int) -> Bulletin | None:
    """The bulletin, unscoped: for engines (the programme, dispatch) that check access their own way."""
    return db.get(Bulletin, bulletin_id)


def find_many(db: Session, bulletin_ids: Iterable[int]) -> dict[int, Bulletin]:
    """Bulletins by id, unscoped, in a few queries with their renditions (versions and decisions left unloaded)."""
    ids = sorted(set(bulletin_ids))
    out: dict[int, Bulletin] = {}
    for n in range(0, len(ids), _CHUNK):
        query = select(Bulletin).where(Bulletin.id.in_(ids[n : n + _CHUNK]))
        for bulletin in db.scalars(query.options(lazyload(Bulletin.versions), lazyload(Bulletin.decisions))):
            out[bulletin.id] = bulletin
    return out


def renditions_of(db: Session, bulletin_id: int) -> list[Rendition]:
    """Every rendition of the bulletin (empty for an unknown id), by kind."""
    bulletin = find(db, bulletin_id)
    return list(bulletin.renditions) if bulletin else []


def rendition_for(db: Session, bulletin_id: int, kind: Capability | str) -> Rendition | None:
    """The bulletin's rendition of ``kind`` (what a device with that capability plays), if it has one."""
    bulletin = find(db, bulletin_id)
    return bulletin.rendition(kind) if bulletin else None


def with_rendition(
    db: Session,
    *,
    kind: Capability | str,
    owner_areas: Collection[str],
    states: Collection[str],
    now: datetime,
    exclude_priority: Collection[str] = (),
    limit: int = 100,
) -> list[tuple[Bulletin, Rendition]]:
    """The newest bulletins owned by ``owner_areas`` in ``states``, not of ``exclude_priority``, still valid at
    ``now``, that have a rendition of ``kind``: each with that rendition (unscoped)."""
    query = (
        select(Bulletin, Rendition)
        .join(Rendition, Rendition.bulletin_id == Bulletin.id)
        .where(
            Rendition.kind == str(kind),
            Bulletin.owner_area.in_(sorted(owner_areas)),
            Bulletin.state.in_(sorted(states)),
            or_(Bulletin.valid_until.is_(None), Bulletin.valid_until > now),
        )
        .options(lazyload(Bulletin.versions), lazyload(Bulletin.decisions))
        .order_by(Bulletin.updated_at.desc(), Bulletin.id.desc())
        .limit(limit)
    )
    if exclude_priority:
        query = query.where(Bulletin.priority.not_in(sorted(exclude_priority)))
    return [(b, r) for b, r in db.execute(query).all()]


def ids_in_state(db: Session, *, state: str, among: Iterable[int]) -> set[int]:
    """Which of the bulletins ``among`` are in ``state``."""
    ids = sorted(set(among))
    out: set[int] = set()
    for n in range(0, len(ids), _CHUNK):
        query = select(Bulletin.id).where(Bulletin.id.in_(ids[n : n + _CHUNK]), Bulletin.state == state)
        out.update(db.scalars(query))
    return out
