"""Who may see and change which programme, and finding the things a request names (scoped).

Programmes exist for the province and for each commune. Reading follows the product's scope rule: an area
outside every area the caller may read is not found (404), whatever exists there. Changing a programme — its
slots and its items — takes one of ``PROGRAMME_ROLES`` on the area's path: for a commune, its editors and
approvers (the part-time staff who set the daily programme; what they place is already approved by the
commune leader) and the province's administrators and operators; for the province programme, only the
province's administrators and operators (commune grants are not on the province's path).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.accounts.service import READ_ROLES, Principal
from source_server.bulletins import service as bulletins
from source_server.bulletins.reach import Path, bulletin_reach
from source_server.bulletins.service import Bulletin
from source_server.bulletins.workflow import WRITE_ROLES
from source_server.db import utcnow
from source_server.fleet import service as fleet
from source_server.scheduling.exceptions import InvalidInput, NotFound, NotPermitted
from source_server.scheduling.exceptions import SchedulingErrorCode as Code
from source_server.scheduling.models import Programme, ScheduleItem, Slot

PROGRAMME_ROLES = WRITE_ROLES
"""Roles that change a programme (the area check comes on top)."""


@dataclass(frozen=True)
class AreaRef:
    """A programme's area: its code, its path from the province, and whether it is still active."""

    code: str
    path: Path
    active: bool


def area(db: Session, *, principal: Principal, area_code: str, write: bool = False, action: str = "") -> AreaRef:
    """The province or commune ``area_code`` if the caller may read it (and change its programme when ``write``)."""
    found = fleet.get_area(db, area_code)
    if found is None or found.level not in ("province", "commune"):
        raise NotFound("programme area", area_code)
    path = fleet.area_path(db, found.code)
    if not principal.can(READ_ROLES, path):
        raise NotFound("programme area", area_code)
    if write:
        if not principal.can(PROGRAMME_ROLES, path):
            raise NotPermitted(action or "change the programme", found.code)
        if not found.active:
            message = f"{found.code} was merged into another commune; use that one's programme"
            raise InvalidInput(Code.AREA_MERGED, "area_code", message, code=found.code)
    return AreaRef(found.code, path, found.active)


def programme_of(db: Session, *, area_code: str) -> Programme | None:
    """The area's programme, if it has one yet."""
    return db.scalar(select(Programme).where(Programme.area_code == area_code))


def ensure_programme(db: Session, *, area_code: str, actor: str) -> Programme:
    """The area's programme, created on the first change."""
    found = programme_of(db, area_code=area_code)
    if found is None:
        found = Programme(area_code=area_code, created_by=actor, created_at=utcnow())
        db.add(found)
        db.flush()
    return found


def slot_in(db: Session, *, programme: Programme | None, slot_id: int) -> Slot:
    """A slot of this programme (deleted ones included: their history stays readable)."""
    slot = db.get(Slot, slot_id)
    if programme is None or slot is None or slot.programme_id != programme.id:
        raise NotFound("slot", slot_id)
    return slot


def item_in(db: Session, *, programme: Programme | None, item_id: int) -> ScheduleItem:
    """An item of this programme."""
    item = db.get(ScheduleItem, item_id)
    if programme is None or item is None or item.programme_id != programme.id:
        raise NotFound("item", item_id)
    return item


def bulletin_for(db: Session, *, principal: Principal, bulletin_id: int, where: Path) -> Bulletin:
    """A bulletin the caller may read, or one that targets ``where`` (a commune places the province's bulletins
    meant for it); NotFound otherwise."""
    bulletin = bulletins.find(db, bulletin_id)
    if bulletin is None:
        raise NotFound("bulletin", bulletin_id)
    if principal.can(READ_ROLES, fleet.area_path(db, bulletin.owner_area)):
        return bulletin
    if principal.can(READ_ROLES, where) and not bulletin_reach(db, bulletin).clip(where).empty:
        return bulletin
    raise NotFound("bulletin", bulletin_id)
