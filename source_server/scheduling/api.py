"""HTTP API of the programme (thin over ``service``), mounted at ``/api/v1/programmes``.

Errors: an area, slot, item or bulletin outside the caller's areas → 404; a role that does not allow the change
→ 403; an occurrence already begun or an item already played → 409; a wrong field or a placement with problems
→ 422 with ``[{"field", "message"}]`` (placements add ``code`` and ``data``; the dry run ``/check`` lists the
same problems with 200). A committed change wakes the programme sync, which sends devices what changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from source_server.deps import CurrentUser, SessionDep, client_ip
from source_server.scheduling import service
from source_server.scheduling.exceptions import (
    InvalidInput,
    NotFound,
    NotPermitted,
    PlacementRefused,
    StateConflict,
)
from source_server.scheduling.models import ScheduleItem, Slot
from source_server.scheduling.plan import Timed
from source_server.scheduling.schemas import (
    CheckIn,
    CheckRead,
    DayPlanRead,
    ItemRead,
    PlaceAtIn,
    PlaceIn,
    PriorityIn,
    PriorityInsertionRead,
    ProgrammeRead,
    ReorderIn,
    SlotCreate,
    SlotRead,
    SlotUpdate,
)
from source_server.scheduling.timing import local_time

router = APIRouter(prefix="/programmes")
AreaCode = Annotated[str, Path(max_length=32, description="The province or a commune code")]


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Domain errors as HTTP answers (nothing was changed: the request's transaction rolls back)."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No such {exc.what} in your areas.") from exc
    except NotPermitted as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not allow changing this programme.") from exc
    except StateConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, exc.message) from exc
    except InvalidInput as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, [{"field": exc.field, "message": exc.message}]
        ) from exc
    except PlacementRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [asdict(p) for p in exc.problems]) from exc


def _gap(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.runtime.settings.programme_gap_s)


def _timed(t: Timed) -> dict[str, Any]:
    return {
        **ItemRead.model_validate(t.item).model_dump(),
        "title": t.bulletin.title,
        "priority": t.bulletin.priority,
        "owner_area": t.bulletin.owner_area,
        "duration_ms": t.duration_ms,
        "start_at": t.start,
        "end_at": t.end,
        "start_local": local_time(t.start),
    }


@router.get("/{area_code}", response_model=ProgrammeRead)
def get_programme(db: SessionDep, user: CurrentUser, area_code: AreaCode) -> dict[str, Any]:
    """The area's programme and its slots (empty until the first slot)."""
    with _domain_errors():
        return {"area_code": area_code, "slots": service.list_slots(db, principal=user, area_code=area_code)}


@router.post("/{area_code}/slots", response_model=SlotRead, status_code=201)
def create_slot(db: SessionDep, user: CurrentUser, area_code: AreaCode, body: SlotCreate, request: Request) -> Slot:
    """A new recurring slot (local time)."""
    with _domain_errors():
        data = service.SlotInput(**body.model_dump())
        slot = service.create_slot(db, principal=user, area_code=area_code, data=data, source_ip=client_ip(request))
    return slot


@router.patch("/{area_code}/slots/{slot_id}", response_model=SlotRead)
def update_slot(
    db: SessionDep, user: CurrentUser, area_code: AreaCode, slot_id: int, body: SlotUpdate, request: Request
) -> Slot:
    """Change a slot (refused when items placed on a coming day would lose their place or not fit)."""
    with _domain_errors():
        slot = service.update_slot(
            db,
            principal=user,
            area_code=area_code,
            slot_id=slot_id,
            changes=body.model_dump(exclude_unset=True),
            gap=_gap(request),
            source_ip=client_ip(request),
        )
    return slot


@router.delete("/{area_code}/slots/{slot_id}", status_code=204)
def delete_slot(db: SessionDep, user: CurrentUser, area_code: AreaCode, slot_id: int, request: Request) -> Response:
    """Delete a slot with no items left to play."""
    with _domain_errors():
        service.delete_slot(db, principal=user, area_code=area_code, slot_id=slot_id, source_ip=client_ip(request))
    return Response(status_code=204)


