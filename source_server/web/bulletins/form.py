"""The bulletin form: its values as typed, the choices it offers the user, and the service input it turns into.

Times are typed in Vietnam's time (``datetime-local``) and stored in UTC. The target is chosen as "the whole
owning area" or "some of its parts" (villages of a commune, communes of the province); a target the form cannot
express (groups, single devices, set through the API) can be kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from protocols import Priority
from source_server.accounts.service import Principal
from source_server.bulletins import jingles, service
from source_server.bulletins.models import Bulletin
from source_server.bulletins.workflow import WRITE_ROLES
from source_server.fleet import service as fleet
from source_server.fleet.models import Area
from source_server.fleet.uptime import LOCAL_TZ
from source_server.web.kit.forms import FormError
from source_server.web.kit.i18n import t

SCOPES = ("whole", "part", "keep")
PRIORITIES = tuple(p.value for p in (Priority.NORMAL, Priority.PRIORITY, Priority.EMERGENCY))
CHARS_PER_MINUTE = service.TEXT_MAX // 30
"""The service sizes TEXT_MAX as about half an hour of speech."""
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
PART_LEVEL = {"commune": "village", "province": "commune"}
"""The level of "some parts" of an owning area."""


@dataclass
class FormValues:
    """What the user typed or chose, kept as text so a refused form comes back exactly as it was sent."""

    title: str = ""
    category_code: str = ""
    priority: str = Priority.NORMAL.value
    owner_area: str = ""
    target_scope: str = "whole"
    target_codes: list[str] = field(default_factory=list)
    valid_from: str = ""
    valid_until: str = ""
    text: str = ""
    intro_jingle_id: str = ""
    outro_jingle_id: str = ""
    version: int = 0

    @classmethod
    def of(cls, b: Bulletin, owner_level: str) -> FormValues:
        """The values of an existing bulletin owned by an area of ``owner_level`` (for its edit form)."""
        whole = b.target_type == owner_level and b.target_codes == [b.owner_area]
        part = not whole and b.target_type == PART_LEVEL.get(owner_level)
        return cls(
            title=b.title,
            category_code=b.category_code,
            priority=b.priority,
            owner_area=b.owner_area,
            target_scope="whole" if whole else "part" if part else "keep",
            target_codes=list(b.target_codes) if part else [],
            valid_from=to_local_input(b.valid_from),
            valid_until=to_local_input(b.valid_until),
            text=b.text,
            intro_jingle_id=str(b.intro_jingle_id or ""),
            outro_jingle_id=str(b.outro_jingle_id or ""),
            version=b.version,
        )


def to_local_input(at: datetime | None) -> str:
    """A UTC time as the value of a ``datetime-local`` input in Vietnam's time."""
    return at.astimezone(LOCAL_TZ).strftime(_LOCAL_FORMAT) if at else ""


def from_local_input(value: str, name: str) -> datetime | None:
    """A ``datetime-local`` value typed in Vietnam's time, in UTC (empty → None; FormError when not a time)."""
    value = value.strip()
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(name, "bulletin.err.datetime") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_TZ)
    return local.astimezone(UTC)


def count_text(n: int, lang: str) -> str:
    """``224 / 30.000 ký tự · khoảng 1 phút đọc`` (the script keeps it current while the user types)."""

    def number(x: int) -> str:
        return f"{x:,}".replace(",", "." if lang == "vi" else ",")

    out = t("bulletin.count", lang).format(n=number(n), max=number(service.TEXT_MAX))
    minutes = max(1, round(n / CHARS_PER_MINUTE)) if n else 0
    return out + (t("bulletin.count.minutes", lang).format(minutes=minutes) if minutes else "")


def owner_choices(db: Session, principal: Principal) -> list[Area]:
    """Areas the user may write for: their communes, or their province and its communes (province first)."""
    active = {a.code: a for a in fleet.list_areas(db, include_inactive=False)}
    out: dict[str, Area] = {}
    for code in sorted(principal.areas_for(WRITE_ROLES)):
        area = active.get(code)
        if area is None or area.level not in ("province", "commune"):
            continue
        out[area.code] = area
        if area.level == "province":
            communes = [a for a in active.values() if a.parent_code == area.code and a.level == "commune"]
            out.update((c.code, c) for c in sorted(communes, key=lambda a: a.name))
    return sorted(out.values(), key=lambda a: (a.level != "province", a.name))


