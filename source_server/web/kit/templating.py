"""Rendering pages that extend ``base.html``: the user, language, CSRF token and header counts in every page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from source_server.accounts.browser import CSRF_FIELD
from source_server.accounts.service import READ_ROLES, Principal
from source_server.fleet.models import Alarm, Device
from source_server.fleet.uptime import LOCAL_TZ
from source_server.web.kit.auth import WebContext
from source_server.web.kit.i18n import LANG_COOKIE, LANGS, get_lang, t

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def localtime(value: datetime | None, seconds: bool = False) -> str:
    """``24/11/2026 14:05`` in Vietnam's time (the UI shows local time everywhere; storage is UTC)."""
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


templates.env.filters["localtime"] = localtime


def open_alarm_count(db: Session, principal: Principal) -> int:
    """Open alarms on devices inside the areas the principal may read."""
    areas = principal.areas_for(READ_ROLES)
    if not areas:
        return 0
    stmt = (
        select(func.count())
        .select_from(Alarm)
        .join(Device, Device.id == Alarm.device_id)
        .where(
            Alarm.cleared_at.is_(None),
            or_(Device.province_code.in_(areas), Device.commune_code.in_(areas), Device.village_code.in_(areas)),
        )
    )
    return db.scalar(stmt) or 0


def _broker_up(request: Request) -> bool:
    mqtt = getattr(getattr(request.app.state, "runtime", None), "mqtt", None)
    return mqtt is None or bool(mqtt.connected)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    user: WebContext | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render template ``name`` with ``user``, ``lang``, ``_`` (translate), ``csrf_token`` and ``open_alarms``.

    A ``?lang=`` in the URL is remembered in a cookie for a year.
    """
    lang = user.lang if user else get_lang(request)
    alarms = 0
    if user is not None:
        with request.app.state.runtime.sessions() as db:
            alarms = open_alarm_count(db, user.principal)
    ctx: dict[str, Any] = {
        "user": user,
        "lang": lang,
        "_": lambda key: t(key, lang),
        "csrf_token": user.csrf_token if user else "",
        "csrf_field": CSRF_FIELD,
        "open_alarms": alarms,
        "broker_down": user is not None and not _broker_up(request),
        "other_lang": "en" if lang == "vi" else "vi",
        "path": request.url.path,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    asked = request.query_params.get("lang")
    if asked in LANGS:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="lax", path="/")
    return response
