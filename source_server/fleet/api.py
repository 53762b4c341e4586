"""HTTP API of the registry: areas, devices, CSV, mergers, credentials and Mosquitto files.

Scope rule, the same on every endpoint: an area or device outside every area where the caller holds a
role answers 404 (its existence is not disclosed); one the caller can see but may not change answers
403. Reads need any role (READ_ROLES), registry writes and credentials need a province admin or
operator role covering the area (OPERATE_ROLES), the Mosquitto files need a province admin (ADMIN_ROLES).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, HTTPException, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse, PlainTextResponse

from protocols import Capability
from source_server.accounts.service import ADMIN_ROLES, OPERATE_ROLES, READ_ROLES, Principal, audit
from source_server.deps import CurrentUser, SessionDep, client_ip, require_area
from source_server.fleet import csvio, mosquitto, service
from source_server.fleet.credentials import hash_password, issue_credentials
from source_server.fleet.kinds import capabilities_of, decode_capabilities
from source_server.fleet.models import Area, Device, Presence
from source_server.fleet.schemas import (
    AreaCreate,
    AreaImportResult,
    AreaNode,
    AreaRead,
    AreaUpdate,
    CredentialIssued,
    DeviceCreate,
    DeviceImportResult,
    DeviceRead,
    DeviceUpdate,
    MergeRequest,
    MergeResult,
)
from source_server.fleet.service import CsvImportError, DeviceInput, NotFound, RegistryError

router = APIRouter()
NOT_FOUND = "No such device in your area."


def _invalid(exc: RegistryError) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"field": exc.field, "message": exc.message}]}, status.HTTP_422_UNPROCESSABLE_CONTENT
    )


def _csv_invalid(exc: CsvImportError) -> JSONResponse:
    errors = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.errors]
    return JSONResponse({"errors": errors}, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _visible_device(db: SessionDep, user: Principal, device_id: str) -> Device:
    device = service.get_device(db, device_id)
    if device is None or not user.can(READ_ROLES, device.area_path):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return device


def _writable_device(db: SessionDep, user: Principal, device_id: str) -> Device:
    device = _visible_device(db, user, device_id)
    require_area(user, OPERATE_ROLES, device.area_path)
    return device


def _visible_area(db: SessionDep, user: Principal, code: str) -> tuple[Area, tuple[str, ...]]:
    area = service.get_area(db, code)
    path = service.area_path(db, code) if area else ()
    if area is None or not user.can(READ_ROLES, path):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such area in your scope.")
    return area, path


def _read(db: SessionDep, device: Device) -> DeviceRead:
    presence = db.get(Presence, device.id)
    extra: dict[str, Any] = {"status": "never_seen"}
    if presence is not None:
        extra = {k: getattr(presence, k) for k in ("status", "session", "since", "last_seen", "firmware", "volume")}
    data = vars(service.to_input(device))
    return DeviceRead(
        **data,
        province_code=device.province_code,
        has_credentials=device.mqtt_password_hash is not None,
        credential_issued_at=device.credential_issued_at,
        created_at=device.created_at,
        updated_at=device.updated_at,
        capabilities=decode_capabilities(device.capabilities),
        renders=[
            c.value for c in Capability if c in capabilities_of(device.kind, decode_capabilities(device.capabilities))
        ],
        **extra,
    )


# ---------------------------------------------------------------- areas


@router.get("/areas", response_model=list[AreaNode], tags=["areas"])
def area_tree(db: SessionDep, user: CurrentUser) -> list[AreaNode]:
    """The area tree the caller can see (with the ancestors that lead to it)."""

    def node(n: service.AreaTreeNode) -> AreaNode:
        out = AreaNode.model_validate(n.area, from_attributes=True)
        out.children = [node(c) for c in n.children]
        return out

    return [node(n) for n in service.visible_area_tree(db, can_read=lambda p: user.can(READ_ROLES, p))]


@router.post("/areas", response_model=AreaRead, status_code=201, tags=["areas"])
def create_area(db: SessionDep, user: CurrentUser, body: AreaCreate, request: Request) -> Any:
    """Add one area under a parent the caller operates."""
    parent_path = service.area_path(db, body.parent_code) if body.parent_code else ()
    require_area(user, OPERATE_ROLES, (*parent_path, body.code))
    try:
        area = service.create_area(db, code=body.code, name=body.name, level=body.level, parent_code=body.parent_code)
    except RegistryError as exc:
        return _invalid(exc)
    audit(
        db,
        actor=user.username,
        action="area.created",
        object_type="area",
        object_id=area.code,
        area_code=area.code,
        source_ip=client_ip(request),
        summary=f"{area.level} {area.name}",
    )
    return area


@router.patch("/areas/{code}", response_model=AreaRead, tags=["areas"])
def update_area(db: SessionDep, user: CurrentUser, code: str, body: AreaUpdate, request: Request) -> Any:
    """Rename or (de)activate an area."""
    area, path = _visible_area(db, user, code)
    require_area(user, OPERATE_ROLES, path)
    try:
        if body.name is not None:
            service.rename_area(db, code=code, name=body.name)
        if body.active is not None:
            service.set_area_active(db, code=code, active=body.active)
    except RegistryError as exc:
        db.rollback()
        return _invalid(exc)
    audit(
        db,
        actor=user.username,
        action="area.updated",
        object_type="area",
        object_id=code,
        area_code=code,
        source_ip=client_ip(request),
        detail=body.model_dump(exclude_none=True),
    )
    return area


@router.post("/areas/import", response_model=AreaImportResult, tags=["areas"])
async def import_areas(db: SessionDep, user: CurrentUser, request: Request, file: UploadFile = File(...)) -> Any:
    """Create or rename the areas of a CSV (``code,name,level,parent_code``); all-or-nothing per file."""
    data = await file.read()

    def authorize(provinces: set[str]) -> None:
        for code in sorted(provinces):
            require_area(user, OPERATE_ROLES, [code])

    try:
        result = csvio.import_areas(db, data, authorize=authorize)
    except CsvImportError as exc:
        return _csv_invalid(exc)
    service.audit_area_import(db, result, actor=user.username, filename=file.filename, source_ip=client_ip(request))
    return AreaImportResult(created=result.created, renamed=result.renamed)


@router.post("/areas/merge", response_model=MergeResult, tags=["areas"])
def merge_communes(db: SessionDep, user: CurrentUser, body: MergeRequest, request: Request) -> Any:
    """Preview (or with ``apply``, do) moving every device and village of one commune into another."""
    for code in (body.from_code, body.to_code):
        _, path = _visible_area(db, user, code)
        require_area(user, OPERATE_ROLES, path)
    try:
        plan = service.merge_commune(
            db, from_code=body.from_code, to_code=body.to_code, apply=body.apply, reason=body.reason
        )
    except RegistryError as exc:
        return _invalid(exc)
    if plan.applied:
        service.audit_merger(db, plan, actor=user.username, reason=body.reason, source_ip=client_ip(request))
    return MergeResult(**vars(plan), device_count=plan.device_count)


# ---------------------------------------------------------------- devices


@router.post("/devices", response_model=DeviceRead, status_code=201, tags=["devices"])
def create_device(db: SessionDep, user: CurrentUser, body: DeviceCreate, request: Request) -> Any:
    """Register a device in a commune the caller operates."""
    target = service.area_path(db, body.village_code or body.commune_code)
    if target:
        require_area(user, OPERATE_ROLES, target)
    try:
        device = service.create_device(db, data=DeviceInput(**body.model_dump()))
    except RegistryError as exc:
        return _invalid(exc)
    require_area(user, OPERATE_ROLES, device.area_path)
    audit(
        db,
        actor=user.username,
        action="device.created",
        object_type="device",
        object_id=device.id,
        area_code=device.commune_code,
        source_ip=client_ip(request),
        detail=body.model_dump(),
    )
    return _read(db, device)


@router.get("/devices/export.csv", tags=["devices"])
def export_devices(db: SessionDep, user: CurrentUser) -> Response:
    """Every device the caller can see, as CSV in the import format."""
    devices = service.list_devices(db, areas=user.areas_for(READ_ROLES))
    return Response(
        csvio.export_devices(devices),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="devices.csv"'},
    )


@router.post("/devices/import", response_model=DeviceImportResult, tags=["devices"])
async def import_devices(
    db: SessionDep, user: CurrentUser, request: Request, file: UploadFile = File(...), upsert: bool = False
) -> Any:
    """Create (``upsert``: also update) devices from CSV; 422 with every bad row and nothing written."""
    if not user.areas_for(OPERATE_ROLES):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not cover this area.")
    data = await file.read()
    try:
        result = csvio.import_devices(db, data, upsert=upsert, allowed=lambda p: user.can(OPERATE_ROLES, p))
    except CsvImportError as exc:
        return _csv_invalid(exc)
    ip = client_ip(request)
    for action, ids in (("device.created", result.created), ("device.updated", result.updated)):
        for device_id in ids:
            device = service.get_device(db, device_id)
            audit(
                db,
                actor=user.username,
                action=action,
                object_type="device",
                object_id=device_id,
                area_code=device.commune_code if device else None,
                source_ip=ip,
                summary="csv import",
            )
    return DeviceImportResult(created=result.created, updated=result.updated)


@router.get("/devices/{device_id}", response_model=DeviceRead, tags=["devices"])
def get_device(db: SessionDep, user: CurrentUser, device_id: str) -> DeviceRead:
    """One device with its presence, if the caller's area covers it."""
    return _read(db, _visible_device(db, user, device_id))


