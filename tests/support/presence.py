"""Helpers of the presence rule tests: a seeded province, state and telemetry messages, a tracker whose fences
the test plays the broker's part for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from protocols import StateMessage, Telemetry
from source_server.config import Settings
from source_server.db import session_scope
from source_server.events import EventHub
from source_server.fleet.models import Area, Device
from source_server.fleet.presence import PresenceTracker

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def seed(db: sessionmaker[Session], n: int = 3, communes: tuple[str, ...] = ("c1",)) -> list[str]:
    """A province ``p``, communes, and ``n`` speakers spread over them; returns device ids."""
    with session_scope(db) as s:
        s.add(Area(code="p", name="Tỉnh", level="province"))
        s.flush()
        for c in communes:
            s.add(Area(code=c, name=f"Xã {c}", level="commune", parent_code="p"))
        s.flush()
        ids = [f"dev{i:05d}" for i in range(n)]
        s.add_all(
            Device(id=d, kind="speaker", name=d, province_code="p", commune_code=communes[i % len(communes)])
            for i, d in enumerate(ids)
        )
    return ids


def state(online: bool, session: int, **kw: Any) -> StateMessage:
    return StateMessage(online=online, session=session, **kw)


def tele(session: int) -> Telemetry:
    return Telemetry(session=session, at=T0)


class Fences:
    """The broker's part in presence fences: echo each one at once, or keep them until ``release``."""

    def __init__(self, t: PresenceTracker, *, echo: bool) -> None:
        self.t, self.echo, self.sent = t, echo, list[int]()
        t.set_fence_sender(self)

    def __call__(self, number: int) -> None:
        self.sent.append(number)
        if self.echo:
            self.t.on_fence(number, T0)

    def release(self, now: datetime) -> None:
        sent, self.sent = self.sent, []
        for n in sent:
            self.t.on_fence(n, now)


async def tracker(db: sessionmaker[Session], settings: Settings, **changes: Any) -> tuple[PresenceTracker, EventHub]:
    """A tracker connected since an hour before T0 (long settled) whose fences come back at once (the hold of
    offline states and the reconnect storm have their own tests)."""
    hub = EventHub()
    t = PresenceTracker(sessions=db, settings=settings.model_copy(update=changes), hub=hub)
    await t.load()
    t.on_broker_connection(True, T0 - timedelta(hours=1))
    Fences(t, echo=True)
    return t, hub
