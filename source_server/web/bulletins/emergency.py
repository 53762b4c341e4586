"""The emergency screen: write, confirm (how many devices), send now, watch the devices reached live, stop.

One screen from anywhere (the red "Khẩn cấp" in the header). Only people who may send an emergency directly
(province admin/operator, commune leader) see the form; what it does is exactly the API's ``send-direct``:
the bulletin is written, approved by the act of sending (logged), spoken if it has no audio, and played at
once on every targeted device, interrupting what plays.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts.browser import client_ip
from source_server.accounts.service import READ_ROLES
from source_server.bulletins import onair, service
from source_server.bulletins.exceptions import (
    BulletinError,
    BulletinNotFound,
    InvalidBulletin,
    NotPermitted,
    TransitionRefused,
)
from source_server.bulletins.models import Bulletin
from source_server.bulletins.proof import bulletin_proof, proof_scope
from source_server.bulletins.workflow import EMERGENCY_SENDERS, Action, State
from source_server.deps import get_studio
from source_server.dispatch.schemas import DELIVERY_STATES
from source_server.fleet import service as fleet
from source_server.web.fleet import device_view as view
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.errors import words
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=30_000)]
CATEGORY = "thien-tai"


def _areas(request: Request, user: WebContext) -> list[dict[str, str]]:
    """Province and communes where the user may send an emergency, with names."""
    allowed = user.principal.areas_for(EMERGENCY_SENDERS)
    with request.app.state.runtime.sessions() as db:
        return [
            {"code": a.code, "name": a.name, "level": a.level}
            for a in fleet.list_areas(db, include_inactive=False)
            if a.level in ("province", "commune") and (a.code in allowed or a.parent_code in allowed)
        ]


def _form(request: Request, user: WebContext, **extra: Any) -> HTMLResponse:
    code = extra.pop("status_code", 200)
    context: dict[str, Any] = {"areas": _areas(request, user), "values": {}, "error": "", "confirm": None}
    context.update(extra)
    return render(request, "emergency.html", context, user=user, status_code=code)


@router.get("/ui/emergency", response_class=HTMLResponse)
def emergency_form(request: Request, user: WebUser) -> HTMLResponse:
    """Write an emergency; senders only (others are told who can)."""
    if not user.principal.areas_for(EMERGENCY_SENDERS):
        return render(request, "forbidden.html", {"why": t("emergency.who", user.lang)}, user=user, status_code=403)
    return _form(request, user)


@router.post("/ui/emergency", response_class=HTMLResponse)
async def emergency_send(
    request: Request,
    user: WebUser,
    area: Annotated[str, Form(max_length=32)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    text: Text = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """First post: check and ask to confirm with the number of devices; second (confirmed): write and send."""
    if not user.principal.areas_for(EMERGENCY_SENDERS):
        return render(request, "forbidden.html", {"why": t("emergency.who", user.lang)}, user=user, status_code=403)
    values = {"area": area, "title": title, "text": text}
    runtime, ip = request.app.state.runtime, client_ip(request)
    owner = None
    with runtime.sessions() as db:
        owner = fleet.get_area(db, area)
    level = owner.level if owner else "commune"
    data = service.BulletinInput(
        title=title, category_code=CATEGORY, owner_area=area, target_type=level, target_codes=[area],
        priority="emergency", text=text,
    )  # fmt: skip
    try:
        with runtime.sessions() as db:
            bulletin = service.create(db, principal=user.principal, data=data, source_ip=ip)
            service.precheck(db, principal=user.principal, bulletin=bulletin, action=Action.SEND_DIRECT)
            devices = onair.reached_devices(db, bulletin=bulletin)
            if confirmed != "yes":
                db.rollback()  # only a check: nothing is written before the confirmation
                return _form(request, user, values=values, confirm={"devices": devices})
            db.commit()
            bulletin_id = bulletin.id
        await onair.send_now(
            get_studio(request), signer=runtime.signer, principal=user.principal, bulletin_id=bulletin_id, source_ip=ip
        )
    except BulletinError as exc:
        return _form(request, user, values=values, error=_message(exc, user.lang), status_code=_status(exc))
    return RedirectResponse(f"/ui/emergency/{bulletin_id}", status_code=303)


def _status(exc: BulletinError) -> int:
    """The HTTP status of a refusal, as everywhere: 404 not yours, 403 not allowed, 409 wrong state, 422 bad value."""
    if isinstance(exc, BulletinNotFound):
        return 404
    if isinstance(exc, NotPermitted):
        return 403
    return 409 if isinstance(exc, TransitionRefused) else 422


def _message(exc: BulletinError, lang: str) -> str:
    if isinstance(exc, NotPermitted):
        return t("emergency.who", lang)
    return words(exc, lang) if isinstance(exc, InvalidBulletin) else str(exc)


def _live(request: Request, user: WebContext, bulletin: Bulletin, **extra: Any) -> HTMLResponse:
    communes = proof_scope(user.principal.areas_for(READ_ROLES), request.app.state.runtime.settings.province_code)
    with request.app.state.runtime.sessions() as db:
        proof = bulletin_proof(db, bulletin_id=bulletin.id, communes=communes)
        targets = [c.target.get("area") for c in proof.commands]
        codes = [*proof.by_commune, *(a[-1] for a in targets if isinstance(a, list | tuple) and a)]
        names = view.area_names(db, codes)  # only the areas shown (the page reloads every second while on air)
        can_stop = bulletin.state == State.ON_AIR.value and user.principal.can(
            EMERGENCY_SENDERS, fleet.area_path(db, bulletin.owner_area)
        )
    context = {"b": bulletin, "proof": proof, "names": names, "states": DELIVERY_STATES, "can_stop": can_stop}
    code = extra.pop("status_code", 200)
    context.update(extra)
    return render(request, "emergency_live.html", context, user=user, status_code=code)


@router.get("/ui/bulletins/{bulletin_id:int}/proof", response_class=HTMLResponse)
@router.get("/ui/emergency/{bulletin_id:int}", response_class=HTMLResponse)
def emergency_live(request: Request, user: WebUser, bulletin_id: int, stopped: str = "") -> HTMLResponse:
    """Proof of play of any bulletin, live (the page polls it); for an emergency on air, the one-action stop."""
    with request.app.state.runtime.sessions() as db:
        try:
            bulletin = service.get(db, principal=user.principal, bulletin_id=bulletin_id)
        except BulletinNotFound:
            return render(request, "forbidden.html", user=user, status_code=404)
        db.expunge(bulletin)
    return _live(request, user, bulletin, message=t("emergency.stopped", user.lang) if stopped else "")


@router.post("/ui/emergency/{bulletin_id:int}/stop", response_class=HTMLResponse)
def emergency_stop(request: Request, user: WebUser, bulletin_id: int) -> Response:
    """Stop it everywhere."""
    runtime = request.app.state.runtime
    try:
        with runtime.sessions.begin() as db:
            onair.stop(
                db, settings=runtime.settings, signer=runtime.signer, principal=user.principal, bulletin_id=bulletin_id,
                source_ip=client_ip(request),
            )  # fmt: skip
    except BulletinNotFound:
        return render(request, "forbidden.html", user=user, status_code=404)
    except BulletinError as exc:
        with runtime.sessions() as db:
            bulletin = service.get(db, principal=user.principal, bulletin_id=bulletin_id)
            db.expunge(bulletin)
        return _live(request, user, bulletin, error=_message(exc, user.lang), status_code=_status(exc))
    return RedirectResponse(f"/ui/emergency/{bulletin_id}?stopped=1", status_code=303)
