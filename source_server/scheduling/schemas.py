"""API shapes of the programme: slots, placements and their problems, items, the plan of a day, insertions.

Times: ``start_local`` and ``day`` are Vietnamese local (Asia/Ho_Chi_Minh); every ``*_at`` is an instant with
its offset (sent and stored in UTC). ``at`` of a one-off placement must carry its offset.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class SlotBase(BaseModel):
    """What defines a recurring slot."""

    label: str = Field(min_length=1, max_length=100, examples=["Buổi sáng"])
    start_local: time = Field(examples=["06:00"])
    duration_s: int = Field(examples=[1800])
    weekdays: list[int] = Field(default=[1, 2, 3, 4, 5, 6, 7], description="ISO weekdays: 1 = Monday … 7 = Sunday")
    first_day: date | None = None
    last_day: date | None = None
    skip_dates: list[date] = Field(default_factory=list, description="Local dates it does not run, e.g. holidays")


class SlotCreate(SlotBase):
    """A new slot."""

    model_config = ConfigDict(extra="forbid")


class SlotUpdate(BaseModel):
    """Fields to change."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, min_length=1, max_length=100)
    start_local: time | None = None
    duration_s: int | None = None
    weekdays: list[int] | None = None
    first_day: date | None = None
    last_day: date | None = None
    skip_dates: list[date] | None = None


class SlotRead(SlotBase):
    """A slot as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    active: bool


class ProgrammeRead(BaseModel):
    """An area's programme: its slots."""

    area_code: str
    slots: list[SlotRead]


class PlaceIn(BaseModel):
    """A bulletin into a slot occurrence (slot + local day) at a position (none: last)."""

    model_config = ConfigDict(extra="forbid")

    bulletin_id: int
    slot_id: int
    day: date
    position: int | None = Field(default=None, ge=0)


class PlaceAtIn(BaseModel):
    """A bulletin once, at a fixed time."""

    model_config = ConfigDict(extra="forbid")

    bulletin_id: int
    at: AwareDatetime = Field(examples=["2026-01-10T06:00:00+07:00"])


class CheckIn(BaseModel):
    """A placement to check without saving: ``slot_id`` and ``day`` (and ``position``), or ``at``."""

    model_config = ConfigDict(extra="forbid")

    bulletin_id: int
    slot_id: int | None = None
    day: date | None = None
    position: int | None = Field(default=None, ge=0)
    at: AwareDatetime | None = None


class ProblemRead(BaseModel):
    """One problem of a placement."""

    code: str
    field: str
    message: str
    data: dict[str, Any] = Field(default_factory=dict)


class CheckRead(BaseModel):
    """The answer of a dry run: every problem, and where the item would play."""

    ok: bool
    problems: list[ProblemRead]
    start_at: datetime | None
    end_at: datetime | None
    position: int | None


class ItemRead(BaseModel):
    """A placed item and what was sent for it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    bulletin_id: int
    slot_id: int | None
    day: date
    position: int
    at: datetime | None
    state: str
    note: str
    command_id: str | None
    sent_start: datetime | None


class TimedRead(ItemRead):
    """An item in a plan, with its bulletin and computed times."""

    title: str
    priority: str
    owner_area: str
    duration_ms: int | None
    start_at: datetime
    end_at: datetime
    start_local: time


class ReorderIn(BaseModel):
    """The occurrence's items, every one once, in the new order."""

    model_config = ConfigDict(extra="forbid")

    item_ids: list[int] = Field(min_length=1)


class PlanSlotRead(BaseModel):
    """One slot on the day."""

    slot: SlotRead
    start_at: datetime
    end_at: datetime
    runs: bool
    why_not: str | None
    filled_s: float
    over_s: float
    items: list[TimedRead]


class DayPlanRead(BaseModel):
    """A local day of the programme; ``inherited``: items of the province's programme that reach this area."""

    area_code: str
    day: date
    slots: list[PlanSlotRead]
    one_off: list[TimedRead]
    inherited: list[TimedRead]
    cancelled: list[TimedRead]


class PriorityIn(BaseModel):
    """A priority bulletin to insert into its communes' next slots."""

    model_config = ConfigDict(extra="forbid")

    bulletin_id: int


class OutcomeRead(BaseModel):
    """What happened in one commune; ``collides_with``: the commune's own priority items ahead of it."""

    commune: str
    status: str
    message: str
    item_id: int | None
    slot_id: int | None
    day: date | None
    start_at: datetime | None
    collides_with: list[ItemRead]
    warnings: list[ProblemRead]


class PriorityInsertionRead(BaseModel):
    """The outcome in every targeted commune."""

    bulletin_id: int
    outcomes: list[OutcomeRead]
