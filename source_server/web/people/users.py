"""Pages: my account (password, API tokens) and, for administrators, the users of their areas."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from source_server.accounts import people, queries
from source_server.accounts.browser import SESSION_COOKIE, client_ip
from source_server.accounts.service import Role, audit, hash_token
from source_server.fleet import service as fleet
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render

router = APIRouter(include_in_schema=False)
ROLES = [r.value for r in Role]


def said(exc: people.PeopleError, lang: str) -> str:
    """The refusal in the page's language (the English sentence when no translation exists)."""
    key = f"people.err.{exc.code}"
    text = t(key, lang)
    return exc.message if text == key else text.format(**exc.params)


def _areas_for_grants(request: Request, user: WebContext) -> list[dict[str, str]]:
    """Province and communes the administrator may grant roles in, with names."""
    reach = people.reach_of(user.principal)
    with request.app.state.runtime.sessions() as db:
        return [
            {"code": a.code, "name": a.name, "level": a.level}
            for a in fleet.list_areas(db, include_inactive=False)
            if a.level in ("province", "commune") and (a.code in reach.codes or a.parent_code in reach.codes)
        ]


def _area_names(request: Request) -> dict[str, str]:
    with request.app.state.runtime.sessions() as db:
        return {a.code: a.name for a in fleet.list_areas(db)}


# ----------------------------------------------------------------- my account


def _account(request: Request, user: WebContext, **extra: Any) -> HTMLResponse:
    with request.app.state.runtime.sessions() as db:
        tokens = [tok for tok, _ in queries.list_tokens(db, username=user.username)]
    context = {
        "tokens": tokens,
        "names": _area_names(request),
        "my_areas": sorted({a for _, a in user.principal.grants}),
    }
    code = extra.pop("status_code", 200)
    context.update(extra)
    return render(request, "account.html", context, user=user, status_code=code)


@router.get("/ui/account", response_class=HTMLResponse)
def account(request: Request, user: WebUser, done: str = "") -> HTMLResponse:
    """My roles, password change and API tokens."""
    message = {"password": t("account.changed", user.lang), "revoked": t("account.token.revoked", user.lang)}
    return _account(request, user, message=message.get(done, ""))


