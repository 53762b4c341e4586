"""Vietnamese letters: the alphabet, a syllable-shape check, and letter-by-letter spelling of unknown acronyms."""

from __future__ import annotations

import re
import unicodedata

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
#: Every lower-case letter of Vietnamese, toned vowels included (NFC).
VIETNAMESE_LOWER = frozenset(
    "abcdđeghiklmnopqrstuvxy" + "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)
#: Character-class bodies (for regular expressions) of Vietnamese lower-case and capital letters.
LOWER = "".join(sorted(VIETNAMESE_LOWER | set("fjwz")))
UPPER = LOWER.upper()
VIETNAMESE_LETTERS = VIETNAMESE_LOWER | {c.upper() for c in VIETNAMESE_LOWER} | set("fjwzFJWZ")
#: Letters that only Vietnamese Unicode has (not in Latin-1): proof a line is already Unicode Vietnamese.
UNICODE_ONLY_LETTERS = frozenset(c for c in VIETNAMESE_LETTERS if ord(c) > 0xFF)

_ONSET = r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?"
_NUCLEUS = (
    r"(?:uyê|uya|uyu|ươu|ươi|oai|oay|oeo|uây|uôi|iêu|yêu|"
    r"ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|oo|ôi|ơi|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|yê|"
    r"[aăâeêioôơuưy])"
)
_SYLLABLE = re.compile(_ONSET + _NUCLEUS + r"(?:ch|ng|nh|[cmnpt])?")

LETTER_NAMES = {
    "a": "a", "ă": "á", "â": "ớ", "b": "bê", "c": "xê", "d": "dê", "đ": "đê", "e": "e", "ê": "ê", "f": "ép",
    "g": "giê", "h": "hát", "i": "i", "j": "gi", "k": "ca", "l": "e lờ", "m": "em mờ", "n": "en nờ", "o": "o",
    "ô": "ô", "ơ": "ơ", "p": "pê", "q": "quy", "r": "e rờ", "s": "ét xì", "t": "tê", "u": "u", "ư": "ư", "v": "vê",
    "w": "vê kép", "x": "ích xì", "y": "i dài", "z": "dét",
}  # fmt: skip


def strip_tone(syllable: str) -> tuple[str, int]:
    """The syllable without its tone mark (shape marks kept) and how many tone marks it had."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = sum(1 for c in decomposed if c in _TONE_MARKS)
    bare = "".join(c for c in decomposed if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", bare), tones


def is_syllable(word: str) -> bool:
    """Whether a word has the shape of one Vietnamese syllable (onset, vowel nucleus, coda; at most one tone)."""
    if not word or any(c not in VIETNAMESE_LETTERS for c in word):
        return False
    bare, tones = strip_tone(word.lower())
    return tones <= 1 and _SYLLABLE.fullmatch(bare) is not None


def spell(word: str) -> str:
    """Letter by letter with Vietnamese letter names: "LGSP" → "e lờ giê ét xì pê"."""
    names: list[str] = []
    for ch in word.lower():
        bare, _ = strip_tone(ch)
        names.append(LETTER_NAMES.get(bare, bare))
    return " ".join(n for n in names if n)
