"""Domain error codes in the page's words: the one table from a code to a UI string, and how its data is written.

Services raise errors that carry a stable ``code`` and their data (``params``) beside an English ``message`` for
the API and the logs. Pages say the code, never the message, so rewording a service's message changes no page.
A code missing here falls back to ``fallback`` (default ``err.generic``) with the message: ``tests/web`` checks
that every code of every domain has its words in both languages, so that fallback is never reached in practice.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from typing import Any, Protocol

from source_server.bulletins.exceptions import BulletinErrorCode as B
from source_server.fleet.service import FleetErrorCode as F
from source_server.scheduling.exceptions import SchedulingErrorCode as S
from source_server.web.kit.i18n import t

WORDS: dict[StrEnum, str] = {
    B.TARGET_TYPE: "bulletin.err.scope",
    B.TARGET_NONE: "bulletin.err.target_none",
    B.TARGET_DEVICE_OUTSIDE: "bulletin.err.device_outside",
    B.TARGET_GROUP_PROVINCE_ONLY: "bulletin.err.group",
    B.TARGET_UNKNOWN: "bulletin.err.target_unknown",
    B.TARGET_MERGED: "bulletin.err.target_merged",
    B.TARGET_OUTSIDE: "bulletin.err.target_outside",
    B.TARGET_REFUSED: "bulletin.err.target_refused",
    B.TARGET_NO_DEVICE: "bulletin.err.target_no_device",
    B.TITLE_EMPTY: "bulletin.err.title_empty",
    B.TITLE_LONG: "bulletin.err.title_long",
    B.TEXT_LONG: "bulletin.err.text_long",
    B.TEXT_GARBLED: "bulletin.err.text_garbled",
    B.TEXT_UNSPEAKABLE: "bulletin.err.text_unspeakable",
    B.CONTENT_NEEDED: "bulletin.err.text_needed",
    B.PRIORITY_UNKNOWN: "bulletin.err.priority",
    B.NOT_EMERGENCY: "bulletin.err.not_emergency",
    B.CATEGORY_UNKNOWN: "bulletin.err.category",
    B.UNTIL_BEFORE_FROM: "bulletin.err.until_before",
    B.UNTIL_PAST: "bulletin.err.until_past",
    B.VALIDITY_ENDED: "bulletin.err.validity_ended",
    B.OWNER_UNKNOWN: "bulletin.err.owner",
    B.READ_ONLY: "err.read_only",
    B.CHANGED_MEANWHILE: "bulletin.err.changed_meanwhile",
    B.VERSION_CHANGED: "bulletin.err.version",
    B.REASON_MISSING: "bulletin.err.reason",
    B.NO_AUDIO: "bulletin.err.no_audio",
    B.AUDIO_REJECTED: "bulletin.audio.reject.{reason}",
    B.AUDIO_SOURCE_MISSING: "bulletin.err.audio_missing",
    B.TTS_FAILED: "bulletin.audio.err.no_engine",
    B.SPEECH_TOO_LONG: "bulletin.audio.err.text_long",
    B.FILE_MISSING: "bulletin.audio.choose_first",
    B.STATE_FILTER_UNKNOWN: "bulletin.err.filter_state",
    B.COMMAND_NOT_PLAY: "bulletin.err.command_not_play",
    B.JINGLE_BY_HASH: "jingle.err.by_hash",
    B.JINGLE_BROKEN: "jingle.err.broken",
    B.JINGLE_OUTSIDE: "jingle.err.outside",
    B.JINGLE_INACTIVE: "jingle.err.inactive",
    B.JINGLE_WRONG_KIND: "jingle.err.kind",
    B.JINGLE_MISSING: "jingle.err.missing",
    B.JINGLE_NAME_EMPTY: "jingle.err.name",
    B.JINGLE_NAME_LONG: "jingle.err.name_long",
    B.JINGLE_KIND_UNKNOWN: "jingle.err.kind_choice",
    B.JINGLE_AREA_UNKNOWN: "jingle.err.area",
    B.JINGLE_AREA_OUTSIDE: "jingle.err.area_outside",
    B.MEDIA_UNKNOWN: "bulletin.err.media_unknown",
    B.MEDIA_WRONG_TYPE: "bulletin.err.media_wrong_type",
    B.RENDITION_KIND_UNKNOWN: "bulletin.err.rendition_kind",
    B.RENDITION_AUDIO_MADE: "bulletin.err.rendition_audio",
    B.DURATION_INVALID: "bulletin.err.duration_invalid",
    B.DURATION_MISSING: "bulletin.err.duration_missing",
    B.STREAM_URL_INVALID: "bulletin.err.stream_url",
    B.STREAM_TYPE_MISSING: "bulletin.err.stream_type",
    S.LABEL_INVALID: "programme.err.label",
    S.START_INVALID: "programme.err.start",
    S.START_CLASH: "programme.err.start_clash",
    S.LENGTH_INVALID: "programme.err.length",
    S.LENGTH_OVER: "programme.err.length_over",
    S.WEEKDAYS_NONE: "programme.err.weekdays",
    S.LAST_BEFORE_FIRST: "programme.err.last_before_first",
    S.ITEMS_ON_DAY: "programme.err.items_on_day",
    S.READ_ONLY: "err.read_only",
    S.AT_WITHOUT_OFFSET: "programme.err.at",
    S.SLOT_OR_TIME: "programme.err.slot_or_time",
    S.POSITION_NEGATIVE: "programme.err.position",
    S.ITEM_LIST: "programme.err.item_list",
    S.AREA_MERGED: "programme.merged",
    S.NOT_PRIORITY: "programme.err.not_priority",
    S.SLOT_DELETED: "programme.err.slot_deleted",
    S.SLOT_BUSY: "programme.err.slot_busy",
    S.BEGUN: "programme.err.begun",
    S.PLAYED: "programme.err.played",
    S.KIND_UNKNOWN: "programme.err.kind",
    F.INVALID: "areas.merge.invalid",
    F.MERGE_NOT_COMMUNE: "areas.merge.not_commune",
    F.MERGE_SELF: "areas.merge.same",
    F.MERGE_INACTIVE: "areas.merge.inactive",
    F.CSV_NOT_UTF8: "areas.csv.not_utf8",
    F.CSV_MISSING_COLUMN: "areas.csv.missing_column",
    F.CSV_UNKNOWN_COLUMN: "areas.csv.unknown_column",
    F.CSV_EXTRA_FIELDS: "areas.csv.extra_fields",
    F.CSV_DUPLICATE: "areas.csv.duplicate",
    F.CSV_BAD_CODE: "areas.csv.bad_code",
    F.CSV_NO_NAME: "areas.csv.no_name",
    F.CSV_BAD_LEVEL: "areas.csv.bad_level",
    F.CSV_PROVINCE_PARENT: "areas.csv.province_parent",
    F.CSV_NO_PARENT: "areas.csv.no_parent",
    F.CSV_UNKNOWN_PARENT: "areas.csv.unknown_parent",
    F.CSV_PARENT_LEVEL: "areas.csv.parent_level",
    F.CSV_EXISTS: "areas.csv.exists",
}
"""Every domain error code → the key of its words (``{name}`` placeholders in a key are filled from the data)."""

JINGLE_PAGE_WORDS: dict[StrEnum, str] = {**WORDS, B.AUDIO_REJECTED: "jingle.reject.{reason}"}
"""The jingles page says a refused file in a jingle's terms (its own limits)."""