@router.patch("/devices/{device_id}", response_model=DeviceRead, tags=["devices"])
def update_device(db: SessionDep, user: CurrentUser, device_id: str, body: DeviceUpdate, request: Request) -> Any:
    """Change registry fields; moving a device needs rights on both communes."""
    device = _writable_device(db, user, device_id)
    changes = body.model_dump(exclude_unset=True)
    if "commune_code" in changes or "village_code" in changes:
        target = service.area_path(
            db, changes.get("village_code") or changes.get("commune_code") or device.commune_code
        )
        if target:
            require_area(user, OPERATE_ROLES, target)
    try:
        device = service.update_device(db, device_id=device_id, changes=changes)
    except RegistryError as exc:
        db.rollback()
        return _invalid(exc)
    audit(
        db,
        actor=user.username,
        action="device.updated",
        object_type="device",
        object_id=device_id,
        area_code=device.commune_code,
        source_ip=client_ip(request),
        detail=changes,
    )
    return _read(db, device)


@router.delete("/devices/{device_id}", status_code=204, tags=["devices"])
def delete_device(db: SessionDep, user: CurrentUser, device_id: str, request: Request) -> Response:
    """Remove a device from the registry."""
    device = _writable_device(db, user, device_id)
    commune = device.commune_code
    try:
        service.delete_device(db, device_id=device_id)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from None
    audit(
        db,
        actor=user.username,
        action="device.deleted",
        object_type="device",
        object_id=device_id,
        area_code=commune,
        source_ip=client_ip(request),
    )
    return Response(status_code=204)


