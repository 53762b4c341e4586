"""The bulletin domain's errors in the page's language: which form field they belong to, what to say, which status."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from source_server.bulletins.exceptions import (
    BulletinError,
    BulletinNotFound,
    InvalidBulletin,
    NotPermitted,
    TransitionRefused,
)
from source_server.web.kit.auth import WebContext
from source_server.web.kit.errors import PageError, words
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

FORM_FIELD = {"target_type": "target", "target_codes": "target"}
"""Service field → the form's field the message is shown next to (others keep their name)."""


def invalid_message(exc: InvalidBulletin, lang: str, names: Mapping[str, str] | None = None) -> str:
    """The message of a wrong field, in ``lang``, from its code (an area or device is named by ``names``)."""
    return words(exc, lang, names=names)


def page_error(exc: BulletinError, lang: str, names: Mapping[str, str] | None = None) -> PageError:
    """Any bulletin error as a field, a message and an HTTP status (404, 403, 409 or 422)."""
    if isinstance(exc, BulletinNotFound):
        return PageError("", t("bulletin.not_found", lang).format(id=exc.bulletin_id), 404)
    if isinstance(exc, NotPermitted):
        key = "bulletin.err.own" if exc.own else "bulletin.err.forbidden"
        return PageError("", t(key, lang), 403)
    if isinstance(exc, TransitionRefused):
        what = t(f"bulletin.verb.{exc.action}", lang)
        state = t(f"bulletin.state.{exc.state}", lang)
        return PageError("", t("bulletin.err.state", lang).format(what=what, state=state), 409)
    if isinstance(exc, InvalidBulletin):
        status = 409 if exc.field == "version" else 422
        return PageError(FORM_FIELD.get(exc.field, exc.field), invalid_message(exc, lang, names), status)
    return PageError("", str(exc), 400)


def message_page(request: Request, user: WebContext, *, status: int, message: str) -> HTMLResponse:
    """A page that only says why the request was refused (404 not in your areas, 403 not allowed, 409 not now)."""
    title = {404: "bulletin.not_found.title", 403: "bulletin.forbidden.title"}.get(status, "bulletin.refused.title")
    context = {"title_key": title, "message": message}
    return render(request, "bulletin_message.html", context, user=user, status_code=status)
