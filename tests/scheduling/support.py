"""Programme tests: the sample areas, devices in two communes, users per role, approved bulletins with audio."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from itertools import count
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.service import Principal, Role
from source_server.bulletins import service as bulletins
from source_server.bulletins.models import Bulletin
from source_server.bulletins.service import BulletinInput, seed_categories
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.models import Command, Media, OutboxMessage
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling import service
from source_server.scheduling.service import SlotInput

A, B, PROVINCE = "23563", "23575", "64"
GAP = timedelta(seconds=2)
GRANTS: dict[str, tuple[Role, str]] = {
    "editor-a": (Role.COMMUNE_EDITOR, A),
    "approver-a": (Role.COMMUNE_APPROVER, A),
    "editor-b": (Role.COMMUNE_EDITOR, B),
    "approver-b": (Role.COMMUNE_APPROVER, B),
    "viewer-a": (Role.VIEWER, A),
    "admin": (Role.PROVINCE_ADMIN, PROVINCE),
    "operator": (Role.PROVINCE_OPERATOR, PROVINCE),
}
_sha = count(1)


def who(name: str) -> Principal:
    """The principal of a seeded user."""
    return Principal(username=name, grants=frozenset({GRANTS[name]}))


def settings_for(db_url: str, tmp_path: Path, **over: object) -> Settings:
    """Server settings on the test database (no broker needed: commands stay in the outbox)."""
    return Settings(data_dir=tmp_path / "data", database_url=db_url, programme_gap_s=GAP.total_seconds(), **over)  # type: ignore[arg-type]


def seed(db: sessionmaker[Session]) -> None:
    """Areas, categories, three speakers in commune A (two in village 01), two in commune B."""
    with db.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        seed_categories(s)
        for device, commune, village in [("spk-a0", A, f"{A}-01"), ("spk-a1", A, f"{A}-01"), ("spk-a2", A, None),
                                         ("spk-b0", B, None), ("spk-b1", B, None)]:  # fmt: skip
            create_device(s, data=DeviceInput(id=device, kind="speaker", commune_code=commune, village_code=village))


def media(s: Session, duration_ms: int) -> str:
    """A media row of that length (the file itself is not needed by the programme)."""
    sha = hashlib.sha256(f"tone-{next(_sha)}".encode()).hexdigest()
    s.add(Media(sha256=sha, size=1000 + duration_ms // 10, duration_ms=duration_ms, content_type="audio/mpeg"))
    s.flush()
    return sha


def bulletin(
    db: sessionmaker[Session],
    *,
    owner: str = A,
    duration_ms: int | None = 60_000,
    target_type: str = "commune",
    codes: list[str] | None = None,
    priority: str = "normal",
    approve: bool = True,
    title: str = "Thông báo lịch tiêm chủng",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> int:
    """A bulletin of ``owner`` (approved unless told), with audio of ``duration_ms`` (None: text only)."""
    writer, approver = ("operator", "admin") if owner == PROVINCE else ("editor-a", "approver-a")
    if owner == B:
        writer, approver = "editor-b", "approver-b"
    with db.begin() as s:
        sha = media(s, duration_ms) if duration_ms else None
        data = BulletinInput(title=title, category_code="y-te", owner_area=owner, target_type=target_type,
                             target_codes=codes or [owner], priority=priority, text="Nội dung thông báo.",
                             media_sha256=sha, valid_from=valid_from, valid_until=valid_until)  # fmt: skip
        b = bulletins.create(s, principal=who(writer), data=data)
        if approve:
            bulletins.submit(s, principal=who(writer), bulletin_id=b.id)
            bulletins.approve(s, principal=who(approver), bulletin_id=b.id, version=b.version)
        return b.id


def slot(
    db: sessionmaker[Session], *, area: str = A, start: time = time(6, 0), length_s: int = 1800,
    user: str | None = None, **over: object,
) -> int:  # fmt: skip
    """A slot of ``area``'s programme."""
    data = SlotInput(label=over.pop("label", "Buổi sáng"), start_local=start, duration_s=length_s, **over)  # type: ignore[arg-type]
    with db.begin() as s:
        made = service.create_slot(s, principal=who(user or ("admin" if area == PROVINCE else "approver-a")),
                                   area_code=area, data=data)  # fmt: skip
        return made.id


def future_day(weekday: int | None = None, after: int = 2) -> date:
    """A local day at least ``after`` days ahead (on ISO ``weekday`` if given)."""
    day = utcnow().astimezone(LOCAL_TZ).date() + timedelta(days=after)
    while weekday is not None and day.isoweekday() != weekday:
        day += timedelta(days=1)
    return day


def commands(db: sessionmaker[Session]) -> list[Command]:
    """Every command, oldest first."""
    with db() as s:
        return list(s.scalars(select(Command).order_by(Command.created_at, Command.id)))


def outbox(db: sessionmaker[Session]) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    with db() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def state_of(db: sessionmaker[Session], bulletin_id: int) -> str:
    """A bulletin's workflow state."""
    with db() as s:
        return s.get_one(Bulletin, bulletin_id).state
