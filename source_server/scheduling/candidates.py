"""Bulletins that may be offered for placement in an area's programme (reads only; the check decides).

Offered: approved (or already scheduled / on air) bulletins with the rendition the programme plays (audio for
loudspeakers), not emergencies, not expired, owned by
the area or an area above it, whose target reaches into the area. The programme page lists them so a commune
operator picks from what can really go on air; ``check_placement`` still finds every problem of the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from protocols import Priority
from source_server.accounts.service import Principal
from source_server.bulletins import service as bulletins
from source_server.bulletins.reach import bulletin_reach
from source_server.bulletins.service import Bulletin, Rendition
from source_server.db import utcnow
from source_server.scheduling import access
from source_server.scheduling.checks import PLAYABLE
from source_server.scheduling.plan import DEFAULT_KIND

LIMIT = 100
"""At most this many bulletins are offered (the newest first)."""


@dataclass(frozen=True)
class Candidate:
    """A bulletin that can be placed, with the rendition it would play and its length."""

    bulletin: Bulletin
    rendition: Rendition

    @property
    def duration_ms(self) -> int:
        """How long it plays."""
        return self.rendition.duration_ms or 0


def placeable_bulletins(
    db: Session,
    *,
    principal: Principal,
    area_code: str,
    now: datetime | None = None,
    limit: int = LIMIT,
    kind: str = DEFAULT_KIND,
) -> list[Candidate]:
    """The newest bulletins whose ``kind`` rendition may be placed in ``area_code``'s programme (the area must be
    readable)."""
    ref = access.area(db, principal=principal, area_code=area_code)
    found = bulletins.with_rendition(
        db,
        kind=kind,
        owner_areas=ref.path,
        states=PLAYABLE,
        now=now or utcnow(),
        exclude_priority=(Priority.EMERGENCY.value,),
        limit=limit,
    )
    return [Candidate(b, r) for b, r in found if not bulletin_reach(db, b).clip(ref.path).empty]
