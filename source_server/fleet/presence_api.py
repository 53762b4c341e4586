"""Presence endpoints: devices with status, per-area summary, history, uptime, alarms, live websocket.

Everything is filtered to the caller's area scope: a province grant covers all its communes, a
commune grant only that commune; a device outside the scope answers 404 as if it did not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, WebSocket, WebSocketDisconnect, status

from source_server.accounts.service import OPERATE_ROLES, READ_ROLES, Principal
from source_server.deps import CurrentUser, SessionDep, client_ip, require_area, websocket_user
from source_server.fleet import presence_queries as queries
from source_server.fleet.alarms import AlarmAlreadyAcked, ack_alarm, list_alarms
from source_server.fleet.kinds import KindName
from source_server.fleet.models import Alarm, Device
from source_server.fleet.presence_schemas import (
    AlarmAck,
    AlarmRead,
    DeviceEventPage,
    DeviceEventRead,
    PresenceDevicePage,
    PresenceMap,
    PresenceSummary,
    UptimeDay,
    UptimeRead,
)
from source_server.fleet.presence_state import MQTT
from source_server.fleet.uptime import LOCAL_TZ, MAX_DAYS, local_today, uptime

router = APIRouter()

StatusFilter = Literal["online", "stale", "reconnecting", "offline", "never_seen", "unverified"]


def _areas(user: Principal) -> set[str]:
    return user.areas_for(READ_ROLES)


def broker_up(request: Request) -> bool:
    """Whether this server reaches the broker now (statuses are ``unverified`` otherwise); True without a runtime."""
    mqtt = getattr(getattr(request.app.state, "runtime", None), "mqtt", None)
    return mqtt is None or bool(mqtt.connected)


def frozen_sources(request: Request) -> frozenset[str]:
    """Presence sources other than the broker that the server cannot hear now (their devices are ``unverified``)."""
    presence = getattr(getattr(request.app.state, "runtime", None), "presence", None)
    return frozenset() if presence is None else presence.frozen_sources() - {MQTT}


def _device_or_404(db: SessionDep, user: Principal, device_id: str) -> Device:
    device = queries.scoped_device(db, device_id=device_id, areas=_areas(user))
    if device is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such device in your area.")
    return device


@router.get("/devices", response_model=PresenceDevicePage)
def list_devices(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    status_: Annotated[StatusFilter | None, Query(alias="status")] = None,
    commune: str | None = None,
    village: str | None = None,
    kind: KindName | None = None,
    vendor: str | None = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    after: Annotated[str | None, Query(description="Cursor: the last id of the previous page")] = None,
) -> dict[str, Any]:
    """Devices in your area with their presence, filtered and paginated (offset or cursor).

    While the server cannot reach the broker, ``broker_connected`` is false and devices last known online, stale or
    reconnecting are shown ``unverified`` (``last_known_status`` keeps what was known)."""
    up = broker_up(request)
    items, total = queries.list_devices(
        db,
        areas=_areas(user),
        status=status_,
        commune=commune,
        village=village,
        kind=kind,
        vendor=vendor,
        q=q,
        limit=limit,
        offset=offset,
        after=after,
        broker_up=up,
        frozen=frozen_sources(request),
    )
    next_cursor = items[-1]["id"] if len(items) == limit else None
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_cursor": next_cursor,
        "broker_connected": up,
    }


@router.get("/presence/summary", response_model=PresenceSummary)
def presence_summary(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    level: Literal["commune", "province"] = "commune",
    kind: KindName | None = None,
    vendor: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Counts per status (online, stale, reconnecting, offline, never seen; unverified while the server cannot reach
    the broker) per area of your scope (optionally one kind or vendor)."""
    return queries.summary(
        db,
        areas=_areas(user),
        level=level,
        kind=kind,
        vendor=vendor or None,
        broker_up=broker_up(request),
        frozen=frozen_sources(request),
    )


