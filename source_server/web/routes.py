"""Every page router of the operator UI, in one router that the app (and the page tests) mount."""

from __future__ import annotations

from fastapi import APIRouter

from source_server.web import (
    abbreviations,
    alarms,
    areas,
    bulletins,
    dashboard,
    devices,
    emergency,
    jingles,
    pages,
    people,
    programme,
    proof_devices,
)

web_router = APIRouter(include_in_schema=False)
for _module in (
    pages,
    dashboard,
    devices,
    alarms,
    areas,
    people,
    bulletins,
    jingles,
    emergency,
    proof_devices,
    programme,
    abbreviations,
):
    web_router.include_router(_module.router)
