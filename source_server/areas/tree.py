"""Reading the administrative tree: one area, its path from the province, every area in tree order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.areas.models import Area

LEVELS = ("province", "commune", "village")
PARENT_LEVEL = {"province": None, "commune": "province", "village": "commune"}


def get_area(db: Session, code: str) -> Area | None:
    """One area by code."""
    return db.get(Area, code)


def area_path(db: Session, code: str) -> tuple[str, ...]:
    """Codes from the province down to ``code`` (inclusive)."""
    path: list[str] = []
    area = db.get(Area, code)
    while area is not None:
        path.insert(0, area.code)
        area = db.get(Area, area.parent_code) if area.parent_code else None
    return tuple(path)


def list_areas(db: Session, *, include_inactive: bool = True) -> list[Area]:
    """Every area, parents before children, then by code."""
    stmt = select(Area)
    if not include_inactive:
        stmt = stmt.where(Area.active.is_(True))
    rows = list(db.scalars(stmt))
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    return sorted(rows, key=lambda a: (order.get(a.level, 9), a.code))


__all__ = ["LEVELS", "PARENT_LEVEL", "Area", "area_path", "get_area", "list_areas"]