@router.post("/ui/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    user: WebUser,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
    again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change my password (this browser stays logged in, the others are logged out)."""
    if new != again:
        return _account(request, user, pw_error=t("account.mismatch", user.lang), status_code=422)
    sid = request.cookies.get(SESSION_COOKIE, "")
    try:
        with request.app.state.runtime.sessions.begin() as db:
            people.change_own_password(
                db, username=user.username, current=current, new=new, keep_session=hash_token(sid),
                source_ip=client_ip(request),
            )  # fmt: skip
    except people.PeopleError as exc:
        return _account(request, user, pw_error=said(exc, user.lang), status_code=422)
    return RedirectResponse("/ui/account?done=password", status_code=303)


@router.post("/ui/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    user: WebUser,
    name: Annotated[str, Form(max_length=100)] = "",
    read_only: Annotated[bool, Form()] = False,
    areas: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A new API token, shown on the page once."""
    try:
        with request.app.state.runtime.sessions.begin() as db:
            _row, secret = people.create_own_token(
                db, principal=user.principal, name=name, read_only=read_only, areas=areas or None,
                source_ip=client_ip(request),
            )  # fmt: skip
    except people.PeopleError as exc:
        return _account(request, user, token_error=said(exc, user.lang), status_code=422)
    return _account(request, user, new_token=secret, status_code=201)


@router.post("/ui/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, user: WebUser, token_id: int) -> Response:
    """Revoke one of my tokens."""
    with request.app.state.runtime.sessions.begin() as db:
        token = queries.revoke_token(db, token_id=token_id, username=user.username)
        if token is None:
            return _account(request, user, token_error="—", status_code=404)
        audit(db, actor=user.username, action="token.revoked", object_type="token", object_id=str(token_id),
              source_ip=client_ip(request))  # fmt: skip
    return RedirectResponse("/ui/account?done=revoked", status_code=303)


# ----------------------------------------------------------------- users (administrators)


def _forbidden(request: Request, user: WebContext) -> HTMLResponse:
    return render(request, "forbidden.html", user=user, status_code=403)


def _users(request: Request, user: WebContext, **extra: Any) -> HTMLResponse:
    with request.app.state.runtime.sessions() as db:
        users = people.list_users(db, principal=user.principal)
        rows = [
            {"username": u.username, "full_name": u.full_name, "active": u.active, "created_at": u.created_at,
             "grants": sorted((g.role, g.area_code) for g in u.grants)}
            for u in users
        ]  # fmt: skip
    context = {"users": rows, "roles": ROLES, "areas": _areas_for_grants(request, user), "names": _area_names(request)}
    code = extra.pop("status_code", 200)
    context.update(extra)
    return render(request, "users.html", context, user=user, status_code=code)


@router.get("/ui/users", response_class=HTMLResponse)
def users(request: Request, user: WebUser) -> HTMLResponse:
    """Users of my areas and a form to add one."""
    if not people.reach_of(user.principal).codes:
        return _forbidden(request, user)
    return _users(request, user)


@router.post("/ui/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    user: WebUser,
    username: Annotated[str, Form(max_length=64)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    area: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Create a user with one role (more on their page); the initial password is shown once."""
    if not people.reach_of(user.principal).codes:
        return _forbidden(request, user)
    form = {"username": username, "full_name": full_name, "role": role, "area": area}
    try:
        with request.app.state.runtime.sessions.begin() as db:
            created, password = people.add_user(
                db, principal=user.principal, username=username, full_name=full_name, grants=[(role, area)],
                source_ip=client_ip(request),
            )  # fmt: skip
            name = created.username
    except people.PeopleError as exc:
        return _users(request, user, form=form, error=said(exc, user.lang), error_field=exc.field, status_code=422)
    return render(request, "user_created.html", {"username": name, "password": password}, user=user, status_code=201)


def _user_page(request: Request, user: WebContext, username: str, **extra: Any) -> HTMLResponse:
    with request.app.state.runtime.sessions() as db:
        try:
            target = people.get_managed(db, principal=user.principal, username=username)
        except people.NotYourUser:
            return render(request, "forbidden.html", user=user, status_code=404)
        row = {"username": target.username, "full_name": target.full_name, "active": target.active,
               "grants": sorted((g.role, g.area_code) for g in target.grants)}  # fmt: skip
    context = {"u": row, "roles": ROLES, "areas": _areas_for_grants(request, user), "names": _area_names(request)}
    code = extra.pop("status_code", 200)
    context.update(extra)
    return render(request, "user_edit.html", context, user=user, status_code=code)


@router.get("/ui/users/{username}", response_class=HTMLResponse)
def user_page(request: Request, user: WebUser, username: str, done: str = "") -> HTMLResponse:
    """One user: name, roles, activity, password reset."""
    if not people.reach_of(user.principal).codes:
        return _forbidden(request, user)
    return _user_page(request, user, username, message=t("people.saved", user.lang) if done else "")


@router.post("/ui/users/{username}", response_class=HTMLResponse)
async def update_user(request: Request, user: WebUser, username: str) -> Response:
    """Save name, roles (kept ones plus a new one) and activity."""
    if not people.reach_of(user.principal).codes:
        return _forbidden(request, user)
    form = await request.form()
    keep = [str(v).split("|", 1) for v in form.getlist("keep")]
    grants = [(r, a) for r, a in keep if r and a]
    new_role, new_area = str(form.get("new_role") or ""), str(form.get("new_area") or "")
    if new_role and new_area:
        grants.append((new_role, new_area))
    active = form.get("active") == "1"
    try:
        with request.app.state.runtime.sessions.begin() as db:
            people.update_user(
                db, principal=user.principal, username=username, full_name=str(form.get("full_name") or ""),
                grants=grants, active=active, source_ip=client_ip(request),
            )  # fmt: skip
    except people.NotYourUser:
        return render(request, "forbidden.html", user=user, status_code=404)
    except people.PeopleError as exc:
        return _user_page(request, user, username, error=said(exc, user.lang), status_code=422)
    return RedirectResponse(f"/ui/users/{username}?done=1", status_code=303)


@router.post("/ui/users/{username}/password", response_class=HTMLResponse)
def reset_password(request: Request, user: WebUser, username: str) -> Response:
    """A new random password for the user, shown once."""
    if not people.reach_of(user.principal).codes:
        return _forbidden(request, user)
    try:
        with request.app.state.runtime.sessions.begin() as db:
            password = people.reset_password(
                db, principal=user.principal, username=username, source_ip=client_ip(request)
            )
    except people.NotYourUser:
        return render(request, "forbidden.html", user=user, status_code=404)
    return render(request, "user_created.html", {"username": username, "password": password, "reset": True}, user=user)
