"""The table of the administrative tree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from source_server.db import Base, UtcDateTime, utcnow


class Area(Base):
    """A node of the administrative tree: province → commune (xã/phường/đặc khu) → village (thôn/tổ)."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # province | commune | village
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    """False for a commune merged away (kept so history still names it)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
