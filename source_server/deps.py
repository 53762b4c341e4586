"""FastAPI dependencies in one place: the runtime, a database session, the calling principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from source_server.accounts.service import Principal, Role, principal_for_token
from source_server.db import session_scope

if TYPE_CHECKING:
    from source_server.runtime import Runtime

_bearer = HTTPBearer(auto_error=False)


def get_runtime(request: Request) -> Runtime:
    """The runtime the app's lifespan started."""
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]


def get_db(request: Request) -> Iterator[Session]:
    """A session per request, committed when the handler returns without error."""
    with session_scope(request.app.state.runtime.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of the bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Bearer token required.", {"WWW-Authenticate": "Bearer"})
    with request.app.state.runtime.sessions.begin() as db:
        principal = principal_for_token(db, credentials.credentials)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid or revoked token.", {"WWW-Authenticate": "Bearer"})
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


def websocket_user(websocket: WebSocket) -> Principal | None:
    """The principal of a websocket's ``?token=`` (browsers cannot set headers on websockets)."""
    token = websocket.query_params.get("token") or ""
    auth = websocket.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:]
    if not token:
        return None
    with websocket.app.state.runtime.sessions.begin() as db:
        return principal_for_token(db, token)


def require_area(user: Principal, roles: frozenset[Role], area_path: tuple[str, ...] | list[str]) -> None:
    """403 unless ``user`` holds one of ``roles`` on an area of ``area_path``."""
    if not user.can(roles, area_path):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not cover this area.")


def client_ip(request: Request) -> str | None:
    """The caller's address, for the audit log."""
    return request.client.host if request.client else None
