"""Errors of dispatch.

DispatchError
 ├── TargetError       a target that names unknown devices or reaches no device
 └── ScheduleError     a start time or lifetime a device would refuse
"""

from __future__ import annotations


class DispatchError(Exception):
    """Base of every dispatch error."""


class TargetError(DispatchError):
    """A target that cannot be resolved to at least one known device."""

    def __init__(self, reason: str, unknown: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown = unknown


class ScheduleError(DispatchError):
    """A start time or lifetime outside what the protocol allows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
