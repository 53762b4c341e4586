"""HTTP API of people: administrators manage users in their areas; everyone changes their own password."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from source_server.accounts import people
from source_server.accounts.models import User
from source_server.accounts.schemas import (
    Grant,
    PasswordChange,
    PasswordIssued,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)
from source_server.deps import CurrentUser, SessionDep, client_ip

router = APIRouter()


def read(user: User) -> UserRead:
    """A user's public fields."""
    grants = [Grant(role=g.role, area_code=g.area_code) for g in sorted(user.grants, key=lambda g: g.area_code)]
    return UserRead(
        username=user.username, full_name=user.full_name, active=user.active, created_at=user.created_at, grants=grants
    )


def _refused(exc: people.PeopleError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{"field": exc.field, "message": exc.message}])


def _admin(user: CurrentUser) -> None:
    if not people.reach_of(user).codes:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only an administrator manages users.")


@router.get("/users", response_model=list[UserRead])
def list_users(db: SessionDep, user: CurrentUser) -> list[UserRead]:
    """Users whose every role lies in the areas you administer."""
    _admin(user)
    return [read(u) for u in people.list_users(db, principal=user)]


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(db: SessionDep, user: CurrentUser, body: UserCreate, request: Request) -> UserCreated:
    """Create a user with roles in your areas; the initial password is in this response only."""
    _admin(user)
    try:
        created, password = people.add_user(
            db,
            principal=user,
            username=body.username,
            full_name=body.full_name,
            grants=[(g.role, g.area_code) for g in body.grants],
            source_ip=client_ip(request),
        )
    except people.PeopleError as exc:
        raise _refused(exc) from None
    return UserCreated(**read(created).model_dump(), password=password)


@router.patch("/users/{username}", response_model=UserRead)
def update_user(db: SessionDep, user: CurrentUser, username: str, body: UserUpdate, request: Request) -> UserRead:
    """Change a user's name, roles or activity (deactivating ends their sessions and stops their tokens)."""
    _admin(user)
    try:
        changed = people.update_user(
            db,
            principal=user,
            username=username,
            full_name=body.full_name,
            grants=None if body.grants is None else [(g.role, g.area_code) for g in body.grants],
            active=body.active,
            source_ip=client_ip(request),
        )
    except people.NotYourUser:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such user in your areas.") from None
    except people.PeopleError as exc:
        raise _refused(exc) from None
    return read(changed)


@router.post("/users/{username}/password", response_model=PasswordIssued)
def reset_password(db: SessionDep, user: CurrentUser, username: str, request: Request) -> PasswordIssued:
    """A new random password for the user (shown once); their sessions end."""
    _admin(user)
    try:
        password = people.reset_password(db, principal=user, username=username, source_ip=client_ip(request))
    except people.NotYourUser:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such user in your areas.") from None
    return PasswordIssued(username=username, password=password)


@router.post("/me/password", status_code=204)
def change_password(db: SessionDep, user: CurrentUser, body: PasswordChange, request: Request) -> Response:
    """Change your own password (the current one is required); your other sessions end."""
    try:
        people.change_own_password(
            db, username=user.username, current=body.current, new=body.new, source_ip=client_ip(request)
        )
    except people.PeopleError as exc:
        raise _refused(exc) from None
    return Response(status_code=204)
