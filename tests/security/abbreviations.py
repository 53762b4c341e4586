"""The abbreviation dictionary's part of the security world: per commune one entry whose reading names the commune
(so a leak shows), and the fresh entries and valid requests the matrix needs for the dictionary routes."""

from __future__ import annotations

from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.accounts.service import Principal, Role
from source_server.audio.dictionary import service
from source_server.audio.dictionary.models import Abbreviation
from tests.security.world import COMMUNES, NAMES, Side, World

SEEDED = "TDP"
"""The abbreviation of each commune's seeded entry."""
_fresh = count(0)


def _reading(commune: str) -> str:
    key = next(k for k, c in COMMUNES.items() if c == commune)
    return f"tổ dân phố {NAMES[key]}"


def _add(db: Session, commune: str, abbreviation: str) -> int:
    staff = Principal(username="seed", grants=frozenset({(Role.COMMUNE_EDITOR, commune)}))
    entry = service.create(db, principal=staff, area_code=commune, abbreviation=abbreviation, reading=_reading(commune))
    return entry.id


def seed_abbreviation(db: Session, side: Side) -> None:
    """The commune's own reading of "TDP"."""
    _add(db, side.commune, SEEDED)


def entry_of(side: Side, world: World) -> str:
    """The id of the commune's seeded entry (looked up: nothing is written while a request is built)."""
    with world.sessions() as db:
        found = db.scalar(
            select(Abbreviation.id).where(Abbreviation.area_code == side.commune, Abbreviation.abbreviation == SEEDED)
        )
    assert found is not None, f"no seeded abbreviation in {side.commune}"
    return str(found)


def fresh_entry(world: World, key: str) -> dict[str, str]:
    """A new entry of the commune (to delete): "KDCA", "KDCB", …"""
    n = next(_fresh)
    with world.sessions.begin() as db:
        return {"entry_id": str(_add(db, world.sides[key].commune, "KDC" + chr(65 + n % 26) * (1 + n // 26)))}
