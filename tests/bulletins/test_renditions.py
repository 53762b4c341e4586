"""A bulletin's renditions: its audio is its audio rendition (written by every way audio is set), other kinds are
added as edits, and loudspeakers are only ever sent the audio rendition."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from protocols import Capability, SigningKey
from source_server.bulletins import service as bulletins
from source_server.bulletins.exceptions import InvalidBulletin, NotPermitted
from source_server.bulletins.onair import broadcast_now
from source_server.dispatch.models import Command, Media
from tests.bulletins import support as api_support
from tests.scheduling.support import bulletin, media, seed, settings_for, state_of, who


@pytest.fixture
def seeded(db: sessionmaker[Session]) -> sessionmaker[Session]:
    seed(db)
    return db


def image(s: Session, name: str = "poster") -> str:
    """A stored still image (no length of its own)."""
    sha = hashlib.sha256(f"image-{name}".encode()).hexdigest()
    s.add(Media(sha256=sha, size=20_000, duration_ms=0, content_type="image/png"))
    s.flush()
    return sha


def refusal(call: object, **kw: object) -> InvalidBulletin:
    with pytest.raises(InvalidBulletin) as caught:
        call(**kw)  # type: ignore[operator]
    return caught.value


def test_the_audio_is_the_audio_rendition_with_the_length_of_its_file(seeded: sessionmaker[Session]) -> None:
    bid = bulletin(seeded, duration_ms=61_250, approve=False)
    with seeded.begin() as s:
        (audio,) = bulletins.renditions_of(s, bid)
        assert (audio.kind, audio.content_type, audio.duration_ms, audio.url) == ("audio", "audio/mpeg", 61_250, None)
        assert bulletins.rendition_for(s, bid, Capability.AUDIO) is audio
        assert bulletins.find(s, bid).media_sha256 == audio.media_sha256  # type: ignore[union-attr]
        first, original = audio.id, audio.media_sha256
        other = media(s, 30_000)
        bulletins.update(s, principal=who("editor-a"), bulletin_id=bid, changes={"media_sha256": other})
    with seeded.begin() as s:
        (audio,) = bulletins.renditions_of(s, bid)
        assert (audio.id, audio.media_sha256, audio.duration_ms) == (first, other, 30_000)  # replaced in place
        bulletins.update(s, principal=who("editor-a"), bulletin_id=bid, changes={"media_sha256": None})
    with seeded() as s:
        assert bulletins.renditions_of(s, bid) == [] and bulletins.rendition_for(s, bid, "audio") is None
        b = bulletins.find(s, bid)
        assert b is not None and b.media_sha256 is None
        assert [v.media_sha256 for v in b.versions] == [original, other, None]  # each version keeps what it played


def test_audio_given_by_hash_must_be_a_stored_audio_file(seeded: sessionmaker[Session]) -> None:
    bid = bulletin(seeded, duration_ms=None, approve=False)
    with seeded.begin() as s:
        poster = image(s)
        update = bulletins.update
        missing = refusal(update, db=s, principal=who("editor-a"), bulletin_id=bid, changes={"media_sha256": "c" * 64})
        assert (missing.field, "no media " + "c" * 64 in str(missing)) == ("media_sha256", True)
        wrong = refusal(update, db=s, principal=who("editor-a"), bulletin_id=bid, changes={"media_sha256": poster})
        assert wrong.field == "media_sha256" and "image/png, not audio" in str(wrong)
        assert bulletins.renditions_of(s, bid) == [] and bulletins.find(s, bid).version == 1  # type: ignore[union-attr]


def test_another_kind_is_added_as_an_edit_and_goes_back_to_the_approver(seeded: sessionmaker[Session]) -> None:
    bid = bulletin(seeded, duration_ms=45_000)
    assert state_of(seeded, bid) == "approved"
    with seeded.begin() as s:
        poster = image(s)
        shown = bulletins.add_rendition(s, principal=who("editor-a"), bulletin_id=bid, kind=Capability.IMAGE,
                                        media_sha256=poster, duration_ms=20_000)  # fmt: skip
        assert (shown.kind, shown.media_sha256, shown.content_type, shown.duration_ms) == (
            "image", poster, "image/png", 20_000)  # fmt: skip
        b = bulletins.find(s, bid)
        assert b is not None and (b.state, b.version) == ("submitted", 2)  # what plays is approved again
        assert b.decisions[-1].action == "edit" and [r.kind for r in b.renditions] == ["audio", "image"]
        assert bulletins.rendition_for(s, bid, "image") is shown
    with seeded.begin() as s:
        add = bulletins.add_rendition
        assert refusal(add, db=s, principal=who("editor-a"), bulletin_id=bid, kind="audio",
                       media_sha256=poster).field == "kind"  # fmt: skip
        assert refusal(add, db=s, principal=who("editor-a"), bulletin_id=bid, kind="hologram",
                       media_sha256=poster).field == "kind"  # fmt: skip
        assert refusal(add, db=s, principal=who("editor-a"), bulletin_id=bid, kind="video",
                       media_sha256=poster).field == "media_sha256"  # an image is not a video  # fmt: skip
        assert refusal(add, db=s, principal=who("editor-a"), bulletin_id=bid, kind="image",
                       media_sha256=poster).field == "duration_ms"  # a still image needs a display time  # fmt: skip
        assert refusal(add, db=s, principal=who("editor-a"), bulletin_id=bid, kind="stream",
                       url="ftp://radio.example/live", content_type="audio/mpeg").field == "url"  # fmt: skip
        with pytest.raises(NotPermitted):
            add(s, principal=who("viewer-a"), bulletin_id=bid, kind="image", media_sha256=poster, duration_ms=5_000)
        live = add(s, principal=who("editor-a"), bulletin_id=bid, kind="stream", url="https://radio.example/live",
                   content_type="audio/mpeg")  # fmt: skip
        assert (live.media_sha256, live.url, live.duration_ms) == (None, "https://radio.example/live", None)
        bulletins.remove_rendition(s, principal=who("editor-a"), bulletin_id=bid, kind="stream")
        assert [r.kind for r in bulletins.renditions_of(s, bid)] == ["audio", "image"]
        assert bulletins.find(s, bid).version == 4  # type: ignore[union-attr]


def test_an_emergency_with_only_an_image_is_not_sent_to_loudspeakers(
    seeded: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    bid = bulletin(seeded, duration_ms=None, priority="emergency", approve=False)
    with seeded.begin() as s:
        bulletins.add_rendition(s, principal=who("editor-a"), bulletin_id=bid, kind="image", media_sha256=image(s),
                                duration_ms=30_000)  # fmt: skip
        b = bulletins.send_direct(s, principal=who("approver-a"), bulletin_id=bid)
        assert b.state == "approved" and b.media_sha256 is None
    with seeded.begin() as s:
        b = bulletins.find(s, bid)
        assert b is not None
        with pytest.raises(InvalidBulletin) as caught:
            broadcast_now(s, settings=settings_for(db_url, tmp_path), signer=SigningKey.generate("k1"), bulletin=b,
                          actor="approver-a", source_ip=None)  # fmt: skip
        assert caught.value.field == "audio" and "no audio to play" in str(caught.value)
    with seeded() as s:
        assert s.scalar(select(func.count()).select_from(Command)) == 0
    assert state_of(seeded, bid) == "approved"


async def test_the_api_shows_a_bulletins_renditions_and_refuses_audio_it_does_not_have(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    tokens = api_support.seed(db)
    with db.begin() as s:
        sha = media(s, 42_000)
    async with api_support.client(db, tmp_path) as c:
        api = api_support.Api(c, tokens)
        made = await api("editor-a", "POST", "", json=api_support.draft(media_sha256=sha))
        assert made.status_code == 201, made.text
        detail = (await api("editor-a", "GET", f"/{made.json()['id']}")).json()
        assert detail["media_sha256"] == sha
        assert [(r["kind"], r["media_sha256"], r["content_type"], r["duration_ms"], r["url"], r["created_by"])
                for r in detail["renditions"]] == [("audio", sha, "audio/mpeg", 42_000, None, "editor-a")]  # fmt: skip
        missing = await api("editor-a", "POST", "", json=api_support.draft(media_sha256="d" * 64))
        assert missing.status_code == 422 and "upload the file first" in missing.text
