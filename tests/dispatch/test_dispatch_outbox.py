"""The outbox publisher: at least once, oldest first, retried on failure, never past a command's expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from protocols import Target
from source_server.db import utcnow
from source_server.dispatch.models import OutboxMessage
from source_server.dispatch.service import create_broadcast
from source_server.dispatch.tasks import EXPIRED_NOTE, Dispatcher
from tests.dispatch.helpers import RecordingPublisher


def _dispatcher(db, settings, signer, store, mqtt) -> Dispatcher:
    return Dispatcher(sessions=db, settings=settings, mqtt=mqtt, signer=signer, media=store, max_backoff_s=0.2)


def _broadcast(db, settings, signer, media, target: Target) -> str:
    with db.begin() as s:
        return create_broadcast(
            s, settings=settings, signer=signer, media=media, target=target, actor="op", title="t"
        ).id


async def test_rows_left_by_a_crash_are_published_once_on_start(db, settings, signer, store, media, fleet) -> None:
    ids = [_broadcast(db, settings, signer, media, Target(area=("64", c))) for c in ("C1", "C2")]
    mqtt = RecordingPublisher()
    dispatcher = _dispatcher(db, settings, signer, store, mqtt)
    await dispatcher.start()
    try:
        await mqtt.wait_for(2)
        await asyncio.sleep(0.2)
        dispatcher.wake()
        await asyncio.sleep(0.2)
    finally:
        await dispatcher.stop()
    assert [t for t, *_ in mqtt.published] == ["nguon/v1/area/64/C1/cmd", "nguon/v1/area/64/C2/cmd"]
    assert all(qos == 1 and retain is False for _, _, qos, retain in mqtt.published)
    with db() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
    assert mqtt.published[0][1].decode() == rows[0].payload
    assert len(ids) == 2
    second = RecordingPublisher()
    restarted = _dispatcher(db, settings, signer, store, second)
    await restarted.start()
    await asyncio.sleep(0.2)
    await restarted.stop()
    assert second.published == [], "a restart must not publish again what was sent"


async def test_publish_failures_are_retried_without_losing_a_row(db, settings, signer, store, media, fleet) -> None:
    mqtt = RecordingPublisher(connected=False)
    dispatcher = _dispatcher(db, settings, signer, store, mqtt)
    await dispatcher.start()
    try:
        _broadcast(db, settings, signer, media, Target(devices=("d-V11-0", "d-V11-1")))
        dispatcher.wake()
        await asyncio.sleep(0.3)
        assert mqtt.published == []
        with db() as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert all(r.sent_at is None for r in rows)
        assert rows[0].attempts >= 1 and "not connected" in (rows[0].last_error or "")
        mqtt.connected = True
        mqtt.fail_next = 1
        dispatcher.wake()
        await mqtt.wait_for(2)
    finally:
        await dispatcher.stop()
    assert [t for t, *_ in mqtt.published] == ["nguon/v1/dev/d-V11-0/cmd", "nguon/v1/dev/d-V11-1/cmd"]
    with db() as s:
        assert all(r.sent_at is not None for r in s.scalars(select(OutboxMessage)))


async def test_rows_past_not_after_are_skipped_and_marked(db, settings, signer, store, media, fleet) -> None:
    _broadcast(db, settings, signer, media, Target(area=("64", "C1")))
    _broadcast(db, settings, signer, media, Target(area=("64", "C2")))
    with db.begin() as s:
        first = s.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
        s.execute(update(OutboxMessage).where(OutboxMessage.id == first).values(not_after=utcnow() - timedelta(1)))
    mqtt = RecordingPublisher()
    dispatcher = _dispatcher(db, settings, signer, store, mqtt)
    await dispatcher.start()
    try:
        await mqtt.wait_for(1)
        await asyncio.sleep(0.1)
    finally:
        await dispatcher.stop()
    assert [t for t, *_ in mqtt.published] == ["nguon/v1/area/64/C2/cmd"]
    with db() as s:
        expired = s.get(OutboxMessage, first)
    assert expired is not None and expired.sent_at is None and expired.last_error == EXPIRED_NOTE
