"""Find text that would be read wrongly even after encoding repair, so it is shown to the user, not spoken.

Signals: the replacement character, control and private-use characters, "?" standing for a lost letter inside a
word ("Vi?t"), words of lower-case consonants only where a PDF lost glyphs ("nh m" for "nhằm"), and lines where
many words carry characters that are not Vietnamese (an undetected legacy font, mojibake, another script).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from source_server.audio.textnorm.letters import VIETNAMESE_LETTERS

_CONSONANTS = "bcdđfghjklmnpqrstvwxz"
_CONSONANT_WORD = re.compile(  # a "word" of consonants only, alone between spaces: a syllable that lost its vowel
    rf"(?<![\w.&/'’@?-])[{_CONSONANTS}{_CONSONANTS.upper()}]+(?![\w.&/'’@)?-])"
)
_LOST_LETTER = re.compile(r"(?<=[^\W\d_])\?+(?=[^\W\d_])")
_URL = re.compile(r"(?:https?://|www\.)[^\s()]+|[^\s()]+@[^\s()]+")
_FOREIGN = re.compile(
    "[^0-9"
    + re.escape("".join(sorted(VIETNAMESE_LETTERS | set(" \t\n.,;:!?()[]{}\"'“”‘’«»-–—…•·%‰°&/+*=<>≤≥×~#@$€№§_|\\^`"))))
    + "]"
)
_UNIT_BEFORE = re.compile(r"\d\s?$")
_STRAY_LETTER = re.compile(r" +[^\W\d_](?!\w)")


@dataclass(frozen=True)
class TextWarning:
    """A problem found in the text: ``start``/``end`` index ``Normalized.source``; blocking ones stop speech."""

    code: str
    message: str
    start: int
    end: int
    excerpt: str
    blocking: bool = True


def _line_spans(text: str) -> list[tuple[int, str]]:
    """Each line with the offset where it starts."""
    spans, offset = [], 0
    for line in text.split("\n"):
        spans.append((offset, line))
        offset += len(line) + 1
    return spans


def _warn(code: str, message: str, text: str, start: int, end: int) -> TextWarning:
    """A blocking warning with a short excerpt around the span."""
    return TextWarning(code, message, start, end, text[max(0, start - 15) : end + 15].strip())


def _broken_words(text: str, offset: int, line: str) -> list[TextWarning]:
    """Runs of lower-case words without a vowel (not a unit after a number, not a list letter)."""
    hits = []
    line = _URL.sub(lambda u: " " * len(u.group(0)), line)
    for m in _CONSONANT_WORD.finditer(line):
        word = m.group(0)
        if _UNIT_BEFORE.search(line[: m.start()]):
            continue
        if not word.islower() and not _STRAY_LETTER.match(line, m.end()):  # "Đ y mạnh" (Đẩy), not "khu B và"
            continue
        if line[m.end() : m.end() + 1] == ")" or (len(word) == 1 and not line[: m.start()].strip()):
            continue
        hits.append((m.start(), m.end()))
    merged: list[tuple[int, int]] = []
    for start, end in hits:
        if merged and not line[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return [
        _warn(
            "broken_word", f"Có chữ bị mất ký tự (thường do chép từ PDF): “{line[s:e]}”.", text, offset + s, offset + e
        )
        for s, e in merged
    ]


def _foreign_share(line: str) -> tuple[int, int]:
    """(Words with a character that is neither Vietnamese nor common punctuation, words) in a line."""
    if not _FOREIGN.search(line):
        return 0, 0
    words = _URL.sub(" ", line).split()
    return sum(1 for word in words if _FOREIGN.search(word)), len(words)


def find_garbled(text: str) -> list[TextWarning]:
    """Every place in the text that should not be read aloud as it is."""
    warnings: list[TextWarning] = []
    for m in re.finditer("\ufffd+", text):
        warnings.append(_warn("replacement_char", "Văn bản có ký tự hỏng (�), thường do sai bảng mã.", text, *m.span()))
    for m in _LOST_LETTER.finditer(text):
        warnings.append(
            _warn("lost_letter", "Có dấu “?” thay cho chữ có dấu: văn bản đã mất dấu khi sao chép.", text, *m.span())
        )
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in "\t\n\r") or category in {"Co", "Cn"}:
            warnings.append(
                _warn("control_char", f"Có ký tự điều khiển hoặc ký tự lạ (U+{ord(ch):04X}).", text, i, i + 1)
            )
    for offset, line in _line_spans(text):
        warnings += _broken_words(text, offset, line)
        foreign, words = _foreign_share(line)
        if foreign >= 2 and foreign * 5 >= words:
            warnings.append(
                _warn("foreign_chars", "Dòng này có nhiều ký tự lạ: văn bản có thể bị lỗi phông hoặc bảng mã.",
                      text, offset, offset + len(line))
            )  # fmt: skip
    return sorted(warnings, key=lambda w: (w.start, w.code))