def target_parts(db: Session, owners: list[Area]) -> dict[str, list[Area]]:
    """For each owner, the parts a bulletin may be narrowed to: villages of a commune, communes of the province."""
    children: dict[str, list[Area]] = {}
    for area in fleet.list_areas(db, include_inactive=False):
        if area.parent_code:
            children.setdefault(area.parent_code, []).append(area)
    return {
        o.code: sorted((c for c in children.get(o.code, []) if c.level == PART_LEVEL[o.level]), key=lambda a: a.name)
        for o in owners
    }


def target_of(values: FormValues, owner: Area | None) -> tuple[str, list[str]] | None:
    """The service's (target_type, target_codes) for the chosen scope; None to keep the current target."""
    if values.target_scope == "keep":
        return None
    if owner is None:
        raise FormError("owner_area", "bulletin.err.owner")
    if values.target_scope == "whole":
        return owner.level, [owner.code]
    if values.target_scope == "part":
        return PART_LEVEL[owner.level], list(values.target_codes)
    raise FormError("target", "bulletin.err.scope")


def jingle_id(value: str, name: str) -> int | None:
    """A jingle select's value: empty for none ("Không có"), else a jingle's id (FormError when not a number)."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise FormError(name, "jingle.err.choice")
    return int(value)


def content(values: FormValues, owner: Area | None) -> dict[str, Any]:
    """The content fields for ``service.create`` / ``service.update`` (FormError for a value the form refuses)."""
    out: dict[str, Any] = {
        "title": values.title,
        "category_code": values.category_code,
        "priority": values.priority,
        "text": values.text.replace("\r\n", "\n"),
        "intro_jingle_id": jingle_id(values.intro_jingle_id, "intro_jingle_id"),
        "outro_jingle_id": jingle_id(values.outro_jingle_id, "outro_jingle_id"),
        "valid_from": from_local_input(values.valid_from, "valid_from"),
        "valid_until": from_local_input(values.valid_until, "valid_until"),
    }
    target = target_of(values, owner)
    if target is not None:
        out["target_type"], out["target_codes"] = target
    return out


def jingle_choices(db: Session, owners: list[Area], values: FormValues) -> dict[str, list[dict[str, Any]]]:
    """For each slot (intro, outro), the jingles some owner may use, each with the owners it is for (the script
    shows only the chosen owner's); a bulletin's current choice stays listed even when since deactivated."""
    usable = jingles.usable_by_area(db, [o.code for o in owners])
    out: dict[str, list[dict[str, Any]]] = {}
    for name, slot in jingles.SLOTS.items():
        found: dict[int, dict[str, Any]] = {}
        for owner, rows in usable.items():
            for j in rows:
                if not jingles.fits(j, slot):
                    continue
                found.setdefault(j.id, {"id": j.id, "name": j.name, "seconds": j.duration_ms / 1000, "owners": []})
                found[j.id]["owners"].append(owner)
        current = getattr(values, name)
        if current.isdigit() and int(current) not in found:
            kept = jingles.names(db, [int(current)])
            if kept:
                found[int(current)] = {"id": int(current), "name": kept[int(current)], "seconds": 0, "owners": []}
        out[slot] = sorted(found.values(), key=lambda o: (o["name"], o["id"]))
    return out


def form_context(
    db: Session,
    principal: Principal,
    values: FormValues,
    *,
    lang: str,
    bulletin: Bulletin | None = None,
    errors: dict[str, str] | None = None,
    keep_target: str = "",
) -> dict[str, Any]:
    """Everything ``bulletin_form.html`` needs: the values, the choices, the errors by field."""
    owners = owner_choices(db, principal)
    if bulletin is not None:
        fixed = fleet.get_area(db, bulletin.owner_area)
        owners = [fixed] if fixed is not None else []
    elif not values.owner_area:
        granted = principal.areas_for(WRITE_ROLES) & {o.code for o in owners}
        if len(granted) == 1:  # the user's one commune, or their province
            values.owner_area = granted.pop()
    categories = [(c.code, c.name_en if lang == "en" and c.name_en else c.name_vi) for c in service.categories(db)]
    return {
        "v": values,
        "bulletin": bulletin,
        "owners": owners,
        "owner_level": next((o.level for o in owners if o.code == values.owner_area), "commune"),
        "parts": target_parts(db, owners),
        "categories": categories,
        "priorities": PRIORITIES,
        "errors": errors or {},
        "keep_target": keep_target,
        "title_max": service.TITLE_MAX,
        "text_max": service.TEXT_MAX,
        "chars_per_minute": CHARS_PER_MINUTE,
        "count_text": count_text(len(values.text), lang),
        "jingles": jingle_choices(db, owners, values),
    }
