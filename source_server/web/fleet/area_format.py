"""The areas page's wording of CSV row errors (the services speak English)."""

from __future__ import annotations

import re

from source_server.web.kit.i18n import t

_CSV_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), key)
    for p, key in (
        (r"^missing column$", "areas.csv.missing_column"),
        (r"^unknown column \(expected (?P<cols>.+)\)$", "areas.csv.unknown_column"),
        (r"^more fields than columns$", "areas.csv.extra_fields"),
        (r"^duplicate code '(?P<code>.*)' in the file$", "areas.csv.duplicate"),
        (r"^'(?P<code>.*)' is not a valid area code$", "areas.csv.bad_code"),
        (r"^a name is required$", "areas.csv.no_name"),
        (r"^'(?P<value>.*)' is not one of (?P<allowed>.+)$", "areas.csv.bad_level"),
        (r"^a province has no parent$", "areas.csv.province_parent"),
        (r"^unknown parent None$", "areas.csv.no_parent"),
        (r"^unknown parent '(?P<code>.*)'$", "areas.csv.unknown_parent"),
        (r"^the parent of a (?P<level>\w+) must be a (?P<want>\w+), not a (?P<got>\w+)$", "areas.csv.parent_level"),
        (r"^(?P<code>\S+) exists as a (?P<level>\w+) under (?P<parent>\S+); use the merger", "areas.csv.exists"),
        (r"^not UTF-8 text", "areas.csv.not_utf8"),
    )
)
_LEVEL_WORDS = ("province", "commune", "village")


def csv_message(message: str, lang: str) -> str:
    """A CSV row error from ``csvio`` in the page's language (as given when its form is unknown)."""
    for pattern, key in _CSV_PATTERNS:
        m = pattern.match(message)
        if m:
            values = {k: (v if v is not None else "") for k, v in m.groupdict().items()}
            for name in ("level", "want", "got"):
                if values.get(name) in _LEVEL_WORDS:
                    values[name] = t(f"areas.level.{values[name]}", lang).lower()
            return t(key, lang).format(**values)
    return message
