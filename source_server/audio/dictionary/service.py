"""The abbreviation dictionary stored: which entries apply to a text of an area, and changing them (no HTTP).

Layers, each over the one before: the defaults (``audio.textnorm``), the province's entries (everywhere), a
commune's own entries (in that commune and its villages). Who may change them: a province administrator the
province's and every commune's; a commune's editors and approvers (its broadcast staff and leader) their
commune's. Everyone signed in reads the province's entries (they apply to every text); a commune's, those who
read that commune. Every change is audited. Errors: see ``exceptions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from source_server.accounts.service import ADMIN_ROLES, READ_ROLES, Principal, Role, audit
from source_server.audio.dictionary.exceptions import EntryRefused, NotFound, NotPermitted
from source_server.audio.dictionary.models import Abbreviation
from source_server.audio.dictionary.rules import check_entry, replaced
from source_server.audio.textnorm import DEFAULT_ABBREVIATIONS, overlay
from source_server.db import utcnow
from source_server.fleet import service as fleet
from source_server.fleet.models import Area

EDIT_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.COMMUNE_EDITOR, Role.COMMUNE_APPROVER})
"""Who may change a commune's entries (on the commune, or the province above it)."""
PROVINCE_EDIT_ROLES = ADMIN_ROLES
"""Who may change the province's entries (on the province)."""
LEVELS = ("province", "commune")


def _path(db: Session, code: str) -> tuple[str, ...]:
    """The province and commune codes whose entries apply to a text of ``code`` (a village: its commune's)."""
    return fleet.area_path(db, code)[:2]


def entries_for(db: Session, area_code: str | None) -> dict[str, str]:
    """The entries ``normalize(abbreviations=...)`` takes for a text of ``area_code``: the province's with the
    commune's laid over them (empty readings switch a default off). One query after the area's path."""
    path = _path(db, area_code) if area_code else ()
    if not path:
        return {}
    rows = db.execute(
        select(Abbreviation.area_code, Abbreviation.abbreviation, Abbreviation.reading).where(
            Abbreviation.area_code.in_(path)
        )
    ).all()
    out: dict[str, str] = {}
    for code in path:
        out = overlay(out, {key: reading for area, key, reading in rows if area == code})
    return out


# ---------------------------------------------------------------- who sees and changes what


def readable_area(db: Session, principal: Principal, code: str) -> Area:
    """The province or commune ``code`` if the principal reads its dictionary; NotFound otherwise."""
    area = db.get(Area, code)
    if area is None or area.level not in LEVELS:
        raise NotFound(code)
    if area.level == "province":
        if not principal.grants:
            raise NotFound(code)
    elif not principal.can(READ_ROLES, _path(db, code)):
        raise NotFound(code)
    return area


def check_text_area(db: Session, principal: Principal, code: str) -> None:
    """NotFound unless the principal reads area ``code`` (any level: a village reads with its commune's entries)."""
    path = _path(db, code)
    if not path:
        raise NotFound(code)
    readable_area(db, principal, path[-1])


def may_edit(db: Session, principal: Principal, area: Area) -> bool:
    """Whether the principal may change ``area``'s entries."""
    if area.level == "province":
        return principal.can(PROVINCE_EDIT_ROLES, [area.code])
    return principal.can(EDIT_ROLES, _path(db, area.code))


def edits_somewhere(principal: Principal) -> bool:
    """Whether the principal may change some dictionary (the navigation shows the page to them)."""
    return bool(principal.areas_for(EDIT_ROLES))


def areas_of(db: Session, principal: Principal) -> list[Area]:
    """The province and the communes whose dictionaries the principal reads (active ones), province first."""
    out = []
    for area in fleet.list_areas(db, include_inactive=False):
        if area.level in LEVELS:
            try:
                out.append(readable_area(db, principal, area.code))
            except NotFound:
                continue
    return out


def home_area(db: Session, principal: Principal) -> Area | None:
    """The dictionary a page opens on: the province for province users, else the first of the user's communes."""
    areas = areas_of(db, principal)
    commune_only = not principal.can(READ_ROLES, [a.code for a in areas if a.level == "province"])
    communes = [a for a in areas if a.level == "commune"]
    return communes[0] if commune_only and communes else (areas[0] if areas else None)


def _editable(db: Session, principal: Principal, area: Area) -> None:
    if not may_edit(db, principal, area):
        who = "a province administrator" if area.level == "province" else "the commune's editors and approvers"
        raise NotPermitted(f"only {who} change this dictionary")


def editable_entry(db: Session, principal: Principal, entry_id: int) -> tuple[Abbreviation, Area]:
    """An entry the principal may change, with its area; NotFound or NotPermitted otherwise."""
    entry = db.get(Abbreviation, entry_id)
    if entry is None:
        raise NotFound(str(entry_id))
    area = readable_area(db, principal, entry.area_code)
    _editable(db, principal, area)
    return entry, area


