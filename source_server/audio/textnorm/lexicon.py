"""The dictionaries one normalisation uses: default abbreviations merged with the caller's, document codes, units."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from source_server.audio.textnorm.abbreviations import DEFAULT_ABBREVIATIONS, DOC_CODES, UNITS
from source_server.audio.textnorm.letters import is_syllable, spell

_LETTERS_ONLY = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Lexicon:
    """Abbreviations split by how they match: exact, any case, and keys with punctuation (matched by pattern)."""

    exact: dict[str, str]
    any_case: dict[str, str]
    overrides: dict[str, str] = field(default_factory=dict)
    doc_codes: dict[str, str] = field(default_factory=lambda: dict(DOC_CODES))
    units: dict[str, str] = field(default_factory=lambda: dict(UNITS))

    @classmethod
    def build(cls, extra: Mapping[str, str] | None = None) -> Lexicon:
        """Defaults, then the caller's entries on top (see ``overlay``); an empty reading switches the entry off."""
        merged = {k: v for k, v in overlay(DEFAULT_ABBREVIATIONS, extra or {}).items() if v}
        exact = {k: v for k, v in merged.items() if k != k.lower()}
        any_case = {k.lower(): v for k, v in merged.items() if k == k.lower()}
        return cls(exact=exact, any_case=any_case, overrides={k: v for k, v in (extra or {}).items() if v})

    def lookup(self, key: str) -> str | None:
        """The reading of an abbreviation, exact first, then case-insensitively for lower-case keys."""
        hit = self.exact.get(key)
        return hit if hit is not None else self.any_case.get(key.lower())

    def punctuated_keys(self) -> list[str]:
        """Keys that are not a single word ("TT&TT", "v.v.", "Số TT"): they need their own pattern."""
        keys = [*self.exact, *self.any_case]
        return sorted((k for k in keys if not _LETTERS_ONLY.fullmatch(k)), key=len, reverse=True)

    def doc_code(self, code: str) -> str:
        """One part of a document code: known code, abbreviation, known codes glued together, or spelled."""
        reading = self.overrides.get(code) or self.doc_codes.get(code) or self.lookup(code) or self._segment(code)
        return reading if reading is not None else spell(code)

    def _segment(self, code: str) -> str | None:
        """A compound code made of known codes ("BCĐCĐS" → ban chỉ đạo + chuyển đổi số), or None."""
        best: list[list[str] | None] = [None] * (len(code) + 1)
        best[0] = []
        for end in range(1, len(code) + 1):
            for start in range(end):
                head, part = best[start], code[start:end]
                reading = self.doc_codes.get(part) or self.exact.get(part)
                if head is not None and reading and len(part) >= 2:
                    candidate = [*head, reading]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        found = best[len(code)]
        return " ".join(found) if found and len(found) > 1 else None


def overlay(base: Mapping[str, str], top: Mapping[str, str]) -> dict[str, str]:
    """``top``'s entries over ``base``'s. A lower-case key matches in any case, so one in ``top`` also replaces
    ``base``'s keys with the same letters ("ubnd" replaces "UBND"); an empty reading is kept (it switches off)."""
    any_case = {k for k in top if k == k.lower()}
    return {**{k: v for k, v in base.items() if k.lower() not in any_case}, **top}


def syllables(label: str) -> list[str] | None:
    """A run of letters cut into Vietnamese-shaped syllables ("gialai" → gia, lai), fewest pieces, or None."""
    best: list[list[str] | None] = [None] * (len(label) + 1)
    best[0] = []
    for end in range(1, len(label) + 1):
        for start in range(max(0, end - 7), end):
            head = best[start]
            piece = label[start:end]
            if head is not None and is_syllable(piece):
                current = best[end]
                if current is None or len(head) + 1 < len(current):
                    best[end] = [*head, piece]
    return best[len(label)]
