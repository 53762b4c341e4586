"""HTTP API of dispatch: broadcasts with uploaded audio, delivery reports, device commands, public media."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from protocols import (
    Capability,
    CommandType,
    OriginLevel,
    Priority,
    RebootBody,
    SetVolumeBody,
    StopBody,
    StreamRef,
    Target,
)
from source_server.accounts.service import BROADCAST_ROLES, OPERATE_ROLES, READ_ROLES, Principal
from source_server.audio.exceptions import AudioRejected, describe
from source_server.audio.pipeline import prepare_audio
from source_server.config import Settings
from source_server.deps import CurrentUser, MediaStoreDep, SessionDep, SettingsDep, SignerDep, client_ip, require_area
from source_server.dispatch import service
from source_server.dispatch.content import SERVED_TYPES, UnsupportedContent, sniff
from source_server.dispatch.exceptions import ScheduleError, TargetError
from source_server.dispatch.report import delivery_page, delivery_report
from source_server.dispatch.schemas import (
    BroadcastCreated,
    BroadcastForm,
    CommandDetail,
    CommandRead,
    DeliveryPage,
    DeviceCommandIn,
    StreamBroadcastIn,
)
from source_server.dispatch.targets import area_path, device_paths
from source_server.dispatch.upload import multipart_body, read_form
from source_server.fleet.kinds import required_capability

router = APIRouter()
media_router = APIRouter()
"""Mounted at the root: ``GET /media/{sha256}.{ext}`` (``.mp3`` as before), public (devices download here)."""

TARGET_TYPES = ("device", "village", "commune", "province", "group")


def _unprocessable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def _scope(user: Principal, settings: Settings) -> set[str] | None:
    """None when the user reads the whole province, else the commune codes they may read."""
    areas = user.areas_for(READ_ROLES)
    return None if settings.province_code in areas else areas


def _target(db: Session, settings: Settings, kind: str, raw: str) -> tuple[Target, list[tuple[str, ...]]]:
    """The protocol target of a form's target fields, and the area paths the caller needs rights on."""
    raw = raw.strip()
    if kind not in TARGET_TYPES:
        raise _unprocessable(f"target_type must be one of {', '.join(TARGET_TYPES)}.")
    if not raw:
        raise _unprocessable("target is empty.")
    try:
        if kind == "device":
            ids = list(dict.fromkeys(x.strip() for x in raw.split(",") if x.strip()))
            paths = device_paths(db, device_ids=ids)
            unknown = [d for d in ids if d not in paths]
            if unknown:
                raise _unprocessable(f"Unknown device(s): {', '.join(unknown[:10])}.")
            return Target(devices=tuple(ids)), list(paths.values())
        if kind == "group":
            return Target(group=raw), [(settings.province_code,)]
        path = area_path(db, code=raw, level=kind)
        return Target(area=path), [path]
    except TargetError as exc:
        raise _unprocessable(exc.reason) from None
    except ValidationError as exc:
        raise _unprocessable(f"Bad target: {exc.errors()[0]['msg']}") from None


