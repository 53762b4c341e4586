"""The programme schedules renditions: an item plays one rendition of its bulletin (audio for loudspeakers), its
placement and timing take that rendition's length, and a bulletin without audio never reaches loudspeakers."""

from __future__ import annotations

import hashlib
from datetime import time, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey
from source_server.bulletins import service as bulletins
from source_server.config import Settings
from source_server.dispatch.models import Media
from source_server.scheduling import service
from source_server.scheduling.candidates import placeable_bulletins
from source_server.scheduling.exceptions import InvalidInput, PlacementRefused
from source_server.scheduling.tasks import sync_programmes
from source_server.scheduling.timing import to_utc
from tests.scheduling.support import GAP, A, bulletin, commands, future_day, slot, state_of, who

POSTER_MS = 20_000
NO_AUDIO = (
    "the bulletin has no audio yet, so its length is unknown: add a recording, a file or synthesised speech first"
)


def with_poster(db: sessionmaker[Session], bulletin_id: int, *, approve: bool = True) -> None:
    """Give the bulletin an image rendition shown for POSTER_MS (an edit), then have it approved again."""
    with db.begin() as s:
        sha = hashlib.sha256(f"poster-{bulletin_id}".encode()).hexdigest()
        s.add(Media(sha256=sha, size=20_000, duration_ms=0, content_type="image/png"))
        s.flush()
        bulletins.add_rendition(s, principal=who("editor-a"), bulletin_id=bulletin_id, kind="image",
                                media_sha256=sha, duration_ms=POSTER_MS)  # fmt: skip
        b = bulletins.find(s, bulletin_id)
        assert b is not None
        if approve:
            if b.state == "draft":
                bulletins.submit(s, principal=who("editor-a"), bulletin_id=bulletin_id)
            bulletins.approve(s, principal=who("approver-a"), bulletin_id=bulletin_id, version=b.version)


def image_only(db: sessionmaker[Session]) -> int:
    """An approved bulletin whose only rendition is an image."""
    bid = bulletin(db, duration_ms=None, approve=False, title="Áp phích tiêm chủng")
    with_poster(db, bid)
    return bid


def test_a_bulletin_with_only_an_image_is_refused_for_loudspeakers_with_todays_problem(
    seeded: sessionmaker[Session],
) -> None:
    bid, sid, day = image_only(seeded), slot(seeded), future_day()
    assert state_of(seeded, bid) == "approved"
    with pytest.raises(PlacementRefused) as caught, seeded.begin() as s:
        service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, slot_id=sid, day=day, gap=GAP)
    assert [(p.code, p.field, p.message) for p in caught.value.problems] == [("no_audio", "bulletin_id", NO_AUDIO)]
    with seeded() as s:
        offered = [c.bulletin.id for c in placeable_bulletins(s, principal=who("editor-a"), area_code=A)]
        assert bid not in offered
        shown = placeable_bulletins(s, principal=who("editor-a"), area_code=A, kind="image")
        assert [(c.bulletin.id, c.duration_ms) for c in shown] == [(bid, POSTER_MS)]
        with pytest.raises(InvalidInput):
            service.check_placement(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, slot_id=sid,
                                    day=day, gap=GAP, kind="hologram")  # fmt: skip


def test_placement_and_timing_take_the_length_of_the_rendition_played(seeded: sessionmaker[Session]) -> None:
    poster, spoken = image_only(seeded), bulletin(seeded, duration_ms=60_000, title="Tin nói")
    sid, day = slot(seeded, start=time(6, 0), length_s=60), future_day()
    six = to_utc(day, time(6, 0))
    with seeded.begin() as s:
        dry = service.check_placement(s, principal=who("editor-a"), area_code=A, bulletin_id=poster, slot_id=sid,
                                      day=day, gap=GAP, kind="image")  # fmt: skip
        assert (dry.problems, dry.start, dry.end) == ([], six, six + timedelta(milliseconds=POSTER_MS))
        item = service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=poster, slot_id=sid, day=day,
                             gap=GAP, kind="image")  # fmt: skip
        assert item.content_kind == "image"
        after = service.check_placement(s, principal=who("editor-a"), area_code=A, bulletin_id=spoken,
                                        slot_id=sid, day=day, gap=GAP)  # fmt: skip
    # the audio item starts after the 20 s image and its gap; 60 s of audio then overfills the 60 s slot by 22 s
    assert after.start == six + timedelta(milliseconds=POSTER_MS) + GAP
    assert [(p.code, p.data.get("over_s")) for p in after.problems] == [("overfilled", 22)]
    at = six + timedelta(hours=3)
    with seeded() as s:
        once = service.check_placement(s, principal=who("editor-a"), area_code=A, bulletin_id=poster, at=at, gap=GAP,
                                       kind="image")  # fmt: skip
    assert (once.problems, once.end - at) == ([], timedelta(milliseconds=POSTER_MS))


def test_an_item_whose_bulletin_is_left_with_only_an_image_is_held_not_sent_to_loudspeakers(
    seeded: sessionmaker[Session], conf: Settings, signer: SigningKey
) -> None:
    bid, sid, day = bulletin(seeded, duration_ms=60_000), slot(seeded), future_day()
    with seeded.begin() as s:
        item = service.place(s, principal=who("editor-a"), area_code=A, bulletin_id=bid, slot_id=sid, day=day, gap=GAP)
        assert item.content_kind == "audio"
        bulletins.update(s, principal=who("editor-a"), bulletin_id=bid, changes={"media_sha256": None})
    with_poster(seeded, bid)  # approved again, with an image and no audio
    assert state_of(seeded, bid) == "approved"
    wide = conf.model_copy(update={"programme_horizon_s": 3 * 86400})
    with seeded.begin() as s:
        report = sync_programmes(s, settings=wide, signer=signer)
        held = s.get_one(type(item), item.id)
        assert (report.sent, report.commands) == (0, 0)
        assert (held.state, held.note) == ("planned", "waiting: the bulletin has no audio")
    assert commands(seeded) == []
