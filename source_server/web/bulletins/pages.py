"""Pages: the bulletin list and the approver's queue, one bulletin (steps, history, versions, diff), its actions.

Every action is a small form posted to a page route that calls the same service function as the API and comes
back to the bulletin with a message (Post/Redirect/Get), or shows the refusal in words: not in your areas → 404,
not allowed to you → 403, not possible in this state → 409, a missing reason → 422. The buttons shown are the
ones ``bulletin_view.allowed_actions`` computes with the workflow and role sets, the same checks the service makes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts.browser import client_ip
from source_server.accounts.service import READ_ROLES
from source_server.bulletins import service
from source_server.bulletins.exceptions import BulletinError, BulletinNotFound
from source_server.bulletins.models import Bulletin
from source_server.bulletins.schemas import Reason
from source_server.bulletins.speech import ensure_speech
from source_server.bulletins.workflow import Action, State
from source_server.deps import get_studio
from source_server.web.bulletins import audio as bulletin_audio
from source_server.web.bulletins import edit as bulletin_edit
from source_server.web.bulletins import view
from source_server.web.bulletins.errors import message_page, page_error
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.errors import PageError
from source_server.web.kit.i18n import t
from source_server.web.kit.pager import Pager
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(bulletin_edit.router)  # first: its POST …/edit must win over the generic action route
PAGE_SIZE = 20
MAX_PAGE = 100_000
REASON_MAX = Reason.model_fields["reason"].metadata[0].max_length
DONE = {name: f"bulletin.done.{name}" for name in ("created", "saved", "unchanged", "submit", "approve", "reject",
                                                   "cancel", "send_direct", "audio")}  # fmt: skip
ACTIONS: dict[str, tuple[str, Callable[..., Bulletin]]] = {
    "submit": ("submit", service.submit),
    "approve": ("approve", service.approve),
    "reject": ("reject", service.reject),
    "send-direct": ("send_direct", service.send_direct),
    "cancel": ("cancel", service.cancel),
}
"""URL segment → (action name, service function)."""


def _row(b: Bulletin, n: view.Names) -> dict[str, Any]:
    return {"b": b, "area": n.area(b.owner_area), "category": n.categories.get(b.category_code, b.category_code)}


@router.get("/ui/bulletins", response_class=HTMLResponse)
def bulletin_list(
    request: Request, user: WebUser, state: str = "", area: str = "", page: str = "1", tab: str = ""
) -> HTMLResponse:
    """Bulletins of the user's areas, newest first, by state and area, 20 a page; or the approval queue."""
    lang, principal = user.lang, user.principal
    errors = []
    if state and state not in {s.value for s in State}:
        errors.append(t("bulletin.err.filter_state", lang))
        state = ""
    number = int(page) if page.isdigit() and 1 <= int(page) <= MAX_PAGE else 1
    if str(number) != page.strip() and page.strip():
        errors.append(t("bulletin.err.page", lang))
    approver = view.is_approver(principal)
    with request.app.state.runtime.sessions() as db:
        n = view.names(db, lang)
        owners = _owners(n, principal.areas_for(READ_ROLES))
        if area and area not in owners:
            return message_page(request, user, status=404, message=t("bulletin.empty.filtered", lang))
        queue = service.approval_queue(db, principal=principal) if approver else []
        if tab == "queue" and approver:
            items, total = queue, len(queue)
        else:
            tab = ""
            items, total = service.list_bulletins(
                db,
                principal=principal,
                state=state or None,
                owner_area=area or None,
                limit=PAGE_SIZE,
                offset=Pager(number, PAGE_SIZE, 0).offset,
            )
        rows = [_row(b, n) for b in items]
    pager = Pager(number, PAGE_SIZE, total)
    first, last = pager.shown(len(rows))

    def query(**change: Any) -> str:
        params = {"state": state, "area": area, "page": number} | change
        return urlencode({k: v for k, v in params.items() if v and not (k == "page" and v == 1)})

    context = {
        "tab": tab,
        "rows": rows,
        "total": total,
        "first": first,
        "last": last,
        "page": number,
        "pages": pager.pages,
        "states": [s.value for s in State],
        "state": state,
        "area": area,
        "owners": [(c, n.area(c)) for c in owners],
        "filtered": bool(state or area),
        "errors": errors,
        "can_write": view.can_write_somewhere(principal),
        "approver": approver,
        "queue_count": len(queue),
        "prev_query": None if tab else pager.prev(lambda n: query(page=n)),
        "next_query": None if tab else pager.next(lambda n: query(page=n)),
    }
    return render(request, "bulletins.html", context, user=user)


