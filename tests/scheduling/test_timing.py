"""Local (Asia/Ho_Chi_Minh) slot times and UTC around midnight, and the computed times of a day's plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from source_server.scheduling import service
from source_server.scheduling.exceptions import InvalidInput
from source_server.scheduling.service import SlotInput
from source_server.scheduling.timing import lay_out, local_day, occurrence, to_utc
from tests.scheduling.support import GAP, A, bulletin, future_day, slot, who


def test_local_times_before_7_are_the_previous_utc_day() -> None:
    day = date(2026, 3, 10)
    assert to_utc(day, time(6, 0)) == datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    assert to_utc(day, time(0, 30)) == datetime(2026, 3, 9, 17, 30, tzinfo=UTC)
    assert to_utc(day, time(7, 0)) == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    assert local_day(datetime(2026, 3, 9, 16, 59, 59, tzinfo=UTC)) == date(2026, 3, 9)
    assert local_day(datetime(2026, 3, 9, 17, 0, tzinfo=UTC)) == date(2026, 3, 10)


def test_a_slot_over_local_midnight_belongs_to_the_day_it_starts() -> None:
    late = SlotInput(label="Khuya", start_local=time(23, 50), duration_s=1200)
    start, end = occurrence(late, date(2026, 3, 10))  # type: ignore[arg-type]
    assert (start, end) == (datetime(2026, 3, 10, 16, 50, tzinfo=UTC), datetime(2026, 3, 10, 17, 10, tzinfo=UTC))
    assert local_day(end) == date(2026, 3, 11)


def test_items_are_laid_end_to_end_with_the_gap() -> None:
    start = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    spans = lay_out(start, [60_000, None, 30_500], timedelta(seconds=2))
    assert [(s - start).total_seconds() for s, _ in spans] == [0, 62, 64]
    assert [(e - s).total_seconds() for s, e in spans] == [60, 0, 30.5]


def test_the_day_plan_gives_each_item_its_computed_start(seeded: sessionmaker[Session]) -> None:
    day = future_day()
    morning = slot(seeded, start=time(6, 0), length_s=1800)
    evening = slot(seeded, start=time(17, 0), length_s=100, label="Buổi chiều")
    ids = [bulletin(seeded, duration_ms=ms) for ms in (60_000, 30_000, 45_000)]
    with seeded.begin() as s:
        for bid in ids:
            service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, slot_id=morning, day=day, gap=GAP)
        first = service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=ids[0], slot_id=evening, day=day,
                              gap=GAP)  # fmt: skip
        # A one-off at 00:10 local of the next day is 17:10 UTC of this one: it belongs to the next local day.
        service.place_at(s, principal=who("editor-a"), area_code=A, bulletin_id=ids[1], gap=GAP,
                         at=to_utc(day + timedelta(days=1), time(0, 10)))  # fmt: skip
    with seeded() as s:
        plan = service.day_plan(s, principal=who("viewer-a"), area_code=A, day=day, gap=GAP)
        after = service.day_plan(s, principal=who("viewer-a"), area_code=A, day=day + timedelta(days=1), gap=GAP)
    am, pm = plan.slots
    assert [t.start.astimezone(UTC).time() for t in am.items] == [time(23, 0), time(23, 1, 2), time(23, 1, 34)]
    assert [t.end - t.start for t in am.items] == [timedelta(seconds=s) for s in (60, 30, 45)]
    assert (am.filled_s, am.over_s) == (139.0, 0.0)
    assert [t.item.id for t in pm.items] == [first.id] and pm.start == to_utc(day, time(17, 0))
    assert plan.one_off == []
    assert [t.start for t in after.one_off] == [datetime.combine(day, time(17, 10), tzinfo=UTC)]


def test_slots_of_one_programme_may_not_overlap_also_across_midnight(seeded: sessionmaker[Session]) -> None:
    slot(seeded, start=time(23, 30), length_s=3600, weekdays=[1], label="Khuya thứ Hai")
    with seeded.begin() as s, pytest.raises(InvalidInput) as caught:
        service.create_slot(s, principal=who("editor-a"), area_code=A,
                            data=SlotInput(label="Sáng sớm thứ Ba", start_local=time(0, 10), duration_s=600,
                                           weekdays=[2]))  # fmt: skip
    assert caught.value.field == "start_local"
    slot(seeded, start=time(0, 10), length_s=600, weekdays=[3], label="Sáng sớm thứ Tư")  # Tuesday night is free
