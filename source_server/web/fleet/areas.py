"""Pages: the area tree with device counts; CSV import and the commune merger for province operators."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from source_server.accounts.browser import client_ip
from source_server.accounts.service import OPERATE_ROLES, READ_ROLES
from source_server.fleet import csvio, service
from source_server.fleet.models import Area
from source_server.fleet.service import AreaTreeNode, CsvImportError
from source_server.web.fleet import area_format as fmt
from source_server.web.fleet.area_actions import MergeRefused, apply_merge, preview_merge
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)
MAX_CSV_BYTES = 2 * 1024 * 1024
PREVIEW_DEVICES = 20
REASON_MAX = 200


class _OutsideScope(Exception):
    """The CSV touches a province the user does not operate."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _operates(db: Session, user: WebContext) -> bool:
    """True for a province admin or operator (OPERATE_ROLES granted on a province)."""
    for code in user.principal.areas_for(OPERATE_ROLES):
        area = db.get(Area, code)
        if area is not None and area.level == "province":
            return True
    return False


def _node(n: AreaTreeNode, user: WebContext, counts: dict[str, int], path: tuple[str, ...]) -> dict[str, Any]:
    here = (*path, n.area.code)
    readable = user.principal.can(READ_ROLES, here)
    return {
        "area": n.area,
        "count": counts.get(n.area.code, 0) if readable else None,
        "children": [_node(c, user, counts, here) for c in n.children],
    }


def _communes(forest: list[dict[str, Any]], user: WebContext, *, active_only: bool) -> list[Area]:
    """Communes of the tree the user operates (for the merger's choices), by name."""
    out: list[Area] = []
    stack = list(forest)
    while stack:
        node = stack.pop()
        area = node["area"]
        operable = user.principal.can(OPERATE_ROLES, (area.parent_code or "", area.code))
        if area.level == "commune" and operable and (area.active or not active_only):
            out.append(area)
        stack.extend(node["children"])
    return sorted(out, key=lambda a: (not a.active, a.name))


def _page(
    request: Request,
    user: WebContext,
    *,
    message: str = "",
    error: str = "",
    row_errors: list[dict[str, Any]] | None = None,
    chosen: tuple[str, str] = ("", ""),
    status_code: int = 200,
) -> HTMLResponse:
    """The tree (and, for province operators, the import and merger forms)."""
    with request.app.state.runtime.sessions() as db:
        counts = service.device_counts(db)
        can = user.principal.can
        forest = [
            _node(n, user, counts, ()) for n in service.visible_area_tree(db, can_read=lambda p: can(READ_ROLES, p))
        ]
        operates = _operates(db, user)
        context = {
            "tree": forest,
            "operates": operates,
            "from_choices": _communes(forest, user, active_only=False) if operates else [],
            "to_choices": _communes(forest, user, active_only=True) if operates else [],
            "counts": counts,
            "chosen": chosen,
            "message": message,
            "error": error,
            "row_errors": row_errors or [],
            "max_mb": MAX_CSV_BYTES // (1024 * 1024),
        }
    return render(request, "areas.html", context, user=user, status_code=status_code)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _label(db: Session, code: str) -> str:
    area = service.get_area(db, code)
    return f"{area.name} ({code})" if area is not None else code


@router.get("/ui/areas", response_class=HTMLResponse)
def areas_page(request: Request, user: WebUser) -> HTMLResponse:
    """The area tree the user may read; after an import or a merger, what it did."""
    q, lang, message = request.query_params, user.lang, ""
    if "created" in q or "renamed" in q:
        message = t("areas.import.done", lang).format(created=_int(q.get("created")), renamed=_int(q.get("renamed")))
    elif q.get("merged") and q.get("into") and user.principal.areas_for(OPERATE_ROLES):
        with request.app.state.runtime.sessions() as db:
            src, dst = _label(db, q["merged"][:32]), _label(db, q["into"][:32])
        message = t("areas.merge.done", lang).format(
            devices=_int(q.get("devices")), villages=_int(q.get("villages")), src=src, dst=dst
        )
    return _page(request, user, message=message)


