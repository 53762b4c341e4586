"""Read side of presence for the API: scoped device lists, per-area counts, history (no HTTP here).

While the server cannot reach the broker (``broker_up=False``) nobody can tell which of the devices whose presence
comes from it are connected: such a device last known ``online``, ``stale`` or ``reconnecting`` is shown
``unverified`` (its ``last_known_status`` says which); ``offline`` and ``never_seen`` stay what they were. The same
holds per source for the other presence sources the server cannot hear (``frozen``); a device whose presence comes
from a source still heard is shown as it is. The table keeps the last known status untouched, so nothing has to
be rewritten when the broker comes back.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, select
from sqlalchemy.orm import Session

from source_server.fleet.models import Area, Device, DeviceEvent, Presence
from source_server.fleet.presence_state import MQTT

STATUSES = ("online", "stale", "reconnecting", "offline", "never_seen", "unverified")
"""Every status a view can show: the stored ones, then ``unverified`` (the broker is unreachable)."""
LEVELS = {"commune": Device.commune_code, "province": Device.province_code}
STATUS = func.coalesce(Presence.status, "never_seen")
"""The last known status, as stored."""
UNVERIFIABLE = ("online", "stale", "reconnecting")


def view_status(broker_up: bool, frozen: Collection[str] = ()) -> ColumnElement[str]:
    """The status to show: the stored one, or ``unverified`` for what only a source we cannot hear could confirm
    (the broker when ``broker_up`` is false, and every source named in ``frozen``)."""
    down = set(frozen) | (set() if broker_up else {MQTT})
    if not down:
        return STATUS
    return case((STATUS.in_(UNVERIFIABLE) & Presence.source.in_(sorted(down)), "unverified"), else_=STATUS)


def in_scope(areas: Collection[str]) -> ColumnElement[bool]:
    """Devices inside any of ``areas`` (a province covers its communes, a commune only itself)."""
    if not areas:
        return false()
    codes = list(areas)
    return Device.province_code.in_(codes) | Device.commune_code.in_(codes) | Device.village_code.in_(codes)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _device_query(areas: Collection[str], shown: ColumnElement[str]) -> Any:
    cols = (Device, shown.label("status"), STATUS.label("last_known"), Presence.since, Presence.last_seen,
            Presence.session, Presence.firmware)  # fmt: skip
    return select(*cols).outerjoin(Presence, Presence.device_id == Device.id).where(in_scope(areas))


def list_devices(
    db: Session,
    *,
    areas: Collection[str],
    status: str | None = None,
    commune: str | None = None,
    village: str | None = None,
    kind: str | None = None,
    vendor: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
    after: str | None = None,
    broker_up: bool = True,
    frozen: Collection[str] = (),
) -> tuple[list[dict[str, Any]], int]:
    """Devices with their presence, ordered by id, and the total matching the filters (before paging)."""
    shown = view_status(broker_up, frozen)
    query = _device_query(areas, shown)
    if status:
        query = query.where(shown == status)
    if commune:
        query = query.where(Device.commune_code == commune)
    if village:
        query = query.where(Device.village_code == village)
    if kind:
        query = query.where(Device.kind == kind)
    if vendor:
        query = query.where(Device.vendor == vendor)
    if q:
        query = query.where(Device.id.ilike(_like(q), escape="\\") | Device.name.ilike(_like(q), escape="\\"))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    if after:
        query = query.where(Device.id > after)
    rows = db.execute(query.order_by(Device.id).limit(limit).offset(0 if after else offset)).all()
    items = []
    for dev, st, last_known, since, last_seen, session, firmware in rows:
        items.append(
            {
                "id": dev.id,
                "kind": dev.kind,
                "name": dev.name,
                "vendor": dev.vendor,
                "model": dev.model,
                "province_code": dev.province_code,
                "commune_code": dev.commune_code,
                "village_code": dev.village_code,
                "status": st,
                "last_known_status": last_known,
                "since": since,
                "last_seen": last_seen,
                "session": session or 0,
                "firmware": firmware,
            }
        )
    return items, total


def _counts() -> dict[str, Any]:
    return dict.fromkeys((*STATUSES, "total"), 0)


def summary(
    db: Session,
    *,
    areas: Collection[str],
    level: str,
    vendor: str | None = None,
    kind: str | None = None,
    broker_up: bool = True,
    frozen: Collection[str] = (),
) -> dict[str, Any]:
    """Counts per area of ``level`` (commune or province), per status, overall and by kind: one GROUP BY."""
    col = LEVELS[level]
    shown = view_status(broker_up, frozen)
    query = (
        select(col, Device.kind, shown, func.count())
        .select_from(Device)
        .outerjoin(Presence, Presence.device_id == Device.id)
        .where(in_scope(areas))
    )
    if vendor:
        query = query.where(Device.vendor == vendor)
    if kind:
        query = query.where(Device.kind == kind)
    rows = db.execute(query.group_by(col, Device.kind, shown)).all()
    per_area: dict[str, dict[str, Any]] = {}
    totals = _counts()
    for code, kind, status, n in rows:
        area = per_area.setdefault(code, {"area_code": code, **_counts(), "by_kind": {}})
        by_kind = area["by_kind"].setdefault(kind, _counts())
        for bucket in (area, by_kind, totals):
            bucket[status] = bucket.get(status, 0) + n
            bucket["total"] += n
    names = (
        dict(db.execute(select(Area.code, Area.name).where(Area.code.in_(list(per_area)))).all()) if per_area else {}
    )
    for code, area in per_area.items():
        area["area_name"] = names.get(code)
    return {
        "level": level,
        "areas": [per_area[c] for c in sorted(per_area)],
        "totals": totals,
        "broker_connected": broker_up,
    }


def scoped_device(db: Session, *, device_id: str, areas: Collection[str]) -> Device | None:
    """The device if it lies inside ``areas``."""
    return db.scalar(select(Device).where(Device.id == device_id, in_scope(areas)))


def device_events(db: Session, *, device_id: str, limit: int, offset: int) -> list[DeviceEvent]:
    """Connectivity events of one device, newest first."""
    q = select(DeviceEvent).where(DeviceEvent.device_id == device_id)
    return list(db.scalars(q.order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc()).limit(limit).offset(offset)))


def vendors(db: Session, *, areas: Collection[str]) -> list[str]:
    """The distinct non-empty vendors of the devices in ``areas``, sorted."""
    rows = db.scalars(select(Device.vendor).where(in_scope(areas), Device.vendor != "").distinct())
    return sorted(rows)


MAP_POINTS_MAX = 2000


def map_view(
    db: Session,
    *,
    areas: Collection[str],
    commune: str | None = None,
    kind: str | None = None,
    vendor: str | None = None,
    broker_up: bool = True,
    frozen: Collection[str] = (),
) -> dict[str, Any]:
    """What the offline map draws: one point per commune (mean position, counts) or, for one commune, its devices.

    Only devices with coordinates are placed; the province view never sends individual devices.
    """
    where = [in_scope(areas), Device.lat.is_not(None), Device.lon.is_not(None)]
    if kind:
        where.append(Device.kind == kind)
    if vendor:
        where.append(Device.vendor == vendor)
    shown = view_status(broker_up, frozen)
    if commune:
        rows = db.execute(
            select(Device.id, Device.name, Device.lat, Device.lon, shown, Device.kind)
            .outerjoin(Presence, Presence.device_id == Device.id)
            .where(*where, Device.commune_code == commune)
            .order_by(Device.id)
            .limit(MAP_POINTS_MAX)
        ).all()
        devices = [{"id": i, "name": n, "lat": la, "lon": lo, "status": st, "kind": k} for i, n, la, lo, st, k in rows]
        return {"level": "device", "commune": commune, "devices": devices, "communes": []}
    online = func.sum(case((shown == "online", 1), else_=0))
    grouped = db.execute(
        select(Device.commune_code, func.avg(Device.lat), func.avg(Device.lon), func.count(), online)
        .outerjoin(Presence, Presence.device_id == Device.id)
        .where(*where)
        .group_by(Device.commune_code)
    ).all()
    names = dict(db.execute(select(Area.code, Area.name).where(Area.code.in_([r[0] for r in grouped]))).all())
    communes = [
        {"code": c, "name": names.get(c) or c, "lat": float(la), "lon": float(lo), "total": n, "online": int(on or 0)}
        for c, la, lo, n, on in grouped
    ]
    return {"level": "commune", "commune": None, "devices": [], "communes": communes}


def commune_visible(db: Session, *, commune: str, areas: Collection[str]) -> bool:
    """True when ``commune`` is a commune the holder of ``areas`` may read (itself or its province granted)."""
    parent = db.scalar(select(Area.parent_code).where(Area.code == commune, Area.level == "commune"))
    return parent is not None and (commune in areas or parent in areas)