@router.get("/presence/map", response_model=PresenceMap)
def presence_map(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    commune: Annotated[str | None, Query(max_length=32)] = None,
    kind: KindName | None = None,
    vendor: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Positions for the offline map: per commune (mean position and counts), or one commune's devices."""
    areas = _areas(user)
    if commune and not queries.commune_visible(db, commune=commune, areas=areas):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such commune in your area.")
    return queries.map_view(
        db,
        areas=areas,
        commune=commune or None,
        kind=kind,
        vendor=vendor or None,
        broker_up=broker_up(request),
        frozen=frozen_sources(request),
    )


@router.get("/devices/{device_id}/history", response_model=DeviceEventPage)
def device_history(
    db: SessionDep,
    user: CurrentUser,
    device_id: str,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeviceEventPage:
    """Connectivity events of a device, newest first."""
    _device_or_404(db, user, device_id)
    rows = queries.device_events(db, device_id=device_id, limit=limit, offset=offset)
    return DeviceEventPage(items=[DeviceEventRead.model_validate(r) for r in rows], limit=limit, offset=offset)


@router.get("/devices/{device_id}/uptime", response_model=UptimeRead)
def device_uptime(
    db: SessionDep,
    user: CurrentUser,
    device_id: str,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
    today: date | None = None,
) -> UptimeRead:
    """Fraction of each local day (Asia/Ho_Chi_Minh) the device was online, oldest first."""
    _device_or_404(db, user, device_id)
    result = uptime(db, device_id=device_id, days=days, today=today or local_today())
    average = sum(f for _, f in result) / len(result)
    return UptimeRead(
        device_id=device_id,
        timezone=str(LOCAL_TZ),
        days=[UptimeDay(day=d, fraction_online=f) for d, f in result],
        average=round(average, 6),
    )


@router.get("/alarms", response_model=list[AlarmRead])
def alarms(
    db: SessionDep,
    user: CurrentUser,
    open_: Annotated[bool | None, Query(alias="open")] = None,
    kind: Literal["offline", "flapping", "takeover", "download_failures"] | None = None,
    device_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Alarm]:
    """Alarms of devices in your area, newest first."""
    return list_alarms(
        db, areas=_areas(user), open_only=open_, kind=kind, device_id=device_id, limit=limit, offset=offset
    )


@router.post("/alarms/{alarm_id}/ack", response_model=AlarmRead)
def acknowledge(db: SessionDep, user: CurrentUser, request: Request, alarm_id: int, body: AlarmAck) -> Alarm:
    """Acknowledge an alarm (operators of the device's area); it stays open until its cause ends."""
    alarm = db.get(Alarm, alarm_id)
    device = queries.scoped_device(db, device_id=alarm.device_id, areas=_areas(user)) if alarm else None
    if alarm is None or device is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such alarm in your area.")
    require_area(user, OPERATE_ROLES, device.area_path)
    try:
        return ack_alarm(
            db,
            alarm=alarm,
            actor=user.username,
            comment=body.comment,
            area_code=device.commune_code,
            source_ip=client_ip(request),
        )
    except AlarmAlreadyAcked as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.websocket("/presence/ws")
async def presence_ws(websocket: WebSocket) -> None:
    """Live presence and alarm events of your area; ``?token=`` authenticates (closed with 1008 without)."""
    user = await asyncio.to_thread(websocket_user, websocket)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="valid token required")
        return
    areas = _areas(user)
    await websocket.accept()
    hub = websocket.app.state.runtime.hub

    async def pump(queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await queue.get()
            # the server's own link to the broker concerns every area
            if (
                event.get("type") == "broker"
                or event.get("commune_code") in areas
                or event.get("province_code") in areas
            ):
                await websocket.send_json(event)

    async def until_closed() -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    async with hub.subscribe() as queue:
        tasks = [asyncio.create_task(pump(queue)), asyncio.create_task(until_closed())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await t
