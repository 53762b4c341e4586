"""Refusals of the abbreviation dictionary; nothing was changed when one is raised.

DictionaryError
├── EntryRefused   a wrong entry (422): ``field``, ``code`` and ``params`` for the page's words
├── NotFound       no such area or entry within the caller's areas (404)
└── NotPermitted   seen, but the caller's role may not change it (403)
"""

from __future__ import annotations


class DictionaryError(Exception):
    """Base of the dictionary's refusals."""


class EntryRefused(DictionaryError, ValueError):
    """A refused entry; ``field`` (area_code, abbreviation, reading), ``code`` and ``params`` let a page say it in
    its language (``message`` is the English sentence)."""

    def __init__(self, field: str, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message
        self.params = params


class NotFound(DictionaryError, LookupError):
    """No such province, commune or entry within the caller's areas (not told apart from 'none at all')."""


class NotPermitted(DictionaryError, PermissionError):
    """The caller sees the dictionary but may not change it; ``why`` says who may."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why