@router.post("/ui/areas/import", response_class=HTMLResponse)
async def import_areas(request: Request, user: WebUser, file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Import a CSV of areas: every row checked first, nothing written when any row is wrong (then 422)."""
    lang = user.lang
    with request.app.state.runtime.sessions() as db:
        if not _operates(db, user):
            return render(request, "forbidden.html", user=user, status_code=403)
    if file is None or not file.filename:
        return _page(request, user, error=t("areas.import.no_file", lang), status_code=422)
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        return _page(
            request, user, error=t("areas.import.too_big", lang).format(mb=MAX_CSV_BYTES >> 20), status_code=413
        )

    def authorize(provinces: set[str]) -> None:
        for code in sorted(provinces):
            if not user.principal.can(OPERATE_ROLES, [code]):
                raise _OutsideScope(code)

    try:
        with request.app.state.runtime.sessions.begin() as db:
            result = csvio.import_areas(db, data, authorize=authorize)
            service.audit_area_import(
                db, result, actor=user.username, filename=file.filename, source_ip=client_ip(request)
            )
    except CsvImportError as exc:
        rows = [
            {"row": e.row, "field": e.field, "message": fmt.csv_message(e, lang)}
            for e in sorted(exc.errors, key=lambda e: e.row)
        ]
        error = t("areas.import.failed", lang).format(n=len(rows))
        return _page(request, user, error=error, row_errors=rows, status_code=422)
    except _OutsideScope as exc:
        return _page(request, user, error=t("areas.import.outside", lang).format(code=exc.code), status_code=403)
    query = urlencode({"created": len(result.created), "renamed": len(result.renamed)})
    return RedirectResponse(f"/ui/areas?{query}", status_code=303)


def _refused(request: Request, user: WebContext, exc: MergeRefused, chosen: tuple[str, str]) -> HTMLResponse:
    return _page(request, user, error=exc.text, chosen=chosen, status_code=exc.status)


@router.get("/ui/areas/merge", response_class=HTMLResponse)
def merge_preview(request: Request, user: WebUser, from_code: str = "", to_code: str = "") -> HTMLResponse:
    """What moving every device and village of ``from_code`` into ``to_code`` would do; a form to confirm it."""
    chosen = (from_code[:32], to_code[:32])
    with request.app.state.runtime.sessions() as db:
        if not _operates(db, user):
            return render(request, "forbidden.html", user=user, status_code=403)
        try:
            src, dst, plan = preview_merge(db, user, from_code, to_code)
        except MergeRefused as exc:
            return _refused(request, user, exc, chosen)
        villages = [db.get(Area, c) for c in plan.village_codes]
        context = {
            "src": src,
            "dst": dst,
            "plan": plan,
            "villages": [v for v in villages if v is not None],
            "first_devices": plan.device_ids[:PREVIEW_DEVICES],
            "more": max(0, plan.device_count - PREVIEW_DEVICES),
            "preview_max": PREVIEW_DEVICES,
            "reason": t("areas.merge.reason_default", user.lang),
            "reason_max": REASON_MAX,
        }
        return render(request, "areas_merge.html", context, user=user)


@router.post("/ui/areas/merge", response_class=HTMLResponse)
def merge_apply(
    request: Request,
    user: WebUser,
    from_code: Annotated[str, Form()] = "",
    to_code: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Do the merger (checked again, in one transaction, audited like the API), then back to the tree."""
    lang, chosen = user.lang, (from_code[:32], to_code[:32])
    text = reason.strip() or t("areas.merge.reason_default", lang)
    if len(text) > REASON_MAX:
        return _page(request, user, error=t("areas.merge.reason_long", lang).format(n=REASON_MAX), status_code=422)
    try:
        with request.app.state.runtime.sessions.begin() as db:
            if not _operates(db, user):
                return render(request, "forbidden.html", user=user, status_code=403)
            plan = apply_merge(db, user, from_code, to_code, reason=text, source_ip=client_ip(request))
    except MergeRefused as exc:
        return _refused(request, user, exc, chosen)
    query = urlencode(
        {
            "merged": plan.from_code,
            "into": plan.to_code,
            "devices": plan.device_count,
            "villages": len(plan.village_codes),
        }
    )
    return RedirectResponse(f"/ui/areas?{query}", status_code=303)
