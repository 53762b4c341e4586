"""What the bulletin pages show: names of areas and categories, the step indicator, the actions a user may take
(exactly the ones the service would accept), and a diff in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import Priority
from source_server.accounts.service import Principal
from source_server.bulletins import service
from source_server.bulletins.diff import FieldChange, TextOp, version_diff
from source_server.bulletins.models import Bulletin, Jingle
from source_server.bulletins.workflow import (
    COMMUNE_APPROVERS,
    EMERGENCY_SENDERS,
    PROVINCE_APPROVERS,
    WRITE_ROLES,
    Action,
    State,
    approver_roles,
    next_state,
)
from source_server.fleet import service as fleet
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import localtime

STEPS = (State.DRAFT, State.SUBMITTED, State.APPROVED, State.SCHEDULED, State.ON_AIR, State.DONE)
_STEP_OF = {s: i for i, s in enumerate(STEPS)} | {State.REJECTED: 2}
APPROVER_ROLES = COMMUNE_APPROVERS | PROVINCE_APPROVERS


@dataclass(frozen=True)
class Names:
    """Display names of areas and categories, for codes that the pages show."""

    areas: dict[str, str]
    levels: dict[str, str]
    parents: dict[str, str | None]
    categories: dict[str, str]
    jingles: dict[int, str] = field(default_factory=dict)

    def area(self, code: str) -> str:
        """The area's name, else its code."""
        return self.areas.get(code, code)


def names(db: Session, lang: str) -> Names:
    """Every area's name and level, and every category's name in ``lang``."""
    areas = fleet.list_areas(db)
    cats = {
        c.code: (c.name_en if lang == "en" and c.name_en else c.name_vi)
        for c in service.categories(db, active_only=False)
    }
    jingles = {j.id: j.name for j in db.scalars(select(Jingle))}
    return Names(
        {a.code: a.name for a in areas},
        {a.code: a.level for a in areas},
        {a.code: a.parent_code for a in areas},
        cats,
        jingles,
    )


def can_write_somewhere(principal: Principal) -> bool:
    """True when the user may write bulletins in some area (the "new bulletin" button)."""
    return bool(principal.areas_for(WRITE_ROLES))


def is_approver(principal: Principal) -> bool:
    """True when the user approves bulletins somewhere (the "waiting for my approval" tab)."""
    return bool(principal.areas_for(APPROVER_ROLES))


def allowed_actions(db: Session, principal: Principal, bulletin: Bulletin) -> set[str]:
    """The steps this user may take now: the same checks, in the same order, as ``bulletins.service``."""
    path = fleet.area_path(db, bulletin.owner_area)
    owner = fleet.get_area(db, bulletin.owner_area)
    state = State(bulletin.state)
    has_content = bool(bulletin.text.strip()) or service.has_audio(bulletin)
    write = principal.can(WRITE_ROLES, path)
    decide = principal.can(approver_roles(owner.level if owner else "commune"), path)
    out: set[str] = set()
    if write and next_state(Action.EDIT, state):
        out.add("edit")
    if write and has_content and next_state(Action.SUBMIT, state):
        out.add("submit")
    if decide and principal.username != bulletin.author and next_state(Action.APPROVE, state):
        out.add("approve")
    if decide and next_state(Action.REJECT, state):
        out.add("reject")
    if (
        principal.can(EMERGENCY_SENDERS, path)
        and bulletin.priority == Priority.EMERGENCY.value
        and has_content
        and next_state(Action.SEND_DIRECT, state)
    ):
        out.add("send_direct")
    if write and next_state(Action.CANCEL, state):
        out.add("cancel")
    return out


def steps(bulletin: Bulletin, lang: str) -> list[dict[str, str]]:
    """The step indicator: each step's label and whether it is passed, current or to come (or refused)."""
    state = State(bulletin.state)
    reached = state
    if state is State.CANCELLED:  # show how far it got before it was cancelled
        last = next((d for d in reversed(bulletin.decisions) if d.action == Action.CANCEL.value), None)
        reached = State(last.from_state) if last else State.DRAFT
    current = _STEP_OF.get(reached, 0)
    out = []
    for i, step in enumerate(STEPS):
        shown = State.REJECTED if (i == 2 and reached is State.REJECTED) else step
        status = "passed" if i < current else "current" if i == current else "todo"
        if status == "current" and state is State.CANCELLED:
            status = "stopped"
        out.append({"label": t(f"bulletin.state.{shown.value}", lang), "status": status, "state": shown.value})
    return out


def last_rejection(bulletin: Bulletin) -> Any:
    """The latest rejection decision, or None."""
    return next((d for d in reversed(bulletin.decisions) if d.action == Action.REJECT.value), None)


