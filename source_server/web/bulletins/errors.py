"""The bulletin domain's errors in the page's language: which form field they belong to, what to say, which status."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from source_server.bulletins.exceptions import (
    BulletinError,
    BulletinNotFound,
    InvalidBulletin,
    NotPermitted,
    TransitionRefused,
)
from source_server.web.auth import WebContext
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

# (field, pattern of the service's English message, UI string key); named groups feed the string.
_INVALID: tuple[tuple[str, str, str], ...] = (
    ("title", r"empty", "bulletin.err.title_empty"),
    ("title", r"at most (?P<n>\d+)", "bulletin.err.title_long"),
    ("text", r"at most (?P<n>\d+)", "bulletin.err.text_long"),
    ("text", r"undecodable", "bulletin.err.text_garbled"),
    ("text", r"needs a text", "bulletin.err.text_needed"),
    ("priority", r"only an emergency", "bulletin.err.not_emergency"),
    ("priority", r"", "bulletin.err.priority"),
    ("category_code", r"", "bulletin.err.category"),
    ("valid_until", r"after its start", "bulletin.err.until_before"),
    ("valid_until", r"past", "bulletin.err.until_past"),
    ("owner_area", r"", "bulletin.err.owner"),
    ("target_type", r"group", "bulletin.err.group"),
    ("target_type", r"", "bulletin.err.scope"),
    ("target_codes", r"at least one", "bulletin.err.target_none"),
    ("target_codes", r"^device (?P<code>\S+) is not in area", "bulletin.err.device_outside"),
    ("target_codes", r"^(?P<code>\S+) is outside area", "bulletin.err.target_outside"),
    ("target_codes", r"^(?P<code>\S+) is no longer active", "bulletin.err.target_merged"),
    ("target_codes", r"^(?P<code>\S+) is not a known", "bulletin.err.target_unknown"),
    ("version", r"now version (?P<n>\d+)", "bulletin.err.version"),
    *(
        (field, pattern, key)
        for field in ("intro_jingle_id", "outro_jingle_id")
        for pattern, key in (
            (r"outside", "jingle.err.outside"),
            (r"no longer active", "jingle.err.inactive"),
            (r"not an", "jingle.err.kind"),
            (r"hash", "jingle.err.by_hash"),
            (r"missing", "jingle.err.missing"),
        )
    ),
    ("reason", r"", "bulletin.err.reason"),
)
FORM_FIELD = {"target_type": "target", "target_codes": "target"}
"""Service field → the form's field the message is shown next to (others keep their name)."""


@dataclass(frozen=True)
class PageError:
    """A domain error as the page shows it."""

    field: str
    """The form field it belongs to ("" for the whole page)."""
    message: str
    status: int


def invalid_message(exc: InvalidBulletin, lang: str, names: Mapping[str, str] | None = None) -> str:
    """The message of a wrong field, in ``lang``; the service's own words when no translation fits."""
    for field, pattern, key in _INVALID:
        if field != exc.field:
            continue
        m = re.search(pattern, exc.message)
        if m is None:
            continue
        values = m.groupdict()
        code = values.pop("code", None)
        if code is not None:
            values["name"] = (names or {}).get(code, code)
        return t(key, lang).format(**values)
    return t("bulletin.err.generic", lang).format(message=exc.message)


def page_error(exc: BulletinError, lang: str, names: Mapping[str, str] | None = None) -> PageError:
    """Any bulletin error as a field, a message and an HTTP status (404, 403, 409 or 422)."""
    if isinstance(exc, BulletinNotFound):
        return PageError("", t("bulletin.not_found", lang).format(id=exc.bulletin_id), 404)
    if isinstance(exc, NotPermitted):
        key = "bulletin.err.own" if "author" in exc.why else "bulletin.err.forbidden"
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
