"""HTTP API of the abbreviation dictionary (thin over ``service``).

Errors: an area or entry outside the caller's areas → 404; seen but not theirs to change → 403; a wrong entry →
422 whose ``detail`` lists ``{"field", "message"}`` as the other domains answer it. Nothing changes on a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException, Request, Response, status

from source_server.audio.dictionary import service
from source_server.audio.dictionary.exceptions import EntryRefused, NotFound, NotPermitted
from source_server.audio.dictionary.models import Abbreviation
from source_server.audio.dictionary.schemas import (
    AbbreviationCreate,
    AbbreviationRead,
    AbbreviationUpdate,
    DictionaryRead,
    DictionaryRow,
)
from source_server.deps import CurrentUser, SessionDep, client_ip

router = APIRouter(prefix="/abbreviations")


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such area or entry in your areas.") from exc
    except NotPermitted as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"Your role does not allow this here: {exc.why}.") from exc
    except EntryRefused as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, [{"field": exc.field, "message": exc.message}]
        ) from exc


@router.get("", response_model=DictionaryRead)
def dictionary(db: SessionDep, user: CurrentUser, area: str | None = None) -> DictionaryRead:
    """An area's dictionary as its texts are read (defaults marked); without ``area``, the caller's own."""
    with _refusals():
        home = service.home_area(db, user) if area is None else None
        chosen = service.readable_area(db, user, area or (home.code if home else ""))
        rows = [
            DictionaryRow(
                abbreviation=r.abbreviation,
                reading=r.reading,
                source=r.source,
                replaces=r.replaces,
                entry=AbbreviationRead.model_validate(r.entry, from_attributes=True) if r.entry else None,
            )
            for r in service.rows_for(db, chosen)
        ]
        may = service.may_edit(db, user, chosen)
    return DictionaryRead(area_code=chosen.code, area_name=chosen.name, may_edit=may, rows=rows)


@router.post("", response_model=AbbreviationRead, status_code=201)
def create(db: SessionDep, user: CurrentUser, body: AbbreviationCreate, request: Request) -> Abbreviation:
    """Add an entry to the province's dictionary (province administrators) or a commune's (its staff)."""
    with _refusals():
        return service.create(
            db, principal=user, area_code=body.area_code, abbreviation=body.abbreviation, reading=body.reading,
            source_ip=client_ip(request),
        )  # fmt: skip


@router.patch("/{entry_id}", response_model=AbbreviationRead)
def update(
    db: SessionDep, user: CurrentUser, entry_id: int, body: AbbreviationUpdate, request: Request
) -> Abbreviation:
    """Change an entry's abbreviation or reading."""
    with _refusals():
        return service.update(
            db, principal=user, entry_id=entry_id, abbreviation=body.abbreviation, reading=body.reading,
            source_ip=client_ip(request),
        )  # fmt: skip


@router.delete("/{entry_id}", status_code=204)
def delete(db: SessionDep, user: CurrentUser, entry_id: int, request: Request) -> Response:
    """Remove an entry (the province's reading, or the default, applies again)."""
    with _refusals():
        service.delete(db, principal=user, entry_id=entry_id, source_ip=client_ip(request))
    return Response(status_code=204)
