"""Read side of alarms for the alarms page: filtered, counted, paginated, scoped to the user's areas (no HTTP)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from source_server.fleet.models import Alarm, Device
from source_server.fleet.presence_queries import in_scope

KINDS = ("offline", "flapping", "takeover", "download_failures")
STATES = ("current", "open", "acked", "cleared", "all")
"""``current``: not cleared yet (what the header counts); ``open``: current and not acknowledged;
``acked``: current and acknowledged; ``cleared``: its condition has ended; ``all``: every alarm."""


def _state(state: str) -> list[ColumnElement[bool]]:
    if state == "current":
        return [Alarm.cleared_at.is_(None)]
    if state == "open":
        return [Alarm.cleared_at.is_(None), Alarm.acked_at.is_(None)]
    if state == "acked":
        return [Alarm.cleared_at.is_(None), Alarm.acked_at.is_not(None)]
    if state == "cleared":
        return [Alarm.cleared_at.is_not(None)]
    if state == "all":
        return []
    raise ValueError(f"unknown alarm state {state!r} (one of {', '.join(STATES)})")


def _where(areas: Collection[str], state: str, commune: str | None) -> list[ColumnElement[bool]]:
    where = [in_scope(areas), *_state(state)]
    if commune:
        where.append(Device.commune_code == commune)
    return where


def alarm_page(
    db: Session,
    *,
    areas: Collection[str],
    state: str = "current",
    kind: str | None = None,
    commune: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Alarm, Device]], int]:
    """Alarms with their device, newest first, and how many match the filters before paging."""
    where = _where(areas, state, commune)
    if kind:
        where.append(Alarm.kind == kind)
    base: Any = select(Alarm, Device).join(Device, Device.id == Alarm.device_id).where(*where)
    total = db.scalar(select(func.count()).select_from(Alarm).join(Device, Device.id == Alarm.device_id).where(*where))
    rows = db.execute(base.order_by(Alarm.opened_at.desc(), Alarm.id.desc()).limit(limit).offset(offset)).all()
    return [(a, d) for a, d in rows], total or 0


def alarm_counts(
    db: Session, *, areas: Collection[str], state: str = "current", commune: str | None = None
) -> dict[str, int]:
    """Alarms per kind (every known kind present, plus ``total``) matching the state and commune filters."""
    rows = db.execute(
        select(Alarm.kind, func.count())
        .join(Device, Device.id == Alarm.device_id)
        .where(*_where(areas, state, commune))
        .group_by(Alarm.kind)
    ).all()
    counts = dict.fromkeys(KINDS, 0)
    for kind, n in rows:
        counts[kind] = counts.get(kind, 0) + n
    counts["total"] = sum(counts.values())
    return counts


def scoped_alarm(
    db: Session, *, alarm_id: int, areas: Collection[str], lock: bool = False
) -> tuple[Alarm, Device] | None:
    """One alarm and its device when the device is inside ``areas`` (else None: not disclosed).

    ``lock`` holds the alarm row until the transaction ends (PostgreSQL), so two acknowledgements cannot race.
    """
    query = (
        select(Alarm, Device).join(Device, Device.id == Alarm.device_id).where(Alarm.id == alarm_id, in_scope(areas))
    )
    if lock:
        query = query.with_for_update(of=Alarm)
    row = db.execute(query).first()
    return (row[0], row[1]) if row else None