def _choice(enum: type[Priority] | type[OriginLevel], value: str, what: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise _unprocessable(f"{what} must be one of {', '.join(e.value for e in enum)}.") from None


def _start_at(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _unprocessable("start_at must be an ISO 8601 time with a time zone.") from None
    if when.tzinfo is None:
        raise _unprocessable("start_at must carry a time zone (e.g. +07:00 or Z).")
    return when


def _ttl(value: str) -> int | None:
    if not value.strip():
        return None
    if not re.fullmatch(r"\d{1,7}", value.strip()) or not 10 <= int(value) <= 7 * 86400:
        raise _unprocessable("ttl_s must be a whole number of seconds between 10 and 604800.")
    return int(value)


def _displayed_type(data: bytes) -> str:
    """The content type of a file shown as it is (text, image, video), read from its bytes; 422 otherwise."""
    try:
        content_type = sniff(data)
    except UnsupportedContent as exc:
        raise _unprocessable(exc.reason) from None
    if required_capability(content_type) == Capability.AUDIO:
        raise _unprocessable("This is audio: send it without duration_s (its length is measured).")
    return content_type


def _shown_ms(value: str, max_seconds: int) -> int:
    value = value.strip()
    if not re.fullmatch(r"\d{1,7}", value) or not 1 <= int(value) <= max_seconds:
        raise _unprocessable(f"duration_s (how long a text, image or video shows) must be 1 to {max_seconds} seconds.")
    return int(value) * 1000


@router.post(
    "/broadcasts",
    status_code=status.HTTP_201_CREATED,
    response_model=BroadcastCreated,
    openapi_extra=multipart_body(BroadcastForm),
)
async def post_broadcast(
    request: Request,
    settings: SettingsDep,
    signer: SignerDep,
    store: MediaStoreDep,
    db: SessionDep,
    user: CurrentUser,
) -> BroadcastCreated:
    """Upload audio (levelled and encoded) or a file shown as it is (text, image, video, with ``duration_s``) and
    play it on the devices of a target that can render it; nothing is stored when refused."""
    form = await read_form(request, max_file_bytes=settings.max_upload_bytes)
    f = form.fields
    if form.file_field is None:
        raise _unprocessable("Attach the audio as the 'file' field.")
    target, paths = await run_in_threadpool(_target, db, settings, f.get("target_type", ""), f.get("target", ""))
    for path in paths:
        require_area(user, BROADCAST_ROLES, path)
    province_wide = user.can(BROADCAST_ROLES, (settings.province_code,))
    origin = _choice(OriginLevel, f.get("origin") or ("province" if province_wide else "commune"), "origin")
    if origin != OriginLevel.COMMUNE and not province_wide:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only province roles may send with this origin.")
    priority = _choice(Priority, f.get("priority") or "normal", "priority")
    start_at, ttl_s = _start_at(f.get("start_at", "")), _ttl(f.get("ttl_s", ""))
    title = f.get("title", "").strip()
    if len(title) > 200:
        raise _unprocessable("title is over 200 characters.")
    audio = None
    if not f.get("duration_s", "").strip():  # audio: decoded, levelled and encoded, whatever the file's format
        try:
            audio = await run_in_threadpool(
                prepare_audio,
                form.file_data,
                form.file_name or "",
                max_bytes=settings.max_upload_bytes,
                max_seconds=settings.max_audio_seconds,
            )
        except AudioRejected as exc:
            raise _unprocessable(describe(exc)) from None
        sha256 = audio.sha256
    else:  # a text frame, an image or a video, shown as it is for duration_s
        shown_ms = _shown_ms(f.get("duration_s", ""), settings.max_audio_seconds)
        _displayed_type(form.file_data)
        sha256 = hashlib.sha256(form.file_data).hexdigest()

    def create() -> BroadcastCreated:
        known = service.media_known(db, sha256=sha256)
        try:
            if audio is not None:
                media = service.store_media(
                    db, store=store, audio=audio, original_name=form.file_name or "", actor=user.username
                )
            else:
                media = service.store_content(
                    db,
                    store=store,
                    data=form.file_data,
                    duration_ms=shown_ms,
                    original_name=form.file_name or "",
                    actor=user.username,
                )
            command = service.create_broadcast(
                db,
                settings=settings,
                signer=signer,
                media=media,
                target=target,
                priority=priority,
                origin=origin,
                title=title,
                actor=user.username,
                source_ip=client_ip(request),
                start_at=start_at,
                ttl_s=ttl_s,
            )
            count = service.delivery_count(db, command_id=command.id)
            db.commit()  # wakes the dispatcher
        except BaseException as exc:
            db.rollback()
            if not known:
                store.delete(sha256)  # the file was ours alone: leave nothing behind
            if isinstance(exc, TargetError | ScheduleError | UnsupportedContent):
                raise _unprocessable(exc.reason) from None
            raise
        return BroadcastCreated(
            id=command.id,
            devices=count,
            topics=command.topics,
            expires_at=command.expires_at,
            media_sha256=media.sha256,
            duration_ms=media.duration_ms,
        )

    return await run_in_threadpool(create)


@router.post("/broadcasts/stream", status_code=status.HTTP_201_CREATED, response_model=BroadcastCreated)
def post_stream_broadcast(
    body: StreamBroadcastIn,
    request: Request,
    settings: SettingsDep,
    signer: SignerDep,
    db: SessionDep,
    user: CurrentUser,
) -> BroadcastCreated:
    """Play a live stream by reference on the target's devices that announce the ``stream`` capability."""
    target, paths = _target(db, settings, body.target_type, body.target)
    for path in paths:
        require_area(user, BROADCAST_ROLES, path)
    province_wide = user.can(BROADCAST_ROLES, (settings.province_code,))
    origin = body.origin or ("province" if province_wide else "commune")
    if origin != OriginLevel.COMMUNE.value and not province_wide:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only province roles may send with this origin.")
    if body.start_at is not None and body.start_at.tzinfo is None:
        raise _unprocessable("start_at must carry a time zone (e.g. +07:00 or Z).")
    stream = StreamRef(url=body.url, content_type=body.content_type, duration_ms=body.duration_ms)
    try:
        command = service.create_broadcast(
            db,
            settings=settings,
            signer=signer,
            stream=stream,
            target=target,
            priority=body.priority,
            origin=origin,
            title=body.title.strip(),
            actor=user.username,
            source_ip=client_ip(request),
            start_at=body.start_at,
            ttl_s=body.ttl_s,
        )
        count = service.delivery_count(db, command_id=command.id)
    except (TargetError, ScheduleError) as exc:
        db.rollback()
        raise _unprocessable(exc.reason) from None
    db.commit()  # the commit wakes the dispatcher
    return BroadcastCreated(
        id=command.id, devices=count, topics=command.topics, expires_at=command.expires_at, duration_ms=body.duration_ms
    )


def _visible(db: Session, user: Principal, settings: Settings, command_id: str) -> set[str] | None:
    """The caller's commune scope for this command; 404 when the command is unknown or outside it."""
    scope = _scope(user, settings)
    command = service.get_command(db, command_id=command_id)
    if command is None or (scope is not None and not service.reaches(db, command_id=command_id, communes=scope)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such broadcast in your area.")
    return scope


@router.get("/broadcasts", response_model=list[CommandRead])
def list_broadcasts(
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    type: str | None = "play",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CommandRead]:
    """Newest commands first, limited to those that reached the caller's communes."""
    rows = service.list_commands(db, communes=_scope(user, settings), limit=limit, offset=offset, type=type or None)
    return [CommandRead.model_validate(c) for c in rows]


@router.get("/broadcasts/{command_id}", response_model=CommandDetail)
def get_broadcast(
    command_id: str,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CommandDetail:
    """One command and its delivery report (the caller's communes only)."""
    scope = _visible(db, user, settings, command_id)
    report = delivery_report(db, command_id=command_id, communes=scope, page_size=page_size)
    command = service.get_command(db, command_id=command_id)
    assert report is not None and command is not None
    return CommandDetail(**CommandRead.model_validate(command).model_dump(), report=report)


@router.get("/broadcasts/{command_id}/deliveries", response_model=DeliveryPage)
def list_deliveries(
    command_id: str,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    status_: Annotated[str | None, Query(alias="status")] = None,
    commune: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPage:
    """Per-device delivery states, filtered by status and commune, paginated."""
    scope = _visible(db, user, settings, command_id)
    communes = scope
    if commune:
        communes = {commune} if scope is None or commune in scope else set()
    command = service.get_command(db, command_id=command_id)
    assert command is not None
    try:
        return delivery_page(db, command=command, status=status_, communes=communes, page=page, page_size=page_size)
    except ValueError as exc:
        raise _unprocessable(str(exc)) from None


@router.post("/devices/{device_id}/commands", status_code=status.HTTP_201_CREATED, response_model=BroadcastCreated)
def post_device_command(
    device_id: str,
    body: DeviceCommandIn,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    signer: SignerDep,
    user: CurrentUser,
) -> BroadcastCreated:
    """Send set_volume, stop or reboot to one device (province operators)."""
    paths = device_paths(db, device_ids=[device_id])
    if device_id not in paths or not user.can(READ_ROLES, paths[device_id]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No device {device_id!r} in your area.")
    require_area(user, OPERATE_ROLES, paths[device_id])
    payload: BaseModel
    if body.type == "set_volume":
        if body.volume is None:
            raise _unprocessable("set_volume needs a volume from 0 to 100.")
        payload = SetVolumeBody(volume=body.volume)
    elif body.type == "stop":
        try:
            payload = StopBody(command_id=body.command_id)
        except ValidationError:
            raise _unprocessable("command_id is not a valid command id.") from None
    else:
        payload = RebootBody(delay_s=body.delay_s)
    try:
        command = service.create_command(
            db,
            settings=settings,
            signer=signer,
            type=CommandType(body.type),
            body=payload,
            target=Target(devices=(device_id,)),
            priority=Priority.EMERGENCY if body.type == "stop" else Priority.NORMAL,
            origin=OriginLevel.PROVINCE,
            title=body.type,
            actor=user.username,
            source_ip=client_ip(request),
            ttl_s=body.ttl_s or min(settings.command_ttl_s, 600),
        )
    except (TargetError, ScheduleError) as exc:
        raise _unprocessable(exc.reason) from None
    db.commit()  # queued before the answer says so (the commit wakes the dispatcher)
    return BroadcastCreated(id=command.id, devices=1, topics=command.topics, expires_at=command.expires_at)


@media_router.get("/media/{sha256}.mp3", response_class=FileResponse)
def get_media(sha256: str, request: Request) -> FileResponse:
    """Public, content-addressed audio (Range supported): the name is the hash of the bytes."""
    path = request.app.state.runtime.media.path_for(sha256, "mp3")
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such media.")
    return FileResponse(path, media_type="audio/mpeg", headers={"Cache-Control": "public, max-age=31536000, immutable"})


@media_router.get("/media/{sha256}.{ext}", response_class=FileResponse)
def get_typed_media(sha256: str, ext: str, request: Request) -> FileResponse:
    """Public, content-addressed media of any stored type, served with its own content type (Range supported)."""
    media_type = SERVED_TYPES.get(ext)
    path = request.app.state.runtime.media.path_for(sha256, ext) if media_type is not None else None
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such media.")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=31536000, immutable"})
