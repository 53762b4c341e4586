"""Pages: write a new bulletin and edit one, through ``service.create`` / ``service.update`` like the API.

A refused form comes back with what the user typed and the message next to its field; a saved one redirects to
the bulletin (Post/Redirect/Get). "Save and send for approval" saves and submits in one transaction, so a bulletin
that cannot be submitted is not saved either and the user sees why.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from source_server.accounts.browser import client_ip
from source_server.bulletins import service
from source_server.bulletins.exceptions import BulletinError, BulletinNotFound
from source_server.bulletins.models import Bulletin
from source_server.bulletins.speech import ensure_speech, submit_with_speech
from source_server.bulletins.workflow import WRITE_ROLES, Action, State
from source_server.deps import get_studio
from source_server.fleet import service as fleet
from source_server.web.bulletins import audio as bulletin_audio
from source_server.web.bulletins import view
from source_server.web.bulletins.errors import message_page, page_error
from source_server.web.bulletins.form import FormValues, content, form_context
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.forms import FormError
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


class StaleForm(Exception):
    """The bulletin changed since the form was opened."""

    def __init__(self, version: int) -> None:
        super().__init__(f"now version {version}")
        self.version = version


def _values(
    title: str,
    category_code: str,
    priority: str,
    owner_area: str,
    target_scope: str,
    target_codes: list[str] | None,
    valid_from: str,
    valid_until: str,
    text: str,
    version: str = "0",
    intro_jingle_id: str = "",
    outro_jingle_id: str = "",
) -> FormValues:
    return FormValues(
        title=title,
        category_code=category_code,
        priority=priority,
        owner_area=owner_area,
        target_scope=target_scope,
        target_codes=list(target_codes or []),
        valid_from=valid_from,
        valid_until=valid_until,
        text=text,
        intro_jingle_id=intro_jingle_id,
        outro_jingle_id=outro_jingle_id,
        version=int(version) if version.isdigit() else 0,
    )


def _form(
    request: Request,
    user: WebContext,
    db: Session,
    values: FormValues,
    *,
    bulletin: Bulletin | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render the form for a new bulletin (``bulletin`` None) or for editing ``bulletin``."""
    keep = ""
    if bulletin is not None and values.target_scope == "keep":
        keep = view.target_text(bulletin.target_type, bulletin.target_codes, view.names(db, user.lang), user.lang)
    context = form_context(
        db, user.principal, values, lang=user.lang, bulletin=bulletin, errors=errors, keep_target=keep
    )
    settings = request.app.state.runtime.settings
    context["audio"] = bulletin_audio.audio_view(bulletin, user.lang) if bulletin is not None else None
    context["audio_cfg"] = bulletin_audio.client_config(
        settings, user.lang, bulletin_id=bulletin.id if bulletin is not None else None
    )
    return render(request, "bulletin_form.html", context, user=user, status_code=status_code)


def _refusal(exc: Exception, db: Session, lang: str) -> tuple[dict[str, str], int]:
    """A refused save as {form field: message} and the HTTP status."""
    if isinstance(exc, FormError):
        return {exc.field: exc.text(lang)}, 422
    if isinstance(exc, StaleForm):
        return {"": t("bulletin.err.stale", lang).format(n=exc.version)}, 409
    assert isinstance(exc, BulletinError)
    err = page_error(exc, lang, view.names(db, lang).areas)
    return {err.field: err.message}, err.status


@router.get("/ui/bulletins/new", response_class=HTMLResponse)
def new_form(request: Request, user: WebUser) -> HTMLResponse:
    """An empty form; the owning area is preselected when the user writes for only one."""
    if not view.can_write_somewhere(user.principal):
        return message_page(request, user, status=403, message=t("bulletin.err.no_write", user.lang))
    with request.app.state.runtime.sessions() as db:
        return _form(request, user, db, FormValues())


@router.post("/ui/bulletins/new", response_class=HTMLResponse)
async def create(
    request: Request,
    user: WebUser,
    title: Text = "",
    category_code: Text = "",
    priority: Text = "",
    owner_area: Text = "",
    target_scope: Text = "",
    target_codes: Annotated[list[str] | None, Form()] = None,
    valid_from: Text = "",
    valid_until: Text = "",
    text: Text = "",
    intro_jingle_id: Text = "",
    outro_jingle_id: Text = "",
    then: Text = "",
) -> Response:
    """Save a new draft (and submit it when asked), or show the form again with the reason."""
    values = _values(
        title, category_code, priority, owner_area, target_scope, target_codes, valid_from, valid_until, text,
        intro_jingle_id=intro_jingle_id, outro_jingle_id=outro_jingle_id,
    )  # fmt: skip
    sessions = request.app.state.runtime.sessions
    try:
        with sessions.begin() as db:
            if values.target_scope == "keep":
                raise FormError("target", "bulletin.err.scope")
            owner = fleet.get_area(db, values.owner_area) if values.owner_area else None
            data = service.BulletinInput(owner_area=values.owner_area, **content(values, owner))
            bulletin = service.create(db, principal=user.principal, data=data, source_ip=client_ip(request))
            if then == "submit":
                service.check_submittable(bulletin)
            bulletin_id = bulletin.id
    except (FormError, BulletinError) as exc:
        with sessions() as db:
            errors, status = _refusal(exc, db, user.lang)
            return _form(request, user, db, values, errors=errors, status_code=status)
    if then == "submit":
        return await _submit(request, user, bulletin_id)
    return RedirectResponse(f"/ui/bulletins/{bulletin_id}?done=created", status_code=303)


