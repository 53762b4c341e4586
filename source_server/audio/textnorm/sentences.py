"""The scanner's output tidied into sentences: spaces and punctuation collapsed, one end mark, a capital first."""

from __future__ import annotations

import re

_STRENGTH = {".": 5, "!": 4, "?": 4, ";": 3, ":": 2, ",": 1}
_PUNCT_RUN = re.compile(r"\s*[,;:.!?](?:[\s,;:.!?]*[,;:.!?])?")
# Symbols no rule read are dropped; digits and "/" are kept so that a missed rule shows (tests look for them).
_UNSPOKEN = re.compile(r"[^\w\s,;:.!?'/]|_")
_SPLIT = re.compile(r"(?<=[.!?])\s+")
#: A longer sentence is cut after its last ";" or "," before this many characters, so a TTS request stays short.
MAX_SENTENCE_CHARS = 400


def _strongest(run: re.Match[str]) -> str:
    marks = [c for c in run.group(0) if c in _STRENGTH]
    return max(marks, key=lambda c: _STRENGTH[c]) + " "


def tidy(block: str) -> str:
    """One block of readings: leftover symbols out, punctuation runs to their strongest mark, a final period."""
    text = _UNSPOKEN.sub(" ", block)
    text = _PUNCT_RUN.sub(_strongest, text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.lstrip(",;:.!? ").rstrip(",;: ")
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _cut(sentence: str) -> list[str]:
    """An over-long sentence as pieces cut after clause marks (never inside a clause); the marks are kept."""
    pieces: list[str] = []
    rest = sentence
    while len(rest) > MAX_SENTENCE_CHARS:
        window = rest[:MAX_SENTENCE_CHARS]
        cut = max(window.rfind("; "), window.rfind(", "))
        if cut <= 0:
            break
        pieces.append(rest[: cut + 1])
        rest = rest[cut + 2 :]
    return [*pieces, rest] if rest else pieces


def split(block: str) -> list[str]:
    """A tidy block as sentences (capital first, . ! or ? last; over-long ones in pieces cut at , or ;)."""
    out = []
    for sentence in _SPLIT.split(block):
        sentence = sentence.strip()
        if sentence.strip(".!?,;: "):
            out += _cut(sentence[0].upper() + sentence[1:])
    return out
