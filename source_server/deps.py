"""FastAPI dependencies of the API: the runtime, a database session, the calling principal (pages: ``web.kit.deps``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from source_server.accounts.browser import SAFE_METHODS, client_ip, require_csrf, same_origin, session_of
from source_server.accounts.service import Principal, Role, principal_for_token
from source_server.accounts.sessions import SessionInfo, SessionState
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


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | SessionInfo:
    """The bearer token's principal, else the session cookie's; 401 without either."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        with request.app.state.runtime.sessions.begin() as db:
            principal = principal_for_token(db, credentials.credentials)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Invalid or revoked token.", {"WWW-Authenticate": "Bearer"}
            )
        return principal
    found = session_of(request)
    if isinstance(found, SessionInfo):
        return found
    detail = "Session expired; log in again." if found is SessionState.EXPIRED else "Bearer token or log-in required."
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Bearer"})


async def current_user(request: Request, caller: Annotated[Principal | SessionInfo, Depends(_caller)]) -> Principal:
    """The caller by bearer token or session cookie (cookie: CSRF token required on non-GET); 401 otherwise."""
    if isinstance(caller, SessionInfo):
        await require_csrf(request, caller)
        return caller.principal
    if caller.read_only and request.method not in SAFE_METHODS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This token is read-only.")
    return caller


CurrentUser = Annotated[Principal, Depends(current_user)]


def websocket_user(websocket: WebSocket) -> Principal | None:
    """The principal of a websocket's ``?token=``/bearer header, else of a same-origin session cookie."""
    token = websocket.query_params.get("token") or ""
    auth = websocket.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:]
    if not token:
        if not same_origin(websocket):
            return None
        found = session_of(websocket)
        return found.principal if isinstance(found, SessionInfo) else None
    with websocket.app.state.runtime.sessions.begin() as db:
        return principal_for_token(db, token)


def require_area(user: Principal, roles: frozenset[Role], area_path: tuple[str, ...] | list[str]) -> None:
    """403 unless ``user`` holds one of ``roles`` on an area of ``area_path``."""
    if not user.can(roles, area_path):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not cover this area.")


__all__ = [
    "CurrentUser",
    "RuntimeDep",
    "SessionDep",
    "client_ip",
    "current_user",
    "get_db",
    "get_runtime",
    "require_area",
    "websocket_user",
]
