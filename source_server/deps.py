"""FastAPI dependencies in one place: the running server's parts a router needs (settings, sessions, media store,
signer, the bulletin studio), a database session, the calling principal (the pages' own: ``web.kit.deps``).

Each part is looked up on the runtime the app's lifespan started (``app.state.runtime``) without importing
``Runtime``: routers and the domain functions they call take the parts, never the runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey
from source_server.accounts.browser import SAFE_METHODS, client_ip, require_csrf, same_origin, session_of
from source_server.accounts.service import Principal, Role, principal_for_token
from source_server.accounts.sessions import SessionInfo, SessionState
from source_server.bulletins.speech import Studio
from source_server.config import Settings
from source_server.db import session_scope
from source_server.dispatch.media import MediaStore

_bearer = HTTPBearer(auto_error=False)


def get_server_settings(request: Request) -> Settings:
    """The settings the server runs with."""
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_server_settings)]


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory, for work that opens its own transactions (around slow steps such as speech)."""
    return request.app.state.runtime.sessions  # type: ignore[no-any-return]


SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]


def get_media_store(request: Request) -> MediaStore:
    """The content-addressed media store."""
    return request.app.state.runtime.media  # type: ignore[no-any-return]


MediaStoreDep = Annotated[MediaStore, Depends(get_media_store)]


def get_signer(request: Request) -> SigningKey:
    """The key that signs commands."""
    return request.app.state.runtime.signer  # type: ignore[no-any-return]


SignerDep = Annotated[SigningKey, Depends(get_signer)]


def get_studio(request: Request) -> Studio:
    """What a bulletin's audio is made with (sessions, media store, speech engines, settings)."""
    runtime = request.app.state.runtime
    return Studio(sessions=runtime.sessions, media=runtime.media, tts=runtime.tts, settings=runtime.settings)


StudioDep = Annotated[Studio, Depends(get_studio)]


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
    "MediaStoreDep",
    "SessionDep",
    "SessionsDep",
    "SettingsDep",
    "SignerDep",
    "StudioDep",
    "client_ip",
    "current_user",
    "get_db",
    "get_media_store",
    "get_server_settings",
    "get_sessions",
    "get_signer",
    "get_studio",
    "require_area",
    "websocket_user",
]
