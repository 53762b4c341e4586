"""The table of abbreviation entries: the province's own, and each commune's (which win in that commune)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from source_server.db import Base, UtcDateTime, utcnow


class Abbreviation(Base):
    """One entry: how ``abbreviation`` is read aloud in ``area_code`` (the province, or one commune).

    ``abbreviation`` is matched as ``audio.textnorm`` matches its defaults: written with a capital letter it
    matches exactly, written in lower case it matches in any case. An empty ``reading`` switches off the entry
    the area would otherwise use (a default, or the province's for a commune): the word is read by the general
    rules then.
    """

    __tablename__ = "abbreviations"
    __table_args__ = (UniqueConstraint("area_code", "abbreviation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(String(32), index=True)
    abbreviation: Mapped[str] = mapped_column(String(32))
    reading: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
