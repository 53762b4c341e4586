"""Pages: alarms (server-rendered; data from the domain services, scoped to the user's areas)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
