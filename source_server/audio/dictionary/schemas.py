"""API shapes of the abbreviation dictionary."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AbbreviationCreate(BaseModel):
    """A new entry: the province's or one commune's. An empty reading switches off an entry the area has."""

    area_code: str = Field(max_length=32)
    abbreviation: str = Field(max_length=200)
    reading: str = Field(default="", max_length=1000)


class AbbreviationUpdate(BaseModel):
    """What changes in an entry (fields left out stay)."""

    abbreviation: str | None = Field(default=None, max_length=200)
    reading: str | None = Field(default=None, max_length=1000)


class AbbreviationRead(BaseModel):
    """A stored entry."""

    id: int
    area_code: str
    abbreviation: str
    reading: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class DictionaryRow(BaseModel):
    """One abbreviation as the area reads it; ``entry`` is None for a default nobody changed."""

    abbreviation: str
    reading: str
    """Empty: switched off (read by the general rules: a Vietnamese word as a word, else letter by letter)."""
    source: Literal["default", "province", "commune"]
    replaces: str | None
    """The reading beneath (the default's, or the province's for a commune entry) that this one takes over."""
    entry: AbbreviationRead | None


class DictionaryRead(BaseModel):
    """An area's whole dictionary: defaults, the province's entries and (for a commune) its own."""

    area_code: str
    area_name: str
    may_edit: bool
    rows: list[DictionaryRow]
