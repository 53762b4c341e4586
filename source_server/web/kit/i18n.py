"""UI strings in Vietnamese (first) and English; the language comes from ``?lang=`` or the ``nguon_lang`` cookie."""

from __future__ import annotations

from fastapi import Request

from source_server.web.strings import merged

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
LANG_COOKIE = "nguon_lang"

MESSAGES: dict[str, dict[str, str]] = merged()


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """The text of ``key`` in ``lang`` (Vietnamese, then the key itself, when missing)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry[DEFAULT_LANG]


def get_lang(request: Request) -> str:
    """The request's language: ``?lang=`` first, then the cookie, then Vietnamese."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value
    return DEFAULT_LANG
