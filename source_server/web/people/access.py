"""Log-in, log-out and the audit log page."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts import queries
from source_server.accounts.api import _audit_filter
from source_server.accounts.browser import (
    CSRF_FIELD,
    SESSION_COOKIE,
    auth_settings,
    clear_session_cookie,
    client_ip,
    session_of,
    set_session_cookie,
)
from source_server.accounts.service import audit
from source_server.accounts.sessions import LoginResult, SessionInfo, authenticate, create_session, end_session
from source_server.web.kit.auth import safe_next
from source_server.web.kit.deps import PageDb, Sessions, WebUser
from source_server.web.kit.i18n import get_lang, t
from source_server.web.kit.pager import Pager
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "nguon_login_csrf"
AUDIT_PAGE_SIZE = 50


def _login_page(
    request: Request, *, next_url: str, error: str = "", message: str = "", username: str = "", status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_url, "error": error, "message": message, "username": username},
        status_code=status_code,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/ui/", expired: bool = False, out: bool = False) -> Response:
    """The log-in form (straight on to ``next`` when already logged in)."""
    if isinstance(session_of(request), SessionInfo):
        return RedirectResponse(safe_next(next), status_code=303)
    lang = get_lang(request)
    message = t("login.expired", lang) if expired else (t("logged_out", lang) if out else "")
    return _login_page(request, next_url=safe_next(next), message=message)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
    *,
    sessions: Sessions,
) -> Response:
    """Check the password (throttled per user name and address), then start a session and go to ``next``."""
    lang, cfg, target = get_lang(request), auth_settings(request), safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_page(request, next_url=target, error=t("login.bad_form", lang), status_code=400)
    ip = client_ip(request)
    with sessions.begin() as db:
        result, user = authenticate(db, username=username, password=password, ip=ip, cfg=cfg)
        sid = None
        if result is LoginResult.OK and user is not None:
            ua = request.headers.get("user-agent", "")
            sid = create_session(db, user=user, ip=ip, user_agent=ua, cfg=cfg)
    if sid is None:
        time.sleep(cfg.login_failure_delay_s)
        key = {LoginResult.LOCKED: "login.locked", LoginResult.THROTTLED: "login.throttled"}.get(result, "login.failed")
        code = 401 if key == "login.failed" else 429
        minutes = max(1, round(cfg.login_lockout_s / 60))
        error = t(key, lang).format(minutes=minutes, seconds=round(cfg.login_user_throttle_s))
        return _login_page(request, next_url=target, error=error, username=username[:64], status_code=code)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, sid)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: WebUser, sessions: Sessions) -> Response:
    """End the session (the form carries the CSRF token) and go back to the log-in page."""
    with sessions.begin() as db:
        end_session(db, sid=request.cookies.get(SESSION_COOKIE, ""))
        audit(
            db,
            actor=user.username,
            action="logout",
            object_type="user",
            object_id=user.username,
            source_ip=client_ip(request),
        )
    response = RedirectResponse("/login?out=1", status_code=303)
    clear_session_cookie(response, request)
    return response


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: WebUser,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    area: Annotated[str | None, Query(max_length=32)] = None,
    since: str | None = None,
    until: str | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    *,
    db: PageDb,
) -> HTMLResponse:
    """The audit log for administrators: filters, newest first, paginated on the server."""
    if not user.is_admin:
        return render(request, "forbidden.html", user=user, status_code=403)
    since_d, until_d = _day(since), _day(until)
    since_dt = datetime.combine(since_d, datetime.min.time(), UTC) if since_d else None
    until_dt = datetime.combine(until_d, datetime.min.time(), UTC) + timedelta(days=1) if until_d else None
    f = _audit_filter(db, user.principal, actor or None, action or None, area or None, since_dt, until_dt)
    total, rows = queries.audit_page(db, f, limit=AUDIT_PAGE_SIZE, offset=Pager(page, AUDIT_PAGE_SIZE, 0).offset)
    pager = Pager(page, AUDIT_PAGE_SIZE, total)
    base = {k: v for k, v in {"actor": actor, "action": action, "area": area}.items() if v}
    if since_d:
        base["since"] = since_d.isoformat()
    if until_d:
        base["until"] = until_d.isoformat()
    api_params = dict(base)
    if since_dt:
        api_params["since"] = since_dt.isoformat()
    if until_dt:
        api_params["until"] = until_dt.isoformat()
    return render(
        request,
        "audit.html",
        {
            "items": rows,
            "total": total,
            "f": f,
            "since": base.get("since", ""),
            "until": base.get("until", ""),
            "export_query": urlencode(api_params),
            "prev_query": pager.prev(lambda n: urlencode({**base, "page": n})),
            "next_query": pager.next(lambda n: urlencode({**base, "page": n})),
        },
        user=user,
    )
