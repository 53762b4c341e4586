"""Page: the jingles (nhạc hiệu) of the user's areas, to listen to, upload, rename and deactivate.

Through ``bulletins.jingles`` like the API: the same checks, the same audit. A refused upload or change comes back
with the reason in the page's language (the pipeline's refusals say what was wrong with the file).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts.browser import client_ip
from source_server.accounts.service import Principal
from source_server.audio.config import DEFAULT_CONFIG
from source_server.bulletins import jingles
from source_server.bulletins.exceptions import BulletinError, InvalidBulletin, JingleNotFound, NotPermitted
from source_server.bulletins.workflow import WRITE_ROLES
from source_server.fleet import service as fleet
from source_server.web.bulletins.form import owner_choices
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.errors import JINGLE_PAGE_WORDS, words
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render, templates

router = APIRouter(include_in_schema=False)
MAX_SECONDS = f"{DEFAULT_CONFIG.jingle_max_seconds:g}"


def manages_jingles(principal: Principal) -> bool:
    """True when the user may upload jingles somewhere (the navigation shows the page to them)."""
    return bool(principal.areas_for(WRITE_ROLES))


templates.env.globals["manages_jingles"] = manages_jingles
Text = Annotated[str, Form(max_length=1000)]
DONE = ("created", "renamed", "deactivated", "activated", "unchanged")


def said(exc: BulletinError, lang: str, *, mb: int = 0) -> tuple[str, int]:
    """A refused jingle request in the page's language, with its status (an area outside the user's is named by
    its code only, as they gave it)."""
    if isinstance(exc, JingleNotFound):
        return t("jingle.err.not_found", lang), 404
    if isinstance(exc, NotPermitted):
        return t("jingle.err.forbidden", lang), 403
    assert isinstance(exc, InvalidBulletin)
    return words(
        exc, lang, table=JINGLE_PAGE_WORDS, fallback="jingle.err.generic", extra={"seconds": MAX_SECONDS, "mb": mb}
    ), 422


def _page(request: Request, user: WebContext, **extra: Any) -> HTMLResponse:
    """The list (inactive ones too, marked) and, for the areas' writers, the upload form."""
    status_code = extra.pop("status_code", 200)
    with request.app.state.runtime.sessions() as db:
        rows = jingles.list_jingles(db, principal=user.principal, include_inactive=True)
        names = {a.code: a.name for a in fleet.list_areas(db)}
        owners = [a for a in owner_choices(db, user.principal) if jingles.may_manage(db, user.principal, a.code)]
        items = [
            {
                "j": j,
                "area": names.get(j.owner_area, j.owner_area),
                "manage": jingles.may_manage(db, user.principal, j.owner_area),
            }
            for j in rows
        ]
    form = extra.pop("form", {})
    if not form.get("owner_area") and len(owners) == 1:
        form["owner_area"] = owners[0].code
    context = {"items": items, "owners": owners, "kinds": jingles.KINDS, "form": form, "max_seconds": MAX_SECONDS}
    context.update(extra)
    return render(request, "jingles.html", context, user=user, status_code=status_code)


@router.get("/ui/jingles", response_class=HTMLResponse)
def jingle_list(request: Request, user: WebUser, done: str = "") -> HTMLResponse:
    """Jingles of the user's areas and of the province above them."""
    message = t(f"jingle.done.{done}", user.lang) if done in DONE else ""
    return _page(request, user, message=message)


@router.post("/ui/jingles", response_class=HTMLResponse)
async def upload(
    request: Request,
    user: WebUser,
    name: Text = "",
    kind: Text = "any",
    owner_area: Text = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Upload a jingle: checked like a bulletin's audio, kept as its lossless source."""
    runtime = request.app.state.runtime
    lang = user.lang
    form = {"name": name, "kind": kind, "owner_area": owner_area}
    if file is None or not file.filename:
        return _page(request, user, error=t("jingle.err.no_file", lang), form=form, status_code=422)
    limit = runtime.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        error = t("jingle.err.too_big", lang).format(mb=limit >> 20)
        return _page(request, user, error=error, form=form, status_code=413)
    try:
        await jingles.upload(
            sessions=runtime.sessions, store=runtime.media, max_bytes=limit, principal=user.principal,
            owner_area=owner_area, name=name, kind=kind, data=data, filename=file.filename,
            source_ip=client_ip(request),
        )  # fmt: skip
    except BulletinError as exc:
        error, status = said(exc, lang, mb=limit >> 20)
        return _page(request, user, error=error, form=form, status_code=status)
    return RedirectResponse("/ui/jingles?done=created", status_code=303)


@router.post("/ui/jingles/{jingle_id:int}", response_class=HTMLResponse)
def change(request: Request, user: WebUser, jingle_id: int, action: Text = "", name: Text = "") -> Response:
    """Rename, deactivate (hidden from new choices; bulletins that use it keep it) or reactivate."""
    actions: dict[str, dict[str, Any]] = {
        "rename": {"name": name},
        "deactivate": {"active": False},
        "activate": {"active": True},
    }
    changes = actions.get(action, {})
    if not changes:
        return _page(request, user, error=t("jingle.err.action", user.lang), status_code=422)
    try:
        with request.app.state.runtime.sessions.begin() as db:
            before = jingles.get(db, principal=user.principal, jingle_id=jingle_id)
            snapshot = (before.name, before.active)
            jingle = jingles.update(
                db, principal=user.principal, jingle_id=jingle_id, changes=changes, source_ip=client_ip(request)
            )
            done = "unchanged" if (jingle.name, jingle.active) == snapshot else action + "d"
    except BulletinError as exc:
        error, status = said(exc, user.lang)
        return _page(request, user, error=error, status_code=status)
    return RedirectResponse(f"/ui/jingles?done={done}", status_code=303)