@router.post("/devices/{device_id}/credentials", response_model=CredentialIssued, tags=["devices"])
def issue_device_credentials(db: SessionDep, user: CurrentUser, device_id: str, request: Request) -> CredentialIssued:
    """New MQTT password for a device (replaces the old one); shown in this response only."""
    device = _writable_device(db, user, device_id)
    password = issue_credentials(db, device_id=device_id)
    audit(
        db,
        actor=user.username,
        action="device.credentials_issued",
        object_type="device",
        object_id=device_id,
        area_code=device.commune_code,
        source_ip=client_ip(request),
    )
    assert device.credential_issued_at is not None
    return CredentialIssued(
        device_id=device_id, username=device_id, password=password, issued_at=device.credential_issued_at
    )


# ---------------------------------------------------------------- Mosquitto files


def _server_user(request: Request, user: Principal) -> tuple[str | None, str | None]:
    settings = request.app.state.runtime.settings
    require_area(user, ADMIN_ROLES, [settings.province_code])
    if settings.mqtt_username and settings.mqtt_password:
        return settings.mqtt_username, hash_password(settings.mqtt_password)
    return None, None


@router.get("/deploy/mosquitto/passwd", response_class=PlainTextResponse, tags=["deploy"])
def mosquitto_passwd(db: SessionDep, user: CurrentUser, request: Request) -> str:
    """The Mosquitto password file (hashes only) for every device with credentials and the server user."""
    name, hashed = _server_user(request, user)
    return mosquitto.password_file_text(db, server_username=name, server_password_hash=hashed)


@router.get("/deploy/mosquitto/acl", response_class=PlainTextResponse, tags=["deploy"])
def mosquitto_acl(db: SessionDep, user: CurrentUser, request: Request) -> str:
    """The Mosquitto ACL file for the registry."""
    name, _ = _server_user(request, user)
    return mosquitto.acl_file_text(db, server_username=name)
