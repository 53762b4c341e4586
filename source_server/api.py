"""Mounts every domain router under ``/api/v1`` with its tag."""

from __future__ import annotations

from fastapi import APIRouter

from source_server.accounts.api import router as accounts_router
from source_server.accounts.people_api import router as people_router
from source_server.audio.dictionary.api import router as abbreviations_router
from source_server.bulletins.api import router as bulletins_router
from source_server.bulletins.jingles_api import router as jingles_router
from source_server.dispatch.api import router as dispatch_router
from source_server.fleet.api import router as fleet_router
from source_server.fleet.presence_api import router as presence_router
from source_server.keys_api import router as keys_router
from source_server.reports.api import router as reports_router
from source_server.scheduling.api import router as scheduling_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(presence_router, tags=["presence"])
api_router.include_router(fleet_router, tags=["fleet"])
api_router.include_router(dispatch_router, tags=["dispatch"])
api_router.include_router(bulletins_router, tags=["bulletins"])
api_router.include_router(jingles_router, tags=["bulletins"])
api_router.include_router(accounts_router, tags=["accounts"])
api_router.include_router(people_router, tags=["accounts"])
api_router.include_router(scheduling_router, tags=["scheduling"])
api_router.include_router(reports_router, tags=["reports"])
api_router.include_router(abbreviations_router, tags=["abbreviations"])
api_router.include_router(keys_router, tags=["keys"])