CODE_ENUMS: tuple[type[StrEnum], ...] = (B, S, F)
"""Every domain's code enum (a test checks each member has words in both languages)."""


class CodedError(Protocol):
    """What a domain error with a code offers a page."""

    @property
    def code(self) -> StrEnum: ...
    @property
    def message(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Coded:
    """A code with its data, as an API answer carries it (for words made ahead, e.g. for a page's script)."""

    code: StrEnum
    params: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class PageError:
    """A domain error as a page shows it: the form field it belongs to ("" for the page), the words, the status."""

    field: str
    message: str
    status: int


def _written(value: object, lang: str) -> str:
    """A datum as the page writes it: ``30/04/2026``, ``06:00``, lists joined by commas."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_written(v, lang) for v in value)
    return str(value)


class _Keep(dict[str, str]):
    """Placeholders with no datum stay as they are (a page may fill ``{mb}`` itself, or its script does)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def words(
    exc: CodedError,
    lang: str,
    *,
    names: Mapping[str, str] | None = None,
    table: Mapping[StrEnum, str] = WORDS,
    fallback: str = "err.generic",
    extra: Mapping[str, object] | None = None,
) -> str:
    """The words of a coded domain error in ``lang``; ``names`` turns an area or device ``code`` into ``{name}``,
    ``extra`` adds what only the page knows (limits, for instance)."""
    values = {k: _written(v, lang) for k, v in {**exc.params, **(extra or {})}.items()}
    values.setdefault("field", str(getattr(exc, "field", "")))
    values.setdefault("message", exc.message)
    if "code" in values:
        values.setdefault("name", (names or {}).get(values["code"], values["code"]))
    key = table.get(exc.code)
    if key is None:
        return t(fallback, lang).format_map(_Keep(values))
    key = string.Formatter().vformat(key, (), _Keep(values))
    return t(key, lang).format_map(_Keep(values))
