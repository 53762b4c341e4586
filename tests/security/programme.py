"""The programme's part of the security world (issue 4): per commune a slot with a placed item, a spare approved
bulletin and an approved priority bulletin (all on the commune's seeded audio); and the valid requests and fresh
objects the matrix needs for the programme routes."""

from __future__ import annotations

from datetime import time, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from source_server.accounts.service import Principal, Role
from source_server.bulletins import service as bulletins
from source_server.bulletins.service import BulletinInput
from source_server.db import utcnow
from source_server.scheduling import service as programme
from source_server.scheduling.plan import occurrence_items
from source_server.scheduling.service import SlotInput
from source_server.scheduling.timing import local_day, to_utc
from tests.security.world import Side, World

DAY = local_day(utcnow()) + timedelta(days=2)
"""The local day the seeded items play on."""
GAP = timedelta(seconds=2)
_fresh = count(0)


def _people(commune: str) -> tuple[Principal, Principal]:
    """A writer and an approver of the commune who are none of the actors."""
    return (
        Principal(username="seed", grants=frozenset({(Role.COMMUNE_EDITOR, commune)})),
        Principal(username="seed-approver", grants=frozenset({(Role.COMMUNE_APPROVER, commune)})),
    )


def _approved(db: Session, side: Side, title: str, priority: str) -> int:
    writer, approver = _people(side.commune)
    data = BulletinInput(title=title, category_code="thong-bao", owner_area=side.commune, target_type="commune",
                         target_codes=[side.commune], priority=priority, text="Nội dung.",
                         media_sha256=side.media_sha256)  # fmt: skip
    made = bulletins.create(db, principal=writer, data=data)
    bulletins.submit(db, principal=writer, bulletin_id=made.id)
    bulletins.approve(db, principal=approver, bulletin_id=made.id, version=made.version)
    return made.id


def seed_programme(db: Session, side: Side) -> None:
    """The commune's morning slot with one item on ``DAY``, and two approved bulletins not placed yet."""
    writer, _ = _people(side.commune)
    slot = programme.create_slot(db, principal=writer, area_code=side.commune,
                                 data=SlotInput(label="Buổi sáng", start_local=time(6, 0), duration_s=1800))  # fmt: skip
    placed = _approved(db, side, "Bản tin buổi sáng", "normal")
    item = programme.place(db, principal=writer, area_code=side.commune, bulletin_id=placed, slot_id=slot.id,
                           day=DAY, gap=GAP)  # fmt: skip
    side.slot_id, side.item_id = slot.id, item.id
    side.spare_bulletin_id = _approved(db, side, "Bản tin dự phòng", "normal")
    side.priority_bulletin_id = _approved(db, side, "Bản tin ưu tiên", "priority")


def fresh_slot(world: World, key: str) -> dict[str, str]:
    """A new empty slot of the commune (a quarter of an hour of its own each time)."""
    side = world.sides[key]
    n = next(_fresh)
    with world.sessions.begin() as db:
        writer, _ = _people(side.commune)
        data = SlotInput(label=f"Khung {n}", start_local=time(12 + n // 4, 15 * (n % 4)), duration_s=600)
        return {"slot_id": str(programme.create_slot(db, principal=writer, area_code=side.commune, data=data).id)}


def fresh_item(world: World, key: str) -> dict[str, str]:
    """A new one-off item of the commune's spare bulletin (five minutes apart each time)."""
    side = world.sides[key]
    at = to_utc(DAY, time(11, 0)) + timedelta(minutes=5 * next(_fresh))
    with world.sessions.begin() as db:
        writer, _ = _people(side.commune)
        item = programme.place_at(db, principal=writer, area_code=side.commune, bulletin_id=side.spare_bulletin_id,
                                  at=at, gap=GAP)  # fmt: skip
        return {"item_id": str(item.id)}


def placement(side: Side, world: World) -> dict[str, Any]:
    """The spare bulletin into the commune's slot on ``DAY``."""
    return {"json": {"bulletin_id": side.spare_bulletin_id, "slot_id": side.slot_id, "day": DAY.isoformat()}}


def one_off(side: Side, world: World) -> dict[str, Any]:
    """The spare bulletin once, at 09:00 local on ``DAY``."""
    return {"json": {"bulletin_id": side.spare_bulletin_id, "at": to_utc(DAY, time(9, 0)).isoformat()}}


def reversed_order(side: Side, world: World) -> dict[str, Any]:
    """The items of the commune's slot on ``DAY``, last first."""
    with world.sessions() as db:
        ids = [i.id for i in occurrence_items(db, slot_id=side.slot_id, day=DAY)]
    return {"json": {"item_ids": ids[::-1]}}
