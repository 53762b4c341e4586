"""Tables of the programme: one programme per area, its recurring slots, and the items placed in it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from source_server.db import Base, UtcDateTime, utcnow


class Programme(Base):
    """The broadcast programme (lịch phát) of one commune or of the province."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Slot(Base):
    """A recurring slot: a local start time (Asia/Ho_Chi_Minh), a length, weekdays, dates it runs and skips."""

    __tablename__ = "programme_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    start_local: Mapped[time] = mapped_column(Time)
    duration_s: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[list[int]] = mapped_column(JSON)
    """ISO weekdays it runs on: 1 = Monday … 7 = Sunday."""
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    skip_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Local dates (ISO) it does not run on, e.g. public holidays."""
    active: Mapped[bool] = mapped_column(default=True)
    """False once deleted (kept so the items that played in it still name it)."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ScheduleItem(Base):
    """A bulletin placed in a slot occurrence (slot + local day, at a position) or one-off at a fixed time.

    ``command_id``/``sent_*`` say what devices were sent: the play command and the start, media and target it
    carried. The sync compares them with the computed plan to know when a stop and a new play are due.
    """

    __tablename__ = "schedule_items"
    __table_args__ = (
        Index("ix_schedule_items_programme_day", "programme_id", "day"),
        Index("ix_schedule_items_slot_day", "slot_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"), index=True)
    content_kind: Mapped[str] = mapped_column(String(16), default="audio", server_default="audio")
    """Which of the bulletin's renditions it plays (a ``protocols.Capability`` value; audio for loudspeakers)."""
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("programme_slots.id"))
    day: Mapped[date] = mapped_column(Date)
    """Local date of the slot occurrence, or of a one-off item's start."""
    position: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """A one-off item's fixed start (None for slot items, whose start is computed)."""
    reach: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Where it plays: ``{"areas": [[path…]], "devices": {id: [path…]}}`` (the bulletin's target within the area)."""
    state: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    """planned | sent | cancelled | done"""
    note: Mapped[str] = mapped_column(String(200), default="")
    command_id: Mapped[str | None] = mapped_column(String(64))
    sent_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_duration_ms: Mapped[int | None] = mapped_column(Integer)
    sent_media_sha256: Mapped[str | None] = mapped_column(String(64))
    sent_target: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    stop_command_id: Mapped[str | None] = mapped_column(String(64))
    """The stop sent for the play of a cancelled item."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