def _owners(n: view.Names, readable: set[str]) -> list[str]:
    """Areas whose bulletins the user may list (as ``service.list_bulletins`` counts them), province first."""
    codes = [
        c
        for c, lvl in n.levels.items()
        if lvl in ("province", "commune") and (c in readable or n.parents.get(c) in readable)
    ]
    return sorted(codes, key=lambda c: (n.levels[c] != "province", n.area(c)))


def bulletin_detail(
    request: Request,
    user: WebContext,
    bulletin_id: int,
    *,
    message: str = "",
    error: PageError | None = None,
    drafts: dict[str, str] | None = None,
    base: str = "",
    head: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The bulletin's page with an optional message or refusal (also the answer of a refused action)."""
    lang = user.lang
    with request.app.state.runtime.sessions() as db:
        try:
            b = service.get(db, principal=user.principal, bulletin_id=bulletin_id)
        except BulletinNotFound as exc:
            return message_page(request, user, status=404, message=page_error(exc, lang).message)
        n = view.names(db, lang)
        actions = view.allowed_actions(db, user.principal, b)
        diff = None
        if base.isdigit() and head.isdigit():
            diff = view.diff_view(b, base=int(base), head=int(head), why="between", n=n, lang=lang)
        chosen = view.default_diff_base(b)
        if diff is None and chosen is not None:
            diff = view.diff_view(b, base=chosen[0], head=b.version, why=chosen[1], n=n, lang=lang)
        context = {
            "b": b,
            "area": n.area(b.owner_area),
            "category": n.categories.get(b.category_code, b.category_code),
            "target": view.target_text(b.target_type, b.target_codes, n, lang),
            "validity": view.validity_text(b, lang),
            "jingles": view.jingles_text(b, n, lang),
            "steps": view.steps(b, lang),
            "history": view.history(b, lang),
            "rejection": view.last_rejection(b) if b.state == State.REJECTED.value else None,
            "versions": list(reversed(b.versions)),
            "actions": actions,
            "needs_text": not (b.text.strip() or service.has_audio(b)) and b.state in ("draft", "rejected"),
            "diff": diff,
            "explicit_diff": bool(base and head),
            "message": message,
            "error": error,
            "drafts": drafts or {},
            "reason_max": REASON_MAX,
            "approver": view.is_approver(user.principal),
            "audio": bulletin_audio.audio_view(b, lang),
            "can_replace_audio": "edit" in actions,
            "audio_cfg": bulletin_audio.client_config(request.app.state.runtime.settings, lang, bulletin_id=b.id),
            "audio_accept": bulletin_audio.ACCEPT,
        }
    return render(request, "bulletin.html", context, user=user, status_code=status_code)


@router.get("/ui/bulletins/{bulletin_id:int}", response_class=HTMLResponse)
def bulletin_page(
    request: Request, user: WebUser, bulletin_id: int, done: str = "", base: str = "", head: str = ""
) -> HTMLResponse:
    """One bulletin: content, steps, what the user may do, history, versions and the changes to review."""
    message = t(DONE[done], user.lang) if done in DONE else ""
    return bulletin_detail(request, user, bulletin_id, message=message, base=base, head=head)


@router.post("/ui/bulletins/{bulletin_id:int}/{action}", response_class=HTMLResponse)
async def bulletin_action(
    request: Request,
    user: WebUser,
    bulletin_id: int,
    action: str,
    reason: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Submit, approve (the version shown), reject (with a reason), send an emergency directly, or cancel."""
    lang = user.lang
    if action not in ACTIONS:
        return message_page(request, user, status=404, message=t("bulletin.not_found", lang).format(id=bulletin_id))
    name, step = ACTIONS[action]
    kw: dict[str, Any] = {}
    if name == "approve":
        kw["version"] = int(version) if version.isdigit() else 0
    elif name != "submit":
        kw["reason"] = reason
    if len(reason) > REASON_MAX:
        error = PageError("reason", t("bulletin.err.reason_long", lang).format(n=REASON_MAX), 422)
        return bulletin_detail(request, user, bulletin_id, error=error, drafts={name: reason}, status_code=422)
    runtime = request.app.state.runtime
    try:
        if name in ("submit", "send_direct"):  # the approver, or the loudspeakers, hear the text as speech
            await ensure_speech(
                get_studio(request),
                principal=user.principal,
                bulletin_id=bulletin_id,
                for_action=Action.SUBMIT if name == "submit" else Action.SEND_DIRECT,
                source_ip=client_ip(request),
            )
        with runtime.sessions.begin() as db:
            step(db, principal=user.principal, bulletin_id=bulletin_id, source_ip=client_ip(request), **kw)
    except BulletinError as exc:
        error = page_error(exc, lang)
        if error.status == 404:
            return message_page(request, user, status=404, message=error.message)
        return bulletin_detail(request, user, bulletin_id, error=error, drafts={name: reason}, status_code=error.status)
    return RedirectResponse(f"/ui/bulletins/{bulletin_id}?done={name}", status_code=303)