async def _submit(request: Request, user: WebContext, bulletin_id: int) -> Response:
    """Synthesise the speech and submit; a failure leaves the saved draft and says why on its page."""
    try:
        await submit_with_speech(
            get_studio(request), principal=user.principal, bulletin_id=bulletin_id, source_ip=client_ip(request)
        )
    except BulletinError as exc:
        return _failed(request, user, bulletin_id, exc)
    return RedirectResponse(f"/ui/bulletins/{bulletin_id}?done=submit", status_code=303)


def _failed(request: Request, user: WebContext, bulletin_id: int, exc: BulletinError) -> HTMLResponse:
    """The bulletin's page with the reason a step after saving failed (the saved version stays)."""
    from source_server.web.bulletins.pages import bulletin_detail  # the detail page module mounts this one

    error = page_error(exc, user.lang)
    return bulletin_detail(request, user, bulletin_id, error=error, status_code=error.status)


def _editable(request: Request, user: WebContext, db: Session, bulletin_id: int) -> Bulletin | HTMLResponse:
    """The bulletin if this user may edit it now, else the page saying why (404, 403 or 409)."""
    try:
        bulletin = service.get(db, principal=user.principal, bulletin_id=bulletin_id)
    except BulletinNotFound as exc:
        return message_page(request, user, status=404, message=page_error(exc, user.lang).message)
    if "edit" in view.allowed_actions(db, user.principal, bulletin):
        return bulletin
    if not user.principal.can(WRITE_ROLES, fleet.area_path(db, bulletin.owner_area)):
        return message_page(request, user, status=403, message=t("bulletin.err.forbidden", user.lang))
    state = t(f"bulletin.state.{bulletin.state}", user.lang)
    message = t("bulletin.err.state", user.lang).format(what=t("bulletin.verb.edit", user.lang), state=state)
    return message_page(request, user, status=409, message=message)


def _owner_level(db: Session, bulletin: Bulletin) -> str:
    owner = fleet.get_area(db, bulletin.owner_area)
    return owner.level if owner else "commune"


@router.get("/ui/bulletins/{bulletin_id:int}/edit", response_class=HTMLResponse)
def edit_form(request: Request, user: WebUser, bulletin_id: int) -> HTMLResponse:
    """The form filled with the current version."""
    with request.app.state.runtime.sessions() as db:
        found = _editable(request, user, db, bulletin_id)
        if isinstance(found, HTMLResponse):
            return found
        return _form(request, user, db, FormValues.of(found, _owner_level(db, found)), bulletin=found)


@router.post("/ui/bulletins/{bulletin_id:int}/edit", response_class=HTMLResponse)
async def save_edit(
    request: Request,
    user: WebUser,
    bulletin_id: int,
    title: Text = "",
    category_code: Text = "",
    priority: Text = "",
    target_scope: Text = "",
    target_codes: Annotated[list[str] | None, Form()] = None,
    valid_from: Text = "",
    valid_until: Text = "",
    text: Text = "",
    version: Text = "0",
    intro_jingle_id: Text = "",
    outro_jingle_id: Text = "",
    then: Text = "",
) -> Response:
    """Save a new version of the version the form was opened on (and submit a draft when asked)."""
    values = _values(
        title, category_code, priority, "", target_scope, target_codes, valid_from, valid_until, text, version,
        intro_jingle_id, outro_jingle_id,
    )  # fmt: skip
    sessions = request.app.state.runtime.sessions
    ip = client_ip(request)
    try:
        with sessions.begin() as db:
            found = _editable(request, user, db, bulletin_id)
            if isinstance(found, HTMLResponse):
                return found
            before = found.version
            if values.version != before:
                raise StaleForm(before)
            changes = content(values, fleet.get_area(db, found.owner_area))
            bulletin = service.update(
                db, principal=user.principal, bulletin_id=bulletin_id, changes=changes, source_ip=ip
            )
            submitted = then == "submit" and bulletin.state == State.DRAFT.value
            if submitted:
                service.check_submittable(bulletin)
            done = "saved" if bulletin.version != before else "unchanged"
            resynthesise = not bulletin.media_sha256 and (
                bulletin.state == State.SUBMITTED.value or bool(bulletin.audio_source_sha256)
            )
    except (FormError, StaleForm, BulletinError) as exc:
        with sessions() as db:
            errors, status = _refusal(exc, db, user.lang)
            found = _editable(request, user, db, bulletin_id)
            if isinstance(found, HTMLResponse):
                return found
            values.owner_area, values.version = found.owner_area, found.version
            return _form(request, user, db, values, bulletin=found, errors=errors, status_code=status)
    if submitted:
        return await _submit(request, user, bulletin_id)
    if resynthesise:  # back for approval: the approver hears the new text; an own file is mixed with new jingles
        try:
            await ensure_speech(
                get_studio(request),
                principal=user.principal,
                bulletin_id=bulletin_id,
                for_action=Action.EDIT,
                source_ip=ip,
            )
        except BulletinError as exc:
            return _failed(request, user, bulletin_id, exc)
    return RedirectResponse(f"/ui/bulletins/{bulletin_id}?done={done}", status_code=303)