@router.get("/{area_code}/days/{day}", response_model=DayPlanRead)
def day_plan(db: SessionDep, user: CurrentUser, area_code: AreaCode, day: date, request: Request) -> dict[str, Any]:
    """The computed plan of a local day: each item's start and end."""
    with _domain_errors():
        plan = service.day_plan(db, principal=user, area_code=area_code, day=day, gap=_gap(request))
    slots = [
        {
            "slot": s.slot,
            "start_at": s.start,
            "end_at": s.end,
            "runs": s.why_not is None,
            "why_not": s.why_not,
            "filled_s": s.filled_s,
            "over_s": s.over_s,
            "items": [_timed(t) for t in s.items],
        }
        for s in plan.slots
    ]
    return {
        "area_code": plan.area_code,
        "day": plan.day,
        "slots": slots,
        "one_off": [_timed(t) for t in plan.one_off],
        "inherited": [_timed(t) for t in plan.inherited],
        "cancelled": [_timed(t) for t in plan.cancelled],
    }


@router.post("/{area_code}/check", response_model=CheckRead)
def check(db: SessionDep, user: CurrentUser, area_code: AreaCode, body: CheckIn, request: Request) -> dict[str, Any]:
    """Dry run: every problem of a placement, before saving it."""
    with _domain_errors():
        found = service.check_placement(db, principal=user, area_code=area_code, gap=_gap(request), **body.model_dump())
    return {
        "ok": not found.problems,
        "problems": [asdict(p) for p in found.problems],
        "start_at": found.start,
        "end_at": found.end,
        "position": found.position,
    }


@router.post("/{area_code}/items", response_model=ItemRead, status_code=201)
def place(db: SessionDep, user: CurrentUser, area_code: AreaCode, body: PlaceIn, request: Request) -> ScheduleItem:
    """Place an approved bulletin in a slot occurrence."""
    with _domain_errors():
        item = service.place(
            db,
            principal=user,
            area_code=area_code,
            gap=_gap(request),
            source_ip=client_ip(request),
            **body.model_dump(),
        )
    return item


@router.post("/{area_code}/items/at", response_model=ItemRead, status_code=201)
def place_at(db: SessionDep, user: CurrentUser, area_code: AreaCode, body: PlaceAtIn, request: Request) -> ScheduleItem:
    """Place an approved bulletin once at a fixed time."""
    with _domain_errors():
        item = service.place_at(
            db,
            principal=user,
            area_code=area_code,
            bulletin_id=body.bulletin_id,
            at=body.at,
            gap=_gap(request),
            source_ip=client_ip(request),
        )
    return item


@router.put("/{area_code}/slots/{slot_id}/days/{day}/order", response_model=list[ItemRead])
def reorder(
    db: SessionDep,
    user: CurrentUser,
    area_code: AreaCode,
    slot_id: int,
    day: date,
    body: ReorderIn,
    request: Request,
) -> list[dict[str, Any]]:
    """Put a slot occurrence's items in a new order (before it begins)."""
    with _domain_errors():
        timed = service.reorder(
            db,
            principal=user,
            area_code=area_code,
            slot_id=slot_id,
            day=day,
            item_ids=body.item_ids,
            gap=_gap(request),
            source_ip=client_ip(request),
        )
    return [ItemRead.model_validate(t.item).model_dump() for t in timed]


@router.delete("/{area_code}/items/{item_id}", response_model=ItemRead)
def remove(db: SessionDep, user: CurrentUser, area_code: AreaCode, item_id: int, request: Request) -> ScheduleItem:
    """Take an item out (a play already sent to devices is stopped)."""
    with _domain_errors():
        item = service.remove(db, principal=user, area_code=area_code, item_id=item_id, source_ip=client_ip(request))
    return item


@router.post("/priority-insertions", response_model=PriorityInsertionRead)
def insert_priority(db: SessionDep, user: CurrentUser, body: PriorityIn, request: Request) -> dict[str, Any]:
    """Insert a priority bulletin into the next slot of every commune it targets; collisions are reported."""
    with _domain_errors():
        result = service.insert_priority(
            db, principal=user, bulletin_id=body.bulletin_id, gap=_gap(request), source_ip=client_ip(request)
        )
    outcomes = [
        {
            "commune": o.commune,
            "status": o.status,
            "message": o.message,
            "item_id": o.item.id if o.item else None,
            "slot_id": o.slot.id if o.slot else None,
            "day": o.day,
            "start_at": o.start,
            "collides_with": o.collides_with,
            "warnings": [asdict(p) for p in o.warnings],
        }
        for o in result.outcomes
    ]
    return {"bulletin_id": result.bulletin_id, "outcomes": outcomes}
