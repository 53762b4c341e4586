"""HTTP API of accounts: who am I, my tokens, and the audit log (read-only: there is no route to change it).

The audit log is for province admins: an admin granted on a province sees every entry of the server;
an admin granted on a commune sees the entries of that commune and its villages.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from source_server.accounts import people, queries
from source_server.accounts.queries import AuditFilter
from source_server.accounts.schemas import AuditPage, AuditRead, Grant, Me, TokenCreate, TokenCreated, TokenRead
from source_server.accounts.service import ADMIN_ROLES, Principal, audit
from source_server.areas import tree
from source_server.deps import CurrentUser, SessionDep, client_ip

router = APIRouter()


def _user(db: SessionDep, principal: Principal) -> queries.User:
    user = queries.get_user(db, principal.username)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown user.")
    return user


@router.get("/me", response_model=Me)
def me(db: SessionDep, principal: CurrentUser) -> Me:
    """The caller: name and role grants."""
    user = _user(db, principal)
    grants = sorted(principal.grants, key=lambda g: (g[1], g[0].value))
    return Me(
        username=user.username, full_name=user.full_name, grants=[Grant(role=r.value, area_code=a) for r, a in grants]
    )


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(db: SessionDep, principal: CurrentUser) -> list[TokenRead]:
    """The caller's own API tokens (never their secrets)."""
    return [TokenRead.model_validate(t) for t, _ in queries.list_tokens(db, username=principal.username)]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(db: SessionDep, principal: CurrentUser, body: TokenCreate, request: Request) -> TokenCreated:
    """A new token for the caller; the secret is in this response only."""
    _user(db, principal)
    try:
        row, secret = people.create_own_token(
            db,
            principal=principal,
            name=body.name,
            read_only=body.read_only,
            areas=body.areas,
            source_ip=client_ip(request),
        )
    except people.PeopleError as exc:
        code = status.HTTP_403_FORBIDDEN if exc.field == "read_only" else status.HTTP_422_UNPROCESSABLE_CONTENT
        raise HTTPException(code, exc.message) from None
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(db: SessionDep, principal: CurrentUser, token_id: int, request: Request) -> Response:
    """Revoke one of the caller's tokens (404 for anyone else's)."""
    token = queries.revoke_token(db, token_id=token_id, username=principal.username)
    if token is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such token of yours.")
    audit(
        db,
        actor=principal.username,
        action="token.revoked",
        object_type="token",
        object_id=str(token_id),
        source_ip=client_ip(request),
    )
    return Response(status_code=204)


def _audit_filter(
    db: SessionDep,
    principal: Principal,
    actor: str | None,
    action: str | None,
    area: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditFilter:
    granted = principal.areas_for(ADMIN_ROLES)
    if not granted:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The audit log is for administrators.")
    areas = tree.list_areas(db)
    if any(a.code in granted and a.level == "province" for a in areas):
        scope = None
    else:
        scope = {a.code for a in areas if granted & set(tree.area_path(db, a.code))} | granted
    return AuditFilter(actor=actor, action=action, area=area, since=since, until=until, areas=scope)


@router.get("/audit", response_model=AuditPage)
def audit_log(
    db: SessionDep,
    principal: CurrentUser,
    actor: str | None = None,
    action: str | None = None,
    area: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditPage:
    """Audit entries, newest first, filtered by actor, action, area and time (``since`` ≤ at < ``until``)."""
    f = _audit_filter(db, principal, actor, action, area, since, until)
    total, rows = queries.audit_page(db, f, limit=limit, offset=offset)
    return AuditPage(items=[AuditRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/audit/export.csv")
def audit_export(
    db: SessionDep,
    principal: CurrentUser,
    actor: str | None = None,
    action: str | None = None,
    area: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    """The matching audit entries as CSV, oldest first."""
    f = _audit_filter(db, principal, actor, action, area, since, until)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "at", "actor", "action", "object_type", "object_id", "area_code", "source_ip", "summary"])
    for e in queries.audit_all(db, f):
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.actor,
                e.action,
                e.object_type,
                e.object_id,
                e.area_code or "",
                e.source_ip or "",
                e.summary,
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
