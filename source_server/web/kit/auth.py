"""The logged-in person as a page sees it, and where log-in sends them (cookies and CSRF: ``accounts.browser``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request, status

from source_server.accounts.service import ADMIN_ROLES, Principal


@dataclass(frozen=True)
class WebContext:
    """The logged-in person of a page: principal, display name, CSRF token and language."""

    principal: Principal
    full_name: str
    csrf_token: str
    lang: str

    @property
    def username(self) -> str:
        """Login name."""
        return self.principal.username

    @property
    def display_name(self) -> str:
        """Full name, else the login name."""
        return self.full_name or self.principal.username

    @property
    def is_admin(self) -> bool:
        """True for an administrator of some area."""
        return bool(self.principal.areas_for(ADMIN_ROLES))


def login_redirect(request: Request, *, expired: bool) -> HTTPException:
    """A 303 to the log-in page that comes back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}" + ("&expired=1" if expired else "")
    return HTTPException(status.HTTP_303_SEE_OTHER, "Log-in required.", {"Location": location})


def safe_next(target: str | None) -> str:
    """A local path to go to after log-in (anything else → the overview)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/ui/"
    return target
