"""Priority and origin levels (Circular 39/2020) and the rule of who interrupts whom."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """Broadcast priority, lowest to highest: normal < priority < emergency."""

    NORMAL = "normal"
    PRIORITY = "priority"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        """1 for normal, 2 for priority, 3 for emergency."""
        return _RANK[self]


_RANK = {Priority.NORMAL: 1, Priority.PRIORITY: 2, Priority.EMERGENCY: 3}


class OriginLevel(StrEnum):
    """The level of government a bulletin comes from (independent of priority)."""

    CENTRAL = "central"
    PROVINCE = "province"
    COMMUNE = "commune"


class PreemptPolicy(StrEnum):
    """What happens to an item interrupted by a higher priority one."""

    RESUME = "resume"
    DROP = "drop"


def preempts(incoming: Priority, playing: Priority) -> bool:
    """True when ``incoming`` interrupts ``playing``: strictly higher priority only.

    Equal priorities never interrupt each other; they play in order of arrival (or start time).
    """
    return incoming.rank > playing.rank
