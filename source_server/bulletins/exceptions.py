"""Errors of the bulletins domain; each carries its data as attributes.

BulletinError
 ├── BulletinNotFound        no such bulletin in the caller's areas (.bulletin_id)
 ├── JingleNotFound          no such jingle in the caller's areas (.jingle_id)
 ├── InvalidBulletin         a field is wrong (.field, .message); nothing was changed
 ├── TransitionRefused       the workflow does not allow .action from .state
 └── NotPermitted            the caller's roles do not allow .action here (.action, .area)
"""

from __future__ import annotations


class BulletinError(Exception):
    """Base of the bulletins domain's errors."""


class BulletinNotFound(BulletinError):
    """No such bulletin, or not in the caller's areas (the two are not told apart)."""

    def __init__(self, bulletin_id: int) -> None:
        super().__init__(f"no bulletin {bulletin_id} in your areas")
        self.bulletin_id = bulletin_id


class JingleNotFound(BulletinError):
    """No such jingle, or not in the caller's areas (the two are not told apart)."""

    def __init__(self, jingle_id: int) -> None:
        super().__init__(f"no jingle {jingle_id} in your areas")
        self.jingle_id = jingle_id


class InvalidBulletin(BulletinError):
    """A field is missing or wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransitionRefused(BulletinError):
    """The workflow does not allow this step from the bulletin's current state."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"cannot {action} a bulletin that is {state}")
        self.action = action
        self.state = state


class NotPermitted(BulletinError):
    """The caller holds no role that allows this step in the bulletin's area."""

    def __init__(self, action: str, area: str, why: str = "") -> None:
        super().__init__(f"not permitted to {action} in area {area}" + (f": {why}" if why else ""))
        self.action = action
        self.area = area
        self.why = why
