"""Every placement rule: the dry run names the problem (with its data), the placement is refused and nothing is
saved; the same placement without the problem goes through."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.scheduling import service
from source_server.scheduling.exceptions import PlacementRefused
from source_server.scheduling.models import ScheduleItem, Slot
from source_server.scheduling.timing import days_running, to_utc
from tests.scheduling.support import GAP, PROVINCE, A, B, bulletin, future_day, slot, state_of, who


def codes(db: sessionmaker[Session], bulletin_id: int, area: str = A, **where: object) -> list[str]:
    with db() as s:
        found = service.check_placement(s, principal=who("editor-a" if area == A else "admin"), area_code=area,
                                        bulletin_id=bulletin_id, gap=GAP, **where)  # type: ignore[arg-type]  # fmt: skip
        return [p.code for p in found.problems]


def place(db: sessionmaker[Session], bulletin_id: int, area: str = A, **where: object) -> ScheduleItem:
    user = {A: "editor-a", B: "editor-b"}.get(area, "operator")
    with db.begin() as s:
        if "at" in where:
            return service.place_at(s, principal=who(user), area_code=area, bulletin_id=bulletin_id, gap=GAP,
                                    **where)  # type: ignore[arg-type]  # fmt: skip
        return service.place(s, principal=who(user), area_code=area, bulletin_id=bulletin_id, gap=GAP, **where)  # type: ignore[arg-type]


def refused(db: sessionmaker[Session], bulletin_id: int, area: str = A, **where: object) -> PlacementRefused:
    before = item_count(db)
    with pytest.raises(PlacementRefused) as caught:
        place(db, bulletin_id, area, **where)
    assert item_count(db) == before  # nothing saved
    return caught.value


def item_count(db: sessionmaker[Session]) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(ScheduleItem)) or 0


def test_a_clean_placement_is_saved_audited_and_schedules_the_bulletin(seeded: sessionmaker[Session]) -> None:
    sid, bid, day = slot(seeded), bulletin(seeded), future_day()
    assert codes(seeded, bid, slot_id=sid, day=day) == []
    item = place(seeded, bid, slot_id=sid, day=day)
    assert (item.state, item.position, item.reach) == ("planned", 0, {"areas": [["64", A]], "devices": {}})
    assert state_of(seeded, bid) == "scheduled"
    with seeded() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "schedule_item")).all()
    assert actions == ["programme.item_placed"]


@pytest.mark.parametrize(
    ("rule", "reason"),
    [("weekdays", "weekday"), ("first_day", "before_first_day"), ("last_day", "after_last_day"),
     ("skip_dates", "skipped")],
)  # fmt: skip
def test_a_slot_that_does_not_run_that_day(seeded: sessionmaker[Session], rule: str, reason: str) -> None:
    day = future_day(weekday=3)  # a Wednesday
    value: object = {"weekdays": [1, 2], "first_day": day + timedelta(days=1), "last_day": day - timedelta(days=1),
             "skip_dates": [day]}[rule]  # fmt: skip
    sid, bid = slot(seeded, **{rule: value}), bulletin(seeded)  # type: ignore[arg-type]
    problem = next(p for p in refused(seeded, bid, slot_id=sid, day=day).problems if p.code == "no_slot")
    assert (problem.field, problem.data) == ("day", {"reason": reason})
    with seeded() as s:
        running = next(days_running(s.get_one(Slot, sid), future_day(after=1), 30))
    assert place(seeded, bid, slot_id=sid, day=running).state == "planned"


def test_an_occurrence_already_past(seeded: sessionmaker[Session]) -> None:
    sid, bid, day = slot(seeded, start=time(6, 0)), bulletin(seeded), future_day()
    after_start = to_utc(day, time(6, 0)) + timedelta(seconds=1)
    with seeded() as s:
        found = service.check_placement(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, slot_id=sid,
                                        day=day, gap=GAP, now=after_start)  # fmt: skip
    assert [p.code for p in found.problems] == ["past"]
    assert codes(seeded, bid, slot_id=sid, day=day) == []  # the same occurrence, seen the day before


def test_an_overfilled_slot_says_by_how_many_seconds(seeded: sessionmaker[Session]) -> None:
    sid, day = slot(seeded, length_s=60), future_day()
    place(seeded, bulletin(seeded, duration_ms=40_000), slot_id=sid, day=day)
    late = bulletin(seeded, duration_ms=30_000)  # 40 s + 2 s gap + 30 s = 72 s in a 60 s slot
    [problem] = refused(seeded, late, slot_id=sid, day=day).problems
    assert (problem.code, problem.field, problem.data) == ("overfilled", "slot_id", {"over_s": 12, "length_s": 60})
    assert "12 s" in problem.message
    assert place(seeded, bulletin(seeded, duration_ms=18_000), slot_id=sid, day=day).position == 1  # 60 s exactly


def test_an_overlap_with_a_one_off_item_on_the_same_devices(seeded: sessionmaker[Session]) -> None:
    day = future_day()
    sid_a, sid_b = slot(seeded, start=time(6, 0)), slot(seeded, area=B, start=time(6, 0), user="approver-b")
    one_off = place(seeded, bulletin(seeded, duration_ms=60_000), at=to_utc(day, time(6, 10)))
    long = bulletin(seeded, duration_ms=15 * 60_000)  # 06:00–06:15 would run over the 06:10 one-off
    [problem] = refused(seeded, long, slot_id=sid_a, day=day).problems
    assert (problem.code, problem.data["item_id"]) == ("overlap", one_off.id)
    # Commune B's devices are others: the same bulletin time there is fine.
    in_b = bulletin(seeded, owner=B, duration_ms=15 * 60_000)
    assert place(seeded, in_b, B, slot_id=sid_b, day=day).state == "planned"
    # A one-off for one village of A shares devices with a commune-wide item of A.
    village = bulletin(seeded, target_type="village", codes=[f"{A}-01"], duration_ms=60_000)
    assert codes(seeded, village, at=to_utc(day, time(6, 10, 30))) == ["overlap"]
    # A province-wide one-off of the province programme reaches commune A too.
    province = bulletin(seeded, owner=PROVINCE, target_type="province", duration_ms=60_000)
    assert codes(seeded, province, PROVINCE, at=to_utc(day, time(6, 10, 30))) == ["overlap", "overlap"]
    assert codes(seeded, province, PROVINCE, at=to_utc(day, time(7, 0))) == []


def test_an_item_outside_its_bulletins_validity(seeded: sessionmaker[Session]) -> None:
    day = future_day()
    sid = slot(seeded, start=time(6, 0))
    start = to_utc(day, time(6, 0))
    expiring = bulletin(seeded, valid_until=start + timedelta(seconds=30))  # 60 s of audio
    [problem] = refused(seeded, expiring, slot_id=sid, day=day).problems
    assert (problem.code, problem.field) == ("after_validity", "day")
    not_yet = bulletin(seeded, valid_from=start + timedelta(hours=1))
    assert codes(seeded, not_yet, slot_id=sid, day=day) == ["before_validity"]
    assert codes(seeded, not_yet, at=start + timedelta(hours=1)) == []


def test_a_bulletin_not_approved_and_without_audio_gets_both_problems_at_once(seeded: sessionmaker[Session]) -> None:
    sid, day = slot(seeded), future_day()
    draft = bulletin(seeded, duration_ms=None, approve=False)
    problems = refused(seeded, draft, slot_id=sid, day=day).problems
    assert [(p.code, p.field) for p in problems] == [("not_approved", "bulletin_id"), ("no_audio", "bulletin_id")]
    assert "length is unknown" in problems[1].message
    assert state_of(seeded, draft) == "draft"


def test_an_emergency_and_a_bulletin_for_another_commune_are_refused(seeded: sessionmaker[Session]) -> None:
    sid, day = slot(seeded), future_day()
    assert codes(seeded, bulletin(seeded, priority="emergency"), slot_id=sid, day=day) == ["emergency"]
    for_b = bulletin(seeded, owner=PROVINCE, target_type="commune", codes=[B])
    with seeded() as s:
        found = service.check_placement(s, principal=who("admin"), area_code=A, bulletin_id=for_b, slot_id=sid,
                                        day=day, gap=GAP)  # fmt: skip
    assert [p.code for p in found.problems] == ["outside_area"]


def test_the_same_bulletin_twice_in_one_occurrence(seeded: sessionmaker[Session]) -> None:
    sid, bid, day = slot(seeded), bulletin(seeded), future_day()
    place(seeded, bid, slot_id=sid, day=day)
    assert codes(seeded, bid, slot_id=sid, day=day) == ["already_placed"]
    assert codes(seeded, bid, slot_id=sid, day=day + timedelta(days=1)) == []
