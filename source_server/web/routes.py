"""Every page router of the operator UI, in one router that the app (and the page tests) mount."""

from __future__ import annotations

from fastapi import APIRouter

from source_server.web.audio import abbreviations, jingles
from source_server.web.bulletins import emergency
from source_server.web.bulletins import pages as bulletins
from source_server.web.fleet import alarms, areas, dashboard, devices
from source_server.web.people import access as pages
from source_server.web.people import users as people
from source_server.web.programme import pages as programme
from source_server.web.proof import devices as proof_devices

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
