"""Detect and repair text in a wrong encoding before anything reads it: TCVN3 or VNI-Windows pasted as Unicode,
and UTF-8 read as Windows-1252 ("Viá»‡t"). A line is converted only when that turns its non-ASCII words into
Vietnamese syllables; lines already in Unicode Vietnamese, and other languages, are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from source_server.audio.textnorm.legacy import from_tcvn3, from_vni
from source_server.audio.textnorm.letters import UNICODE_ONLY_LETTERS, is_syllable

_DECODERS: dict[str, Callable[[str], str]] = {"tcvn3": from_tcvn3, "vni": from_vni}
_EDGE_PUNCT = "\"'“”‘’()[]{}.,;:!?-–—…/*"
# UTF-8 lead byte (as cp1252) followed by a continuation byte (as cp1252): "á»", "Ã¡", "Ä‘" …
_MOJIBAKE = re.compile("[\u00c2-\u00c6\u00cc\u00cd\u00e1][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                       "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")  # fmt: skip


@dataclass(frozen=True)
class Repair:
    """The repaired text, which encoding it was found in ("unicode" when none), and how many lines changed."""

    text: str
    encoding: str
    lines_changed: int


def _words(line: str) -> list[str]:
    """Whitespace-separated tokens with non-ASCII characters, edge punctuation removed."""
    tokens = (t.strip(_EDGE_PUNCT) for t in line.split())
    return [t for t in tokens if t and not t.isascii()]


def _gain(line: str, decode: Callable[[str], str]) -> tuple[int, int]:
    """(Words that become syllables minus words that stop being syllables, non-ASCII words) for one decoder."""
    words = _words(line)
    gain = 0
    for word in words:
        after = decode(word).strip(_EDGE_PUNCT)
        gain += int(is_syllable(after.lower())) - int(is_syllable(word.lower()))
    return gain, len(words)


def _is_unicode_vietnamese(line: str) -> bool:
    """Whether the line has a letter only Unicode Vietnamese has (then it is not a legacy paste)."""
    return any(c in UNICODE_ONLY_LETTERS for c in line)


def _fix_mojibake(line: str) -> str | None:
    """UTF-8 bytes that were read as Windows-1252, decoded again; None when the line is not that."""
    if not _MOJIBAKE.search(line):
        return None
    data = bytearray()
    for ch in line:
        try:
            data += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            data.append(ord(ch))  # bytes cp1252 leaves undefined come through as C1 controls
    try:
        fixed = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return fixed if _is_unicode_vietnamese(fixed) else None


def detect_legacy(text: str) -> str | None:
    """ "tcvn3" or "vni" when the text reads as Vietnamese only after that decoding, else None."""
    lines = [line for line in text.split("\n") if not _is_unicode_vietnamese(line)]
    best, best_gain = None, 0
    for name, decode in _DECODERS.items():
        gain = words = 0
        for line in lines:
            g, w = _gain(line, decode)
            gain, words = gain + g, words + w
        if words and gain >= max(1, words // 2) and gain > best_gain:
            best, best_gain = name, gain
    return best


def repair(text: str) -> Repair:
    """The text with mojibake and legacy-font lines converted to Unicode (per line, so mixed pastes work)."""
    lines = text.split("\n")
    changed = 0
    fixed_mojibake = [_fix_mojibake(line) for line in lines]
    if any(f is not None for f in fixed_mojibake):
        changed = sum(1 for f in fixed_mojibake if f is not None)
        lines = [f if f is not None else line for f, line in zip(fixed_mojibake, lines, strict=True)]
        return Repair("\n".join(lines), "utf8-mojibake", changed)
    encoding = detect_legacy(text)
    if encoding is None:
        return Repair(text, "unicode", 0)
    decode = _DECODERS[encoding]
    out = []
    for line in lines:
        if not _is_unicode_vietnamese(line) and _gain(line, decode)[0] > 0:
            line = decode(line)
            changed += 1
        out.append(line)
    return Repair("\n".join(out), encoding, changed)
