"""What an abbreviation entry may be (pure, no I/O): each refusal says why, with a code a page can translate.

- The abbreviation is written as it appears in texts: it starts with a letter, then letters, digits, single
  spaces and the marks ``. & / - ' ,`` (at most 32 characters). Written in lower case it matches in any case,
  so a lower-case Vietnamese word ("tin", "xã") is refused: every such word in every text would change.
- It must be something the reader finds in a text: an entry it would never match ("F0", taken apart as letter
  and number first) is refused rather than silently doing nothing (checked by running the reader on a sample).
- The reading is the words to say: letters (Vietnamese alphabet, also f j w z), spaces and commas (a pause);
  numbers in words, at most 200 characters. It is not normalised again, so a digit or a symbol would reach the
  voice as it is.
- An empty reading switches off an entry the area already has (a default, or the province's entry for a
  commune); it is refused when there is nothing to switch off.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from source_server.audio.dictionary.exceptions import EntryRefused
from source_server.audio.textnorm.letters import VIETNAMESE_LETTERS, is_syllable, strip_tone
from source_server.audio.textnorm.lexicon import Lexicon
from source_server.audio.textnorm.scanner import Scanner

ABBREVIATION_MAX = 32
READING_MAX = 200
_MARKS = ".&/-',"
_SPACES = re.compile(r"\s+")
_PROBE = "ưỡm ưỡm"
"""A reading no rule produces: finding it in the reader's output proves the entry was matched."""
_SAMPLES = ("{key}", "Xin mời {key} họp.")
_MISSPELT = re.compile(r"k(?!h)(?![ieêy])|c(?!h)(?=[ieêy])|ngh(?![ieê])|ng(?!h)(?=[ieê])|gh(?![ieê])|g(?![hi])(?=[eê])")
"""Onsets Vietnamese spelling never writes so ("ko" for "co", "ge" for "ghe"): shaped like a syllable, not a word."""


def _clean(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def _odd(text: str, allowed: str) -> str:
    """The characters of ``text`` that are neither letters of the alphabet nor in ``allowed``, once each."""
    return "".join(dict.fromkeys(c for c in text if c not in VIETNAMESE_LETTERS and c not in allowed))


def is_vietnamese_word(word: str) -> bool:
    """A lower-case word spelled as a Vietnamese syllable ("tin", "xã", "kho"; not "ko" or "đc")."""
    return is_syllable(word) and _MISSPELT.match(strip_tone(word)[0]) is None


def found_by_reader(key: str) -> bool:
    """Whether the reader matches ``key`` as an abbreviation in a sample text (rather than as a number, a code…)."""
    scanner = Scanner(Lexicon.build({key: _PROBE}))
    return any(_PROBE in scanner.run(sample.format(key=key)) for sample in _SAMPLES)


def check_abbreviation(value: str) -> str:
    """The abbreviation cleaned (Unicode NFC, single spaces), or EntryRefused."""
    key = _clean(value)
    if not key:
        raise EntryRefused("abbreviation", "abbr_empty", "write the abbreviation")
    if len(key) > ABBREVIATION_MAX:
        raise EntryRefused(
            "abbreviation", "abbr_long", f"at most {ABBREVIATION_MAX} characters", max=str(ABBREVIATION_MAX)
        )
    odd = _odd(key, _MARKS + " 0123456789")
    if odd or key[0] not in VIETNAMESE_LETTERS:
        raise EntryRefused(
            "abbreviation",
            "abbr_chars",
            "start with a letter; then letters, digits, single spaces and . & / - ' , only"
            + (f" (not {odd})" if odd else ""),
            chars=odd or key[0],
        )
    if key == key.lower() and key.isalpha() and is_vietnamese_word(key):
        raise EntryRefused(
            "abbreviation",
            "abbr_word",
            f"{key!r} in lower case is a Vietnamese word: every {key!r} in every text would be read differently; "
            f"write it as texts do (e.g. {key.upper()!r})",
            abbr=key,
            upper=key.upper(),
        )
    if not found_by_reader(key):
        raise EntryRefused(
            "abbreviation",
            "abbr_unmatched",
            f"the reader does not see {key!r} as one word in a text (it takes it apart as letters and numbers, a "
            "date or a document code first): the entry would do nothing",
            abbr=key,
        )
    return key


def check_reading(value: str) -> str:
    """The reading cleaned (NFC, single spaces), possibly empty, or EntryRefused."""
    reading = _clean(value)
    if len(reading) > READING_MAX:
        raise EntryRefused("reading", "reading_long", f"at most {READING_MAX} characters", max=str(READING_MAX))
    if odd := _odd(reading, " ,"):
        raise EntryRefused(
            "reading",
            "reading_chars",
            f"the reading is the words to say: letters, spaces and commas only, numbers in words (not {odd})",
            chars=odd,
        )
    return reading


def check_entry(abbreviation: str, reading: str, *, beneath: Mapping[str, str], siblings: list[str]) -> tuple[str, str]:
    """A whole entry: (abbreviation, reading) cleaned, or EntryRefused.

    ``beneath``: the entries this one is laid over besides the defaults (the province's, for a commune's entry).
    ``siblings``: the other abbreviations of the same area.
    """
    key, said = check_abbreviation(abbreviation), check_reading(reading)
    if any(s.casefold() == key.casefold() for s in siblings):
        raise EntryRefused(
            "abbreviation", "duplicate", f"{key!r} is already in this dictionary: change that entry", abbr=key
        )
    if not said and replaced(key, beneath) is None:
        raise EntryRefused(
            "reading",
            "nothing_to_disable",
            f"an empty reading switches off an entry the dictionary has, and it has none for {key!r}",
            abbr=key,
        )
    return key, said


def replaced(key: str, beneath: Mapping[str, str]) -> str | None:
    """The reading ``key`` takes over from the defaults with ``beneath`` over them, or None (a new word)."""
    lex = Lexicon.build(beneath)
    if key == key.lower():  # matches in any case: it also takes over entries written in capitals
        return lex.any_case.get(key) or next((v for k, v in lex.exact.items() if k.lower() == key), None)
    return lex.lookup(key)
