"""The areas page's wording of CSV row errors: their codes in the page's language, level names translated."""

from __future__ import annotations

from source_server.fleet.service import RowError
from source_server.web.kit.errors import words
from source_server.web.kit.i18n import t

_LEVEL_WORDS = ("province", "commune", "village")


def csv_message(error: RowError, lang: str) -> str:
    """A CSV row error from ``csvio`` in the page's language (its message as given when it has no code)."""
    levels = {
        name: t(f"areas.level.{value}", lang).lower()
        for name in ("level", "want", "got")
        if (value := error.params.get(name)) in _LEVEL_WORDS
    }
    return words(error, lang, fallback="areas.csv.generic", extra=levels)
