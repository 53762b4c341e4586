"""The computed programme: every live item with its start and end, read from the database (no changes).

A slot item starts at its occurrence's start plus the lengths of the items before it and a gap after each;
a one-off item starts at its fixed time. Cancelled items take no time. A bulletin without audio has no known
length (counted as 0 and flagged). Reads bulletins and their audio rows (``dispatch.models.Media``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from source_server.bulletins.models import Bulletin
from source_server.bulletins.reach import Reach
from source_server.dispatch.models import Media
from source_server.scheduling.models import Programme, ScheduleItem, Slot
from source_server.scheduling.timing import lay_out, occurrence


class ItemState(StrEnum):
    """Where an item is: waiting to be sent, sent as a play command, removed, or its time has passed."""

    PLANNED = "planned"
    SENT = "sent"
    CANCELLED = "cancelled"
    DONE = "done"


_CHUNK = 500
LIVE = (ItemState.PLANNED.value, ItemState.SENT.value, ItemState.DONE.value)
"""States that take time in an occurrence."""


@dataclass
class Timed:
    """An item with the bulletin and audio it plays and its computed start and end (UTC)."""

    item: ScheduleItem
    bulletin: Bulletin
    media: Media | None
    start: datetime
    end: datetime

    @property
    def duration_ms(self) -> int | None:
        """Length of its audio; None when the bulletin has none yet."""
        return self.media.duration_ms if self.media else None

    @property
    def reach(self) -> Reach:
        """Where it plays."""
        return Reach.from_json(self.item.reach)


def preload(db: Session, items: Iterable[ScheduleItem]) -> list[object]:
    """Load the bulletins, audio rows and slots of ``items`` in a few queries, so the per-item lookups that
    follow hit the session's identity map (a bulletin's versions and decisions stay unloaded until used).
    The identity map holds objects weakly: keep the returned list while the lookups run."""
    kept: list[object] = []
    rows = list(items)
    bulletin_ids = sorted({i.bulletin_id for i in rows})
    slot_ids = sorted({i.slot_id for i in rows if i.slot_id is not None})
    shas: set[str] = set()
    for n in range(0, len(bulletin_ids), _CHUNK):
        query = select(Bulletin).where(Bulletin.id.in_(bulletin_ids[n : n + _CHUNK]))
        loaded = db.scalars(query.options(lazyload(Bulletin.versions), lazyload(Bulletin.decisions))).all()
        shas.update(b.media_sha256 for b in loaded if b.media_sha256)
        kept.extend(loaded)
    ordered = sorted(shas)
    for n in range(0, len(ordered), _CHUNK):
        kept.extend(db.scalars(select(Media).where(Media.sha256.in_(ordered[n : n + _CHUNK]))).all())
    for n in range(0, len(slot_ids), _CHUNK):
        kept.extend(db.scalars(select(Slot).where(Slot.id.in_(slot_ids[n : n + _CHUNK]))).all())
    return kept


def audio_of(db: Session, bulletin: Bulletin) -> Media | None:
    """The bulletin's audio row (None: no audio yet)."""
    return db.get(Media, bulletin.media_sha256) if bulletin.media_sha256 else None


def occurrence_items(db: Session, *, slot_id: int, day: date) -> list[ScheduleItem]:
    """Live items of one slot occurrence in play order."""
    query = (
        select(ScheduleItem)
        .where(ScheduleItem.slot_id == slot_id, ScheduleItem.day == day, ScheduleItem.state.in_(LIVE))
        .order_by(ScheduleItem.position, ScheduleItem.id)
    )
    return list(db.scalars(query))


def time_occurrence(db: Session, slot: Slot, day: date, items: list[ScheduleItem], gap: timedelta) -> list[Timed]:
    """``items`` (in order) laid out from the occurrence's start."""
    start, _ = occurrence(slot, day)
    bulletins = [db.get_one(Bulletin, i.bulletin_id) for i in items]
    media = [audio_of(db, b) for b in bulletins]
    spans = lay_out(start, [m.duration_ms if m else None for m in media], gap)
    return [Timed(i, b, m, s, e) for i, b, m, (s, e) in zip(items, bulletins, media, spans, strict=True)]


def time_one_off(db: Session, item: ScheduleItem) -> Timed:
    """A one-off item at its fixed time."""
    assert item.at is not None
    bulletin = db.get_one(Bulletin, item.bulletin_id)
    media = audio_of(db, bulletin)
    return Timed(item, bulletin, media, item.at, item.at + timedelta(milliseconds=media.duration_ms if media else 0))


def timed_items(
    db: Session,
    *,
    days: Iterable[date],
    gap: timedelta,
    programme_ids: Iterable[int] | None = None,
    states: Iterable[str] = LIVE,
) -> list[Timed]:
    """Items of ``days`` (local) in ``states``, timed; slot occurrences are laid out with all their live items."""
    query = select(ScheduleItem).where(ScheduleItem.day.in_(sorted(set(days))))
    if programme_ids is not None:
        query = query.where(ScheduleItem.programme_id.in_(sorted(set(programme_ids))))
    rows = list(db.scalars(query.order_by(ScheduleItem.position, ScheduleItem.id)))
    kept = preload(db, rows)
    wanted = set(states)
    out: list[Timed] = []
    occurrences: dict[tuple[int, date], list[ScheduleItem]] = defaultdict(list)
    for item in rows:
        if item.slot_id is None:
            if item.state in wanted and item.at is not None:
                out.append(time_one_off(db, item))
        elif item.state in LIVE:
            occurrences[(item.slot_id, item.day)].append(item)
    for (slot_id, day), items in occurrences.items():
        slot = db.get_one(Slot, slot_id)
        out.extend(t for t in time_occurrence(db, slot, day, items, gap) if t.item.state in wanted)
    if ItemState.CANCELLED.value in wanted:
        cancelled = [i for i in rows if i.slot_id is not None and i.state == ItemState.CANCELLED.value]
        out.extend(_cancelled(db, i) for i in cancelled)
    del kept  # every Timed now holds its bulletin, audio and (through the session) slot
    return sorted(out, key=lambda t: (t.start, t.item.id))


def _cancelled(db: Session, item: ScheduleItem) -> Timed:
    """A cancelled slot item takes no time; it is shown at the start it was last sent with (or its slot's)."""
    bulletin = db.get_one(Bulletin, item.bulletin_id)
    media = audio_of(db, bulletin)
    assert item.slot_id is not None
    start = item.sent_start or occurrence(db.get_one(Slot, item.slot_id), item.day)[0]
    return Timed(item, bulletin, media, start, start)


def related_programmes(db: Session, area_path: tuple[str, ...]) -> list[Programme]:
    """Programmes whose devices may be the same as this area's: its own, its ancestors', and (for the
    province) every commune's."""
    query = select(Programme)
    if len(area_path) > 1:
        query = query.where(Programme.area_code.in_(area_path))
    return list(db.scalars(query))
