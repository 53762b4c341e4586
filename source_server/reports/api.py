"""HTTP API of reports: per-commune statistics of a period, as JSON or CSV (scoped to the caller's areas)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status

from source_server.accounts.service import READ_ROLES
from source_server.deps import CurrentUser, SessionDep
from source_server.fleet.kinds import KINDS
from source_server.fleet.uptime import LOCAL_TZ, local_today
from source_server.reports.service import broadcast_stats

router = APIRouter(prefix="/reports")
COLUMNS = ("code", "name", "devices_online", "devices_total", "bulletins", "minutes_on_air", "emergencies",
           "central_bulletins", "plays_started", "plays_done", "plays_interrupted")  # fmt: skip
KIND_COLUMNS = ("devices_total", "devices_online", "bulletins", "minutes_on_air", "emergencies", "central_bulletins",
                "plays_started", "plays_done", "plays_interrupted")  # fmt: skip
CSV_COLUMNS = COLUMNS + tuple(f"{kind}_{c}" for kind in KINDS for c in KIND_COLUMNS)
"""The headline (loudspeaker broadcasts, every device) then each kind's figures apart."""


def _period(since: date | None, until: date | None) -> tuple[datetime, datetime, date, date]:
    """Local days [since, until] (default: this month so far) as UTC instants."""
    today = local_today()
    first = since or today.replace(day=1)
    last = until or today
    if last < first or (last - first).days > 366:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Choose a period of at most a year, in order.")
    start = datetime.combine(first, time.min, LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL_TZ)
    return start, end, first, last


@router.get("/broadcasts")
def broadcasts(
    db: SessionDep,
    user: CurrentUser,
    since: Annotated[date | None, Query(description="First local day (default: the 1st of this month)")] = None,
    until: Annotated[date | None, Query(description="Last local day, included (default: today)")] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    """Per commune: devices connected / total now, bulletins broadcast, minutes on air, emergencies, central ones;
    the headline counts loudspeakers, ``by_kind`` (CSV: ``<kind>_`` columns) each device kind apart."""
    start, end, first, last = _period(since, until)
    stats = broadcast_stats(db, areas=user.areas_for(READ_ROLES), since=start, until=end)
    if format == "json":
        return {"since": first, "until": last, "communes": [s.public() for s in stats]}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(s.flat() for s in stats)
    name = f"bao-cao-phat-thanh-{first}-{last}.csv"
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM so that spreadsheet programs read the Vietnamese names right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
