"""What changed between two versions of a bulletin: the fields, and the text word by word (for approvers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from difflib import SequenceMatcher
from typing import Any

from source_server.bulletins.models import Bulletin, BulletinVersion

FIELDS = ("title", "category_code", "priority", "target_type", "target_codes", "media_sha256", "intro_jingle_id",
          "outro_jingle_id", "valid_from", "valid_until", "text")  # fmt: skip
_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class TextOp:
    """A run of the text: ``equal``, ``delete`` (only in the old version) or ``insert`` (only in the new)."""

    op: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One changed field; for ``text`` also the word-level runs."""

    field: str
    before: Any
    after: Any
    text_ops: list[TextOp] = dataclass_field(default_factory=list)


def text_ops(before: str, after: str) -> list[TextOp]:
    """Word-level runs that turn ``before`` into ``after`` (whitespace kept, replacements as delete + insert)."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    ops: list[TextOp] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(TextOp("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append(TextOp("delete", "".join(a[i1:i2])))
        if j2 > j1:
            ops.append(TextOp("insert", "".join(b[j1:j2])))
    return ops


def _version(bulletin: Bulletin, number: int) -> BulletinVersion | None:
    return next((v for v in bulletin.versions if v.version == number), None)


def version_diff(bulletin: Bulletin, *, base: int | None = None, head: int | None = None) -> list[FieldChange]:
    """Changes from version ``base`` (default: the approved one, else the first) to ``head`` (default: current)."""
    old = _version(bulletin, base or bulletin.approved_version or 1)
    new = _version(bulletin, head or bulletin.version)
    if old is None or new is None:
        raise ValueError("no such version")
    changes = []
    for name in FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            ops = text_ops(before or "", after or "") if name == "text" else []
            changes.append(FieldChange(name, before, after, ops))
    return changes
