"""The seeded province of the security tests (built by ``seed.build_world``): the app, its communes and callers.

Province 64 with communes A (23563) and B (23575) of the sample areas. Each commune has speakers, a board,
presence and connectivity events, an open alarm, a ``play`` broadcast with its deliveries, a submitted
bulletin, a jingle, an audit entry and a spare API token of its viewer; one more broadcast goes to the whole province
(deliveries in both).
Users: one per role on the province (``p-<role>``), on A (``a-<role>``) and on B (``b-<role>``), each with
a bearer token, a read-only token and a browser session; ``ab-narrowed`` is an operator of A and B whose
token is narrowed to A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import User, WebSession
from source_server.accounts.service import Principal, Role, hash_token
from source_server.accounts.sessions import create_session
from source_server.bulletins import service as bulletins
from source_server.bulletins.service import BulletinInput
from source_server.bulletins.workflow import Action
from source_server.config import Settings
from source_server.db import utcnow
from source_server.fleet.models import Alarm

PROVINCE = "64"
COMMUNES = {"A": "23563", "B": "23575"}
NAMES = {"A": "Pleiku", "B": "Hội Phú"}
"""A word of each commune's (and its villages') name found nowhere else in the data."""
THIRD_COMMUNE = "23626"
IP = "198.51.100.23"
PASSWORD = "mật-khẩu-kiểm-thử-2026"
AUTH = Settings(login_failure_delay_s=0.01)
"""The session numbers sessions are created with (the app's own settings carry the same)."""


@dataclass
class Side:
    """The objects of one commune."""

    commune: str
    village: str
    devices: list[str]
    alarm_id: int = 0
    command_id: str = ""
    token_id: int = 0
    media_sha256: str = ""
    bulletin_id: int = 0
    slot_id: int = 0
    item_id: int = 0
    spare_bulletin_id: int = 0
    priority_bulletin_id: int = 0
    jingle_id: int = 0
    clerk: str = ""
    """A user of this commune who is none of the actors (for the user-management routes)."""
    people: list[str] = field(default_factory=list)


@dataclass
class Actor:
    """One caller: bearer token, read-only token and browser session (``sid`` empty for token-only actors)."""

    name: str
    level: str
    """'P', 'A' or 'B': where the grants are (the narrowed token counts as 'A')."""
    roles: frozenset[Role]
    token: str
    ro_token: str = ""
    sid: str = ""
    csrf: str = ""

    def bearer(self, *, read_only: bool = False) -> dict[str, str]:
        """Headers of the (read-only) bearer token."""
        return {"Authorization": f"Bearer {self.ro_token if read_only else self.token}"}

    def cookie(self, *, csrf: str | None = None) -> dict[str, str]:
        """Headers of the session cookie, with the session's CSRF token unless ``csrf`` says otherwise."""
        headers = {"Cookie": f"nguon_session={self.sid}"}
        token = self.csrf if csrf is None else csrf
        if token:
            headers["X-CSRF-Token"] = token
        return headers


@dataclass
class World:
    """The app and everything seeded into its database."""

    app: FastAPI
    sessions: sessionmaker[Session]
    sides: dict[str, Side]
    actors: dict[str, Actor]
    shared_command_id: str
    revoked_token: str
    deactivated_token: str
    audio: bytes

    def level(self, level: str) -> list[Actor]:
        """The actors granted on ``level`` ('P', 'A' or 'B'), one per role (plus the narrowed token on A)."""
        return [a for a in self.actors.values() if a.level == level]

    def new_bulletin(self, key: str, *, submitted: bool = False, on_air: bool = False) -> int:
        """A fresh emergency bulletin of commune ``key`` by a writer who is none of the actors (draft, submitted,
        or on air)."""
        with self.sessions.begin() as db:
            return new_bulletin(db, self.sides[key].commune, submitted=submitted, on_air=on_air)

    def new_alarm(self, key: str) -> int:
        """A fresh open alarm on commune ``key``'s first device."""
        with self.sessions.begin() as db:
            alarm = Alarm(device_id=self.sides[key].devices[0], kind="flapping", opened_at=utcnow())
            db.add(alarm)
            db.flush()
            return alarm.id

    def expired_session(self, username: str = "p-province_admin") -> dict[str, str]:
        """Cookie headers of a session of ``username`` that ended a minute ago (one use: it is deleted then)."""
        with self.sessions.begin() as db:
            user = db.scalars(select(User).where(User.username == username)).one()
            sid = create_session(db, user=user, ip=IP, user_agent="test", cfg=AUTH)
            row = db.get(WebSession, hash_token(sid))
            assert row is not None
            row.expires_at = utcnow() - timedelta(minutes=1)
        return {"Cookie": f"nguon_session={sid}"}


def new_bulletin(db: Session, commune: str, *, submitted: bool = False, on_air: bool = False) -> int:
    """An emergency bulletin with text, owned by ``commune``, written by 'seed' (so any actor may approve it)."""
    writer = Principal(username="seed", grants=frozenset({(Role.COMMUNE_EDITOR, commune)}))
    key = next(k for k, c in COMMUNES.items() if c == commune)
    data = BulletinInput(
        title=f"Bản tin {NAMES[key]}",
        category_code="thong-bao",
        owner_area=commune,
        target_type="commune",
        target_codes=[commune],
        priority="emergency",
        text="Nội dung thông báo.",
    )
    bulletin = bulletins.create(db, principal=writer, data=data)
    if submitted:
        bulletins.submit(db, principal=writer, bulletin_id=bulletin.id)
    if on_air:
        bulletins.mark(db, bulletin=bulletin, action=Action.SEND_DIRECT, actor="seed")
        bulletins.mark(db, bulletin=bulletin, action=Action.GO_ON_AIR, actor="seed")
    return bulletin.id
