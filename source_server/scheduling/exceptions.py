"""Errors of the scheduling domain; each carries its data as attributes.

SchedulingError
 ├── NotFound            no such programme, slot, item or bulletin in the caller's areas (.what, .key)
 ├── NotPermitted        the caller's roles do not allow changing this programme (.action, .area)
 ├── InvalidInput        a field is wrong (.code, .field, .message, .params); nothing was changed
 ├── PlacementRefused    check_placement found problems (.problems, each a Problem); nothing was saved
 └── StateConflict       the change is no longer possible (.code, .message, .params)

``.code`` (a ``SchedulingErrorCode``; a ``Problem``'s own ``.code``) and the data are what a page words;
``.message`` is the English sentence for the API and the logs, free to be reworded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SchedulingErrorCode(StrEnum):
    """Why a programme change was refused: stable codes that pages turn into their own words."""

    LABEL_INVALID = "label_invalid"
    START_INVALID = "start_invalid"
    START_CLASH = "start_clash"
    LENGTH_INVALID = "length_invalid"
    LENGTH_OVER = "length_over"
    WEEKDAYS_NONE = "weekdays_none"
    LAST_BEFORE_FIRST = "last_before_first"
    ITEMS_ON_DAY = "items_on_day"
    READ_ONLY = "read_only"
    AT_WITHOUT_OFFSET = "at_without_offset"
    SLOT_OR_TIME = "slot_or_time"
    POSITION_NEGATIVE = "position_negative"
    ITEM_LIST = "item_list"
    AREA_MERGED = "area_merged"
    NOT_PRIORITY = "not_priority"
    SLOT_DELETED = "slot_deleted"
    SLOT_BUSY = "slot_busy"
    BEGUN = "begun"
    PLAYED = "played"
    KIND_UNKNOWN = "kind_unknown"


@dataclass(frozen=True)
class Problem:
    """One reason a placement cannot be saved: a stable code, the field it concerns, a message, and its data."""

    code: str
    field: str
    message: str
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


class SchedulingError(Exception):
    """Base of the scheduling domain's errors."""


class NotFound(SchedulingError):
    """No such thing, or not in the caller's areas (the two are not told apart)."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"no {what} {key} in your areas")
        self.what = what
        self.key = key


class NotPermitted(SchedulingError):
    """The caller holds no role that allows this change in the programme's area."""

    def __init__(self, action: str, area: str) -> None:
        super().__init__(f"not permitted to {action} in area {area}")
        self.action = action
        self.area = area


class InvalidInput(SchedulingError):
    """A field is missing or wrong."""

    def __init__(self, code: SchedulingErrorCode, field: str, message: str, /, **params: Any) -> None:
        super().__init__(f"{field}: {message}")
        self.code = code
        self.field = field
        self.message = message
        self.params = params


class PlacementRefused(SchedulingError):
    """The placement has problems; every one of them is listed (the user fixes them all at once)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class StateConflict(SchedulingError):
    """The change is no longer possible (an occurrence already begun, an item already played)."""

    def __init__(self, code: SchedulingErrorCode, message: str, /, item_id: int | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.item_id = item_id
        self.params = params
