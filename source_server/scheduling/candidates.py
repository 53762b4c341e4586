"""Bulletins that may be offered for placement in an area's programme (reads only; the check decides).

Offered: approved (or already scheduled / on air) bulletins with audio, not emergencies, not expired, owned by
the area or an area above it, whose target reaches into the area. The programme page lists them so a commune
operator picks from what can really go on air; ``check_placement`` still finds every problem of the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from protocols import Priority
from source_server.accounts.service import Principal
from source_server.bulletins.models import Bulletin
from source_server.bulletins.reach import bulletin_reach
from source_server.db import utcnow
from source_server.dispatch.models import Media
from source_server.scheduling import access
from source_server.scheduling.checks import PLAYABLE

LIMIT = 100
"""At most this many bulletins are offered (the newest first)."""


@dataclass(frozen=True)
class Candidate:
    """A bulletin that can be placed, with the length of its audio."""

    bulletin: Bulletin
    duration_ms: int


def placeable_bulletins(
    db: Session, *, principal: Principal, area_code: str, now: datetime | None = None, limit: int = LIMIT
) -> list[Candidate]:
    """The newest bulletins that may be placed in ``area_code``'s programme (the area must be readable)."""
    ref = access.area(db, principal=principal, area_code=area_code)
    now = now or utcnow()
    query = (
        select(Bulletin, Media.duration_ms)
        .join(Media, Media.sha256 == Bulletin.media_sha256)
        .where(
            Bulletin.owner_area.in_(ref.path),
            Bulletin.state.in_(sorted(PLAYABLE)),
            Bulletin.priority != Priority.EMERGENCY.value,
            or_(Bulletin.valid_until.is_(None), Bulletin.valid_until > now),
        )
        .options(lazyload(Bulletin.versions), lazyload(Bulletin.decisions))
        .order_by(Bulletin.updated_at.desc(), Bulletin.id.desc())
        .limit(limit)
    )
    out: list[Candidate] = []
    for bulletin, duration_ms in db.execute(query).all():
        if not bulletin_reach(db, bulletin).clip(ref.path).empty:
            out.append(Candidate(bulletin, duration_ms))
    return out
