"""Valid requests of the programme pages (issue 4) for the security matrix: forms as the pages post them, aimed
at one commune's programme (its seeded slot and item from ``programme.seed_programme``)."""

from __future__ import annotations

from typing import Any

from tests.security.programme import DAY
from tests.security.world import Side, World

ALL_WEEK = ["1", "2", "3", "4", "5", "6", "7"]


def new_slot(side: Side, world: World) -> dict[str, Any]:
    """An evening slot of a quarter of an hour (no other route's slot is at that time)."""
    return {"data": {"label": "Buổi tối", "start": "20:00", "length": "15", "weekdays": ALL_WEEK}}


def slot_change(side: Side, world: World) -> dict[str, Any]:
    """The seeded morning slot renamed, everything else as it is."""
    return {"data": {"label": "Sáng sớm", "start": "06:00", "length": "30", "weekdays": ALL_WEEK}}


def placement(side: Side, world: World) -> dict[str, Any]:
    """The commune's spare bulletin once at 10:00 on ``DAY``, saved."""
    return {"data": {"bulletin_id": str(side.spare_bulletin_id), "mode": "once", "at_day": DAY.isoformat(),
                     "at_time": "10:00", "then": "save"}}  # fmt: skip


def move_up(side: Side, world: World) -> dict[str, Any]:
    """The seeded item one place earlier (it is first: the order stays, the rights are still checked)."""
    return {"data": {"direction": "up"}}