# ---------------------------------------------------------------- what a page shows


@dataclass(frozen=True)
class Row:
    """One abbreviation as an area reads it: where the reading comes from and what it replaced."""

    abbreviation: str
    reading: str
    """Empty: switched off (the word is read by the general rules)."""
    source: Literal["default", "province", "commune"]
    replaces: str | None
    """The reading of the layer beneath that this entry takes over, if any."""
    entry: Abbreviation | None


def rows_for(db: Session, area: Area) -> list[Row]:
    """Every abbreviation of ``area``'s dictionary, defaults included, in alphabetical order."""
    path = _path(db, area.code)
    entries = db.scalars(select(Abbreviation).where(Abbreviation.area_code.in_(path))).all()
    rows = {k: Row(k, v, "default", None, None) for k, v in DEFAULT_ABBREVIATIONS.items()}
    beneath: dict[str, str] = {}
    for code in path:
        level: Literal["province", "commune"] = "province" if code == path[0] else "commune"
        layer = [e for e in entries if e.area_code == code]
        for e in layer:
            if e.abbreviation == e.abbreviation.lower():  # in any case: takes over the same letters in capitals
                rows = {k: r for k, r in rows.items() if k.lower() != e.abbreviation}
            rows[e.abbreviation] = Row(e.abbreviation, e.reading, level, replaced(e.abbreviation, beneath), e)
        beneath = overlay(beneath, {e.abbreviation: e.reading for e in layer})
    return sorted(rows.values(), key=lambda r: (r.abbreviation.casefold(), r.abbreviation))


# ---------------------------------------------------------------- changes


def _beneath(db: Session, area: Area) -> dict[str, str]:
    """The entries an entry of ``area`` is laid over besides the defaults (the province's, for a commune)."""
    return entries_for(db, area.parent_code) if area.level == "commune" and area.parent_code else {}


def _siblings(db: Session, area_code: str, *, but: int | None = None) -> Sequence[str]:
    stmt = select(Abbreviation.abbreviation).where(Abbreviation.area_code == area_code)
    if but is not None:
        stmt = stmt.where(Abbreviation.id != but)
    return db.scalars(stmt).all()


def _said(entry: Abbreviation) -> dict[str, str]:
    return {"area_code": entry.area_code, "abbreviation": entry.abbreviation, "reading": entry.reading}


def _audit(
    db: Session, entry: Abbreviation, *, actor: str, action: str, source_ip: str | None, **detail: object
) -> None:
    summary = f"{entry.abbreviation} → {entry.reading or '(tắt / off)'}"
    audit(db, actor=actor, action=f"abbreviation.{action}", object_type="abbreviation", object_id=str(entry.id),
          area_code=entry.area_code, source_ip=source_ip, summary=summary, detail={**_said(entry), **detail})  # fmt: skip


def create(
    db: Session, *, principal: Principal, area_code: str, abbreviation: str, reading: str, source_ip: str | None = None
) -> Abbreviation:
    """A new entry in the province's or a commune's dictionary."""
    area = readable_area(db, principal, area_code)
    _editable(db, principal, area)
    if not area.active:
        raise EntryRefused("area_code", "area_inactive", f"{area.name} was merged into another commune", area=area.name)
    key, said = check_entry(abbreviation, reading, beneath=_beneath(db, area), siblings=list(_siblings(db, area.code)))
    who, now = principal.username, utcnow()
    entry = Abbreviation(area_code=area.code, abbreviation=key, reading=said, created_by=who, created_at=now,
                         updated_by=who, updated_at=now)  # fmt: skip
    db.add(entry)
    db.flush()
    _audit(db, entry, actor=who, action="created", source_ip=source_ip)
    return entry


def update(
    db: Session,
    *,
    principal: Principal,
    entry_id: int,
    abbreviation: str | None = None,
    reading: str | None = None,
    source_ip: str | None = None,
) -> Abbreviation:
    """Change an entry's abbreviation or reading (what is not given stays)."""
    entry, area = editable_entry(db, principal, entry_id)
    before = _said(entry)
    key, said = check_entry(
        entry.abbreviation if abbreviation is None else abbreviation,
        entry.reading if reading is None else reading,
        beneath=_beneath(db, area),
        siblings=list(_siblings(db, area.code, but=entry.id)),
    )
    entry.abbreviation, entry.reading = key, said
    entry.updated_by, entry.updated_at = principal.username, utcnow()
    db.flush()
    _audit(db, entry, actor=principal.username, action="updated", source_ip=source_ip, before=before)
    return entry


def delete(db: Session, *, principal: Principal, entry_id: int, source_ip: str | None = None) -> Abbreviation:
    """Remove an entry: the layer beneath (the province's, or the default) reads the word again."""
    entry, _ = editable_entry(db, principal, entry_id)
    _audit(db, entry, actor=principal.username, action="deleted", source_ip=source_ip)
    db.delete(entry)
    db.flush()
    return entry
