"""Errors of the scheduling domain; each carries its data as attributes.

SchedulingError
 ├── NotFound            no such programme, slot, item or bulletin in the caller's areas (.what, .key)
 ├── NotPermitted        the caller's roles do not allow changing this programme (.action, .area)
 ├── InvalidInput        a field is wrong (.field, .message); nothing was changed
 ├── PlacementRefused    check_placement found problems (.problems, each a Problem); nothing was saved
 └── StateConflict       the item or occurrence is past the point where this change is possible (.message)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


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

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PlacementRefused(SchedulingError):
    """The placement has problems; every one of them is listed (the user fixes them all at once)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class StateConflict(SchedulingError):
    """The change is no longer possible (an occurrence already begun, an item already played)."""

    def __init__(self, message: str, item_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.item_id = item_id
