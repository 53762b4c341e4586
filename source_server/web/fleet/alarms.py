"""Pages: alarms of the devices in the user's areas, and acknowledging one with a comment (operators)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from source_server.accounts.browser import client_ip
from source_server.accounts.service import OPERATE_ROLES, READ_ROLES
from source_server.db import utcnow
from source_server.fleet import alarm_queries
from source_server.fleet.alarms import AlarmAlreadyAcked, ack_alarm
from source_server.fleet.models import Area
from source_server.fleet.presence_schemas import AlarmAck
from source_server.fleet.service import visible_area_tree
from source_server.web.fleet import alarm_format as fmt
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import PageDb, WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.pager import Pager
from source_server.web.kit.templating import localtime, open_alarm_count, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MAX_PAGE = 100000
COMMENT_MAX = AlarmAck.model_fields["comment"].metadata[0].max_length
FILTER_KEYS = ("kind", "state", "commune", "page")


def _filters(raw: dict[str, str]) -> dict[str, Any]:
    """Known filters from a query (unknown kinds/states fall back to all/current; page clamped)."""
    kind = raw.get("kind", "")
    state = raw.get("state", "")
    try:
        page = min(max(int(raw.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page = 1
    return {
        "kind": kind if kind in alarm_queries.KINDS else "",
        "state": state if state in alarm_queries.STATES else "current",
        "commune": raw.get("commune", "")[:32],
        "page": page,
    }


def _query(f: dict[str, Any], **override: Any) -> str:
    """The page's query string for filters ``f`` with ``override`` (defaults left out)."""
    merged = {**f, **override}
    out = {k: merged[k] for k in FILTER_KEYS if merged.get(k) and not (k == "page" and merged[k] == 1)}
    if out.get("state") == "current":
        del out["state"]
    return urlencode(out)


def _communes(db: Session, user: WebContext) -> list[Area]:
    """Communes holding devices the user may read (for the filter), by name."""
    can = user.principal.can
    forest = visible_area_tree(db, can_read=lambda p: can(READ_ROLES, p))
    out: list[Area] = []
    stack = list(forest)
    while stack:
        node = stack.pop()
        if node.area.level == "commune" and can(READ_ROLES, (node.area.parent_code or "", node.area.code)):
            out.append(node.area)
        stack.extend(node.children)
    return sorted(out, key=lambda a: (not a.active, a.name))


def _page(
    request: Request,
    user: WebContext,
    f: dict[str, Any],
    *,
    message: str = "",
    error: str = "",
    drafts: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = user.lang
    areas = user.principal.areas_for(READ_ROLES)
    with request.app.state.runtime.sessions() as db:
        communes = _communes(db, user)
        if f["commune"] and f["commune"] not in {c.code for c in communes}:
            return render(request, "alarms_missing.html", user=user, status_code=404)
        common = {"areas": areas, "state": f["state"], "commune": f["commune"] or None}
        counts = alarm_queries.alarm_counts(db, **common)
        offset = Pager(f["page"], PAGE_SIZE, 0).offset
        rows, total = alarm_queries.alarm_page(db, **common, kind=f["kind"] or None, limit=PAGE_SIZE, offset=offset)
        names = {c.code: c.name for c in communes}
        now = utcnow()
        items = [
            {
                "alarm": a,
                "device": d,
                "commune_name": names.get(d.commune_code, d.commune_code),
                "opened": localtime(a.opened_at),
                "cleared": localtime(a.cleared_at),
                "acked": localtime(a.acked_at),
                "duration": fmt.alarm_duration(a.opened_at, a.cleared_at, now, lang),
                "detail": fmt.detail_text(a.kind, a.detail, lang),
                "can_ack": a.acked_at is None and user.principal.can(OPERATE_ROLES, d.area_path),
            }
            for a, d in rows
        ]
    pager = Pager(f["page"], PAGE_SIZE, total)
    context = {
        "f": f,
        "kinds": alarm_queries.KINDS,
        "states": alarm_queries.STATES,
        "counts": counts,
        "communes": communes,
        "items": items,
        "total": total,
        "pages": pager.pages,
        "kind_query": lambda k: _query(f, kind=k, page=1),
        "back": _query(f),
        "prev_query": pager.prev(lambda n: _query(f, page=n)),
        "next_query": pager.next(lambda n: _query(f, page=n)),
        "message": message,
        "error": error,
        "drafts": drafts or {},
        "comment_max": COMMENT_MAX,
    }
    return render(request, "alarms.html", context, user=user, status_code=status_code)


@router.get("/ui/alarms", response_class=HTMLResponse)
def alarms_page(request: Request, user: WebUser, db: PageDb) -> HTMLResponse:
    """Alarms of the user's area, newest first: kind tabs with counts, state and commune filters, pages of 50."""
    f = _filters(dict(request.query_params))
    message = ""
    done = request.query_params.get("done", "")
    if done.isdigit():
        found = alarm_queries.scoped_alarm(db, alarm_id=int(done), areas=user.principal.areas_for(READ_ROLES))
        if found is not None and found[0].acked_at is not None:
            message = t("alarm.done", user.lang).format(device=found[1].id)
    return _page(request, user, f, message=message)


@router.get("/ui/alarms/counts")
def alarm_counts(user: WebUser, db: PageDb) -> JSONResponse:
    """The header count and the per-kind counts of current alarms (the page refreshes them on live events)."""
    areas = user.principal.areas_for(READ_ROLES)
    counts = alarm_queries.alarm_counts(db, areas=areas, state="current")
    total = open_alarm_count(db, user.principal)
    return JSONResponse({"open_alarms": total, "by_kind": counts})


@router.post("/ui/alarms/{alarm_id}/ack", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    user: WebUser,
    alarm_id: int,
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Acknowledge an alarm with a comment (operators of its area), then back to the same filters."""
    lang = user.lang
    f = _filters({k: v[0] for k, v in parse_qs(back).items() if k in FILTER_KEYS})
    text = comment.strip()
    with request.app.state.runtime.sessions.begin() as db:
        found = alarm_queries.scoped_alarm(db, alarm_id=alarm_id, areas=user.principal.areas_for(READ_ROLES), lock=True)
        error, code = "", 200
        if found is None:
            error, code = t("alarm.error.not_found", lang), 404
        elif not user.principal.can(OPERATE_ROLES, found[1].area_path):
            error, code = t("alarm.error.forbidden", lang), 403
        elif found[0].acked_at is not None:
            who, at = found[0].acked_by or "?", localtime(found[0].acked_at)
            error, code = t("alarm.error.already", lang).format(who=who, at=at), 409
        elif not text:
            error, code = t("alarm.error.comment_empty", lang), 422
        elif len(text) > COMMENT_MAX:
            error, code = t("alarm.error.comment_long", lang).format(n=COMMENT_MAX), 422
        else:
            alarm, device = found
            try:
                ack_alarm(
                    db,
                    alarm=alarm,
                    actor=user.username,
                    comment=text,
                    area_code=device.commune_code,
                    source_ip=client_ip(request),
                )
            except AlarmAlreadyAcked:  # checked above; the row lock makes this a last resort
                error, code = t("alarm.error.already", lang).format(who=alarm.acked_by or "?", at=""), 409
    if error:
        drafts = {alarm_id: comment[:COMMENT_MAX]} if code == 422 else {}
        return _page(request, user, f, error=error, drafts=drafts, status_code=code)
    query = _query(f)
    target = "/ui/alarms?" + (f"{query}&" if query else "") + f"done={alarm_id}#alarm-{alarm_id}"
    return RedirectResponse(target, status_code=303)
