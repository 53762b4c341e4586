"""The pages' dependencies: the logged-in person, a database session, the session factory, the settings.

Pages take these instead of reaching into ``request.app.state.runtime``. ``PageDb`` is a session for reading,
closed when the handler returns; a page that changes something opens its own transaction from ``Sessions``
(commit, then wake the dispatcher or the programme sync, in that order).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.browser import require_csrf, session_of
from source_server.accounts.sessions import SessionInfo, SessionState
from source_server.config import Settings
from source_server.web.kit.auth import WebContext, login_redirect
from source_server.web.kit.i18n import get_lang


def _page_session(request: Request) -> SessionInfo:
    found = session_of(request)
    if not isinstance(found, SessionInfo):
        raise login_redirect(request, expired=found is SessionState.EXPIRED)
    return found


async def web_user(request: Request, info: Annotated[SessionInfo, Depends(_page_session)]) -> WebContext:
    """The logged-in person of a page; 303 to ``/login?next=…`` when not (``&expired=1`` after a lapse)."""
    await require_csrf(request, info)
    return WebContext(
        principal=info.principal, full_name=info.full_name, csrf_token=info.csrf_token, lang=get_lang(request)
    )


WebUser = Annotated[WebContext, Depends(web_user)]


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory, for a page that writes (it opens, commits and wakes in its own order)."""
    return request.app.state.runtime.sessions  # type: ignore[no-any-return]


Sessions = Annotated["sessionmaker[Session]", Depends(get_sessions)]


def page_db(sessions: Sessions) -> Iterator[Session]:
    """A session for reading, closed (never committed) once the handler has returned, before the page is sent."""
    with sessions() as db:
        yield db


PageDb = Annotated[Session, Depends(page_db, scope="function")]


def get_settings(request: Request) -> Settings:
    """The server's settings."""
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
