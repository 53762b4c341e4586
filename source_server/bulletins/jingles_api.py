"""HTTP API of jingles (nhạc hiệu): list, upload, rename or deactivate (thin over ``bulletins.jingles``).

Errors as for bulletins: outside the caller's areas → 404; a role that may not manage them → 403; a wrong field or
an unusable file → 422 with ``[{"field", "message"}]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status

from source_server.bulletins import jingles
from source_server.bulletins.exceptions import InvalidBulletin, JingleNotFound, NotPermitted
from source_server.bulletins.models import Jingle
from source_server.bulletins.schemas import JingleRead, JingleUpdate, JingleUploadForm
from source_server.deps import CurrentUser, MediaStoreDep, SessionDep, SessionsDep, SettingsDep, client_ip
from source_server.dispatch.upload import multipart_body, read_form

router = APIRouter(prefix="/jingles")


@contextmanager
def _errors() -> Iterator[None]:
    """Domain errors as HTTP answers (nothing was changed)."""
    try:
        yield
    except JingleNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such jingle (or area) in your areas.") from exc
    except NotPermitted as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not allow managing jingles here.") from exc
    except InvalidBulletin as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, [{"field": exc.field, "message": exc.message}]
        ) from exc


@router.get("", response_model=list[JingleRead])
def list_jingles(
    db: SessionDep,
    user: CurrentUser,
    area: Annotated[str | None, Query(max_length=32)] = None,
    include_inactive: bool = False,
) -> list[Jingle]:
    """Jingles of your areas (and of the province above them); with ``area``: those a bulletin of that area may use."""
    with _errors():
        return jingles.list_jingles(db, principal=user, area=area, include_inactive=include_inactive)


@router.post("", response_model=JingleRead, status_code=201, openapi_extra=multipart_body(JingleUploadForm))
async def upload_jingle(
    sessions: SessionsDep, store: MediaStoreDep, settings: SettingsDep, user: CurrentUser, request: Request
) -> Jingle:
    """Upload a jingle (multipart: ``file``, ``name``, ``kind`` intro | outro | any, ``owner_area``): any common audio
    format, checked like a bulletin's audio and at most 30 s long; the area's bulletin writers only."""
    form = await read_form(request, max_file_bytes=settings.max_upload_bytes)
    if not form.file_data:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{"field": "file", "message": "choose a file"}])
    with _errors():
        return await jingles.upload(
            sessions=sessions,
            store=store,
            max_bytes=settings.max_upload_bytes,
            principal=user,
            owner_area=form.fields.get("owner_area", ""),
            name=form.fields.get("name", ""),
            kind=form.fields.get("kind", "any"),
            data=form.file_data,
            filename=form.file_name or "jingle",
            source_ip=client_ip(request),
        )


@router.patch("/{jingle_id}", response_model=JingleRead)
def update_jingle(db: SessionDep, user: CurrentUser, jingle_id: int, body: JingleUpdate, request: Request) -> Jingle:
    """Rename, change the kind, deactivate or reactivate (bulletins that use it keep it)."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    with _errors():
        return jingles.update(db, principal=user, jingle_id=jingle_id, changes=changes, source_ip=client_ip(request))