def default_diff_base(bulletin: Bulletin) -> tuple[int, str] | None:
    """Which version an approver compares with, and why: the approved one, else the one sent back; None if neither."""
    if bulletin.approved_version and bulletin.approved_version != bulletin.version:
        return bulletin.approved_version, "since_approved"
    rejected = last_rejection(bulletin)
    if not bulletin.approved_version and rejected is not None and rejected.version != bulletin.version:
        return rejected.version, "since_rejected"
    return None


def _value(name: str, value: Any, n: Names, lang: str) -> str:
    """A field's value in words."""
    if value is None or value == "" or value == []:
        return t("bulletin.value.empty", lang)
    if isinstance(value, datetime):
        return localtime(value)
    if name == "category_code":
        return str(n.categories.get(value, value))
    if name == "priority":
        return t(f"bulletin.priority.{value}", lang)
    if name == "target_type":
        return t(f"bulletin.target_type.{value}", lang)
    if name == "target_codes":
        return ", ".join(n.area(c) for c in value)
    if name == "media_sha256":
        return t("bulletin.audio.file", lang).format(hash=value[:12])
    if name in ("intro_jingle_id", "outro_jingle_id"):
        return n.jingles.get(value, f"#{value}")
    return str(value)


@dataclass
class DiffView:
    """A diff ready for the template: the text runs and the other changed fields in words."""

    base: int
    head: int
    intro: str
    fields: list[dict[str, str]] = field(default_factory=list)
    text_ops: list[TextOp] = field(default_factory=list)
    text_changed: bool = False


def diff_view(bulletin: Bulletin, *, base: int, head: int, why: str, n: Names, lang: str) -> DiffView | None:
    """The changes from ``base`` to ``head`` in words; None when either version does not exist."""
    try:
        changes: list[FieldChange] = version_diff(bulletin, base=base, head=head)
    except ValueError:
        return None
    view = DiffView(base, head, t(f"bulletin.diff.{why}", lang).format(base=base, head=head))
    for c in changes:
        if c.field == "text":
            view.text_ops, view.text_changed = c.text_ops, True
            continue
        row = {
            "label": t(f"bulletin.name.{c.field}", lang),
            "before": _value(c.field, c.before, n, lang),
            "after": _value(c.field, c.after, n, lang),
        }
        if c.field == "media_sha256":  # the approver hears both, not two hashes
            row["before_url"] = f"/media/{c.before}.mp3" if c.before else ""
            row["after_url"] = f"/media/{c.after}.mp3" if c.after else ""
        view.fields.append(row)
    return view


def target_text(target_type: str, codes: list[str], n: Names, lang: str) -> str:
    """Where a bulletin plays, in words: "Toàn tỉnh" or "Thôn, tổ dân phố: Tổ 1, Tổ 2"."""
    if target_type in ("province", "commune") and len(codes) == 1 and n.levels.get(codes[0]) == target_type:
        return n.area(codes[0]) if target_type == "commune" else t("bulletin.target_type.province", lang)
    label = t(f"bulletin.target_type.{target_type}", lang)
    shown = codes if target_type in ("group", "devices") else [n.area(c) for c in codes]
    return f"{label}: {', '.join(shown)}"


def jingles_text(bulletin: Bulletin, n: Names, lang: str) -> str:
    """The chosen jingles in words ("Nhạc mở đầu: … · Nhạc kết thúc: …"); empty when none."""
    chosen = (("jingle.slot.intro", bulletin.intro_jingle_id), ("jingle.slot.outro", bulletin.outro_jingle_id))
    return " · ".join(f"{t(key, lang)}: {n.jingles.get(j, f'#{j}')}" for key, j in chosen if j is not None)


def validity_text(bulletin: Bulletin, lang: str) -> str:
    """The validity window in local time, in words."""
    parts = []
    if bulletin.valid_from:
        parts.append(t("bulletin.validity.from", lang).format(at=localtime(bulletin.valid_from)))
    if bulletin.valid_until:
        parts.append(t("bulletin.validity.until", lang).format(at=localtime(bulletin.valid_until)))
    return " ".join(parts) or t("bulletin.validity.none", lang)


def history(bulletin: Bulletin, lang: str) -> list[dict[str, Any]]:
    """The decisions, oldest first, in words."""
    return [
        {
            "at": d.at,
            "who": d.actor,
            "what": t(f"bulletin.act.{d.action}", lang),
            "state": t(f"bulletin.state.{d.to_state}", lang),
            "to_state": d.to_state,
            "reason": d.reason,
            "version": d.version,
        }
        for d in bulletin.decisions
    ]
