"""Sending the programme ahead: what the sync writes (commands, outbox rows, item and bulletin states)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from protocols import CommandPayload, Keyring, SigningKey, open_envelope
from source_server.bulletins import service as bulletins
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.models import Command
from source_server.scheduling import service
from source_server.scheduling.models import ScheduleItem
from source_server.scheduling.tasks import SyncReport, sync_programmes
from source_server.scheduling.timing import to_utc
from tests.scheduling.support import GAP, A, bulletin, commands, future_day, outbox, slot, state_of, who

DAYS = 3 * 86400


@pytest.fixture
def wide(conf: Settings) -> Settings:
    """A horizon of three days, so items two days ahead are sent."""
    return conf.model_copy(update={"programme_horizon_s": DAYS})


def sync(db: sessionmaker[Session], settings: Settings, signer: SigningKey, now: datetime | None = None) -> SyncReport:
    with db.begin() as s:
        return sync_programmes(s, settings=settings, signer=signer, now=now)


def opened(command: Command, keyring: Keyring) -> CommandPayload:
    return open_envelope(command.envelope, keyring)


def items(db: sessionmaker[Session]) -> dict[int, ScheduleItem]:
    with db() as s:
        return {i.id: i for i in s.query(ScheduleItem).all()}


def place_two(db: sessionmaker[Session], day: object) -> tuple[int, int, int, int, int]:
    sid = slot(db, start=time(6, 0))
    x, y = bulletin(db, duration_ms=60_000, title="Tin X"), bulletin(db, duration_ms=30_000, title="Tin Y")
    with db.begin() as s:
        ix = service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=x, slot_id=sid, day=day, gap=GAP)  # type: ignore[arg-type]
        iy = service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=y, slot_id=sid, day=day, gap=GAP)  # type: ignore[arg-type]
        return sid, x, y, ix.id, iy.id


def test_each_item_is_sent_once_with_its_start_expiry_priority_and_target(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey, keyring: Keyring
) -> None:
    day = future_day()
    _, x, _, ix, iy = place_two(seeded, day)
    report = sync(seeded, wide, signer)
    assert (report.sent, report.commands) == (2, 2)
    sent = {opened(c, keyring).body["title"]: opened(c, keyring) for c in commands(seeded)}
    six = to_utc(day, time(6, 0))
    assert sent["Tin X"].body["start_at"] == six.isoformat().replace("+00:00", "Z")
    assert sent["Tin Y"].body["start_at"] == (six + timedelta(seconds=62)).isoformat().replace("+00:00", "Z")
    assert sent["Tin X"].exp == six + timedelta(seconds=60 + wide.programme_grace_s)
    assert sent["Tin X"].target.area == ("64", A) and sent["Tin X"].body["on_preempt"] == "resume"
    assert (sent["Tin X"].priority.value, sent["Tin X"].origin.value) == ("normal", "commune")
    assert [o.topic for o in outbox(seeded)] == [f"nguon/v1/area/64/{A}/cmd"] * 2
    now = items(seeded)
    assert {now[ix].state, now[iy].state} == {"sent"} and now[ix].sent_start == six
    assert state_of(seeded, x) == "scheduled"
    again = sync(seeded, wide, signer)
    assert again == SyncReport() and len(commands(seeded)) == 2 and len(outbox(seeded)) == 2


def test_an_item_beyond_the_horizon_waits(seeded: sessionmaker[Session], conf: Settings, signer: SigningKey) -> None:
    day = future_day(after=3)
    place_two(seeded, day)
    assert sync(seeded, conf, signer).sent == 0  # 24 h horizon
    assert sync(seeded, conf, signer, now=to_utc(day, time(6, 0)) - timedelta(hours=23)).sent == 2


def test_a_reorder_stops_the_old_plays_and_sends_new_ones(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey, keyring: Keyring
) -> None:
    day = future_day()
    sid, _, _, ix, iy = place_two(seeded, day)
    sync(seeded, wide, signer)
    old = {i: items(seeded)[i].command_id for i in (ix, iy)}
    with seeded.begin() as s:
        service.reorder(s, principal=who("editor-a"), area_code=A, slot_id=sid, day=day, item_ids=[iy, ix], gap=GAP)
    report = sync(seeded, wide, signer)
    assert (report.resent, report.commands) == (2, 4)
    new = commands(seeded)[2:]
    stops = [opened(c, keyring) for c in new if c.type == "stop"]
    plays = {opened(c, keyring).body["title"]: opened(c, keyring) for c in new if c.type == "play"}
    assert sorted(p.body["command_id"] for p in stops) == sorted(c for c in old.values() if c)
    assert all(p.target.area == ("64", A) for p in stops)
    six = to_utc(day, time(6, 0))
    assert plays["Tin Y"].body["start_at"] == six.isoformat().replace("+00:00", "Z")
    assert plays["Tin X"].body["start_at"] == (six + timedelta(seconds=32)).isoformat().replace("+00:00", "Z")
    after = items(seeded)
    assert {after[ix].command_id, after[iy].command_id} == {p.id for p in plays.values()}
    assert after[ix].sent_start == six + timedelta(seconds=32)
    assert len(outbox(seeded)) == 6
    assert sync(seeded, wide, signer) == SyncReport()


def test_a_removal_stops_it_and_moves_the_next_item_up(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey, keyring: Keyring
) -> None:
    day = future_day()
    _, _, _, ix, iy = place_two(seeded, day)
    sync(seeded, wide, signer)
    old_x, old_y = items(seeded)[ix].command_id, items(seeded)[iy].command_id
    with seeded.begin() as s:
        service.remove(s, principal=who("editor-a"), area_code=A, item_id=ix)
    report = sync(seeded, wide, signer)
    assert (report.stopped, report.resent) == (1, 1)
    new = [opened(c, keyring) for c in commands(seeded)[2:]]
    assert sorted(p.body.get("command_id", "") for p in new if p.type == "stop") == sorted([old_x or "", old_y or ""])
    [play] = [p for p in new if p.type == "play"]
    assert play.body["start_at"] == to_utc(day, time(6, 0)).isoformat().replace("+00:00", "Z")
    assert items(seeded)[ix].stop_command_id is not None
    assert sync(seeded, wide, signer) == SyncReport()


def test_an_edited_bulletin_is_held_back_until_approved_again(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey
) -> None:
    day = future_day()
    _, x, _, ix, _ = place_two(seeded, day)
    sync(seeded, wide, signer)
    with seeded.begin() as s:
        bulletins.update(s, principal=who("editor-a"), bulletin_id=x, changes={"text": "Nội dung đã sửa."})
    report = sync(seeded, wide, signer)
    assert (report.stopped, report.sent) == (1, 0)
    held = items(seeded)[ix]
    assert (held.state, held.command_id, held.note) == ("planned", None, "waiting: bulletin submitted")
    with seeded.begin() as s:
        bulletins.approve(s, principal=who("approver-a"), bulletin_id=x, version=2)
    assert sync(seeded, wide, signer).sent == 1
    assert items(seeded)[ix].state == "sent" and state_of(seeded, x) == "scheduled"


def test_a_cancelled_bulletin_is_stopped(seeded: sessionmaker[Session], wide: Settings, signer: SigningKey) -> None:
    _, x, _, ix, _ = place_two(seeded, future_day())
    sync(seeded, wide, signer)
    with seeded.begin() as s:
        bulletins.cancel(s, principal=who("editor-a"), bulletin_id=x, reason="thay đổi kế hoạch")
    assert sync(seeded, wide, signer).stopped == 1
    assert items(seeded)[ix].state == "cancelled"
    assert sync(seeded, wide, signer) == SyncReport()


def test_after_its_time_an_item_is_done_and_the_bulletin_goes_on_air_then_done(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey
) -> None:
    day = future_day()
    _, x, y, ix, iy = place_two(seeded, day)
    sync(seeded, wide, signer)
    six = to_utc(day, time(6, 0))
    sync(seeded, wide, signer, now=six + timedelta(seconds=10))  # X plays, Y waits
    assert (state_of(seeded, x), state_of(seeded, y)) == ("on_air", "scheduled")
    report = sync(seeded, wide, signer, now=six + timedelta(minutes=5))
    assert report.done == 2
    assert {items(seeded)[i].state for i in (ix, iy)} == {"done"}
    assert (state_of(seeded, x), state_of(seeded, y)) == ("done", "done")


def test_an_item_never_sent_by_its_time_is_given_up_not_played_late(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey
) -> None:
    day = future_day()
    _, _, _, ix, _ = place_two(seeded, day)
    late = to_utc(day, time(6, 0)) + timedelta(seconds=wide.programme_grace_s + 120)
    report = sync(seeded, wide, signer, now=late)
    assert (report.sent, report.missed) == (0, 2)
    assert items(seeded)[ix].note.startswith("missed") and commands(seeded) == []


def test_a_slightly_late_first_sync_still_sends_with_the_planned_start(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey, keyring: Keyring
) -> None:
    day = future_day()
    place_two(seeded, day)
    six = to_utc(day, time(6, 0))
    assert sync(seeded, wide, signer, now=six + timedelta(seconds=20)).sent == 2
    first = opened(commands(seeded)[0], keyring)
    assert first.body["start_at"] == six.isoformat().replace("+00:00", "Z")  # the device plays it at once
    assert first.exp > six + timedelta(seconds=20)


def test_now_is_real_time_by_default(seeded: sessionmaker[Session], conf: Settings, signer: SigningKey) -> None:
    bid = bulletin(seeded, duration_ms=5_000)
    soon = utcnow() + timedelta(minutes=5)
    with seeded.begin() as s:
        service.place_at(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, at=soon, gap=GAP)
    assert sync(seeded, conf, signer).sent == 1


def test_an_item_no_longer_inside_its_bulletins_validity_is_not_sent(
    seeded: sessionmaker[Session], wide: Settings, signer: SigningKey
) -> None:
    day = future_day()
    _, x, _, ix, _ = place_two(seeded, day)
    sync(seeded, wide, signer)
    with seeded.begin() as s:  # the validity is cut short after placing, and approved again
        bulletins.update(s, principal=who("editor-a"), bulletin_id=x, changes={"valid_until": to_utc(day, time(5, 0))})
        bulletins.approve(s, principal=who("approver-a"), bulletin_id=x, version=2)
    report = sync(seeded, wide, signer)
    assert (report.stopped, report.sent) == (1, 0)
    assert (items(seeded)[ix].state, items(seeded)[ix].note) == ("planned", "waiting: outside the bulletin's validity")
