"""Cookie sessions and CSRF for the browser, shared by the API (``CurrentUser``) and the pages (``WebUser``).

A request authenticated by the session cookie must carry the session's CSRF token on any state-changing
method: the ``X-CSRF-Token`` header (JavaScript reads ``<meta name=csrf-token>``) or a form field
``csrf_token``. Missing or wrong → 403 and an audit entry. Bearer tokens need no CSRF token.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response, WebSocket, status

from source_server.accounts.service import audit
from source_server.accounts.sessions import SessionInfo, SessionState, csrf_ok, resolve_session
from source_server.config import Settings

SESSION_COOKIE = "nguon_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def auth_settings(request: Request | WebSocket) -> Settings:
    """The server's settings, where the session and log-in numbers live."""
    settings: Settings = request.app.state.runtime.settings
    return settings


def _secure(request: Request) -> bool:
    settings = request.app.state.runtime.settings
    return bool(settings.public_url and settings.public_url.startswith("https"))


def set_session_cookie(response: Response, request: Request, sid: str) -> None:
    """Put the session id in an HttpOnly, SameSite=Lax cookie (Secure behind an https public URL)."""
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=auth_settings(request).session_absolute_s,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))


def _trusted(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request | WebSocket) -> str | None:
    """The caller's address, for the audit log and log-in throttling.

    ``X-Forwarded-For`` is believed only when the TCP peer is one of ``NGUON_TRUSTED_PROXIES``: then the client
    is the right-most address in it that is not a trusted proxy (what a client writes further left is its own
    claim). Without trusted proxies anyone could pick the address a lockout is counted against.
    """
    peer = request.client.host if request.client else None
    networks = auth_settings(request).trusted_proxy_networks
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            return hop[:64]
        peer = hop
    return peer


def session_of(request: Request | WebSocket) -> SessionInfo | SessionState:
    """The session named by the request's cookie (MISSING without one, EXPIRED when it has lapsed)."""
    sid = request.cookies.get(SESSION_COOKIE, "")
    if not sid:
        return SessionState.MISSING
    with request.app.state.runtime.sessions.begin() as db:
        return resolve_session(db, sid=sid, cfg=auth_settings(request))


async def submitted_csrf_token(request: Request) -> str | None:
    """The CSRF token a request carries: the header, else the form field of a submitted form."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # Keep the raw body, unless the route already parsed the form: a route that streams its upload itself
        # (``dispatch.upload.read_form``) reads it again.
        if getattr(request, "_form", None) is None:
            await request.body()
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def audit_refusal(request: Request, *, actor: str, action: str, reason: str) -> None:
    """Record a refused request in the audit log (its own transaction: the request's one rolls back)."""
    with request.app.state.runtime.sessions.begin() as db:
        audit(
            db,
            actor=actor,
            action=action,
            object_type="request",
            object_id=f"{request.method} {request.url.path}"[:128],
            source_ip=client_ip(request),
            summary=reason,
        )


async def require_csrf(request: Request, info: SessionInfo) -> None:
    """403 (and an audit entry) unless a state-changing request carries the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    if not csrf_ok(info.csrf_token, await submitted_csrf_token(request)):
        await request.close()  # a form parsed to look for the token holds its uploads in temporary files
        audit_refusal(request, actor=info.principal.username, action="csrf.rejected", reason="missing or wrong token")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Missing or invalid CSRF token.")


def same_origin(websocket: WebSocket) -> bool:
    """True when a websocket's Origin (if any) is the host it connects to (cookie auth only then)."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host")
