"""The first plain status page: communes with their online / stale / offline / never-seen counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from source_server.db import utcnow
from source_server.fleet.presence_queries import summary

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _connected_ratio(row: dict[str, Any]) -> float:
    return (row["online"] / row["total"]) if row["total"] else 1.0


@router.get("/", response_class=HTMLResponse)
def status_page(request: Request) -> HTMLResponse:
    """Aggregate counts only (no device ids): communes worst-connected first, refreshed every 10 s."""
    runtime = request.app.state.runtime
    province = runtime.settings.province_code
    with runtime.sessions() as db:
        data = summary(db, areas=[province], level="commune")
    communes = sorted(data["areas"], key=lambda r: (_connected_ratio(r), r["area_name"] or ""))
    return templates.TemplateResponse(
        request,
        "status.html",
        {
            "communes": communes,
            "totals": data["totals"],
            "mqtt_connected": runtime.mqtt.connected,
            "now": utcnow(),
        },
    )
