"""The computed programme: every live item with its start and end, read from the database (no changes).

A slot item starts at its occurrence's start plus the lengths of the items before it and a gap after each;
a one-off item starts at its fixed time. Cancelled items take no time. An item plays one rendition of its
bulletin (``content_kind``: audio for loudspeakers) and lasts as long as that rendition; a bulletin without it
has no known length (counted as 0 and flagged). Reads bulletins through ``bulletins.service`` and the stored
files the renditions play (``dispatch.models.Media``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import Capability
from source_server.bulletins import service as bulletins
from source_server.bulletins.reach import Reach
from source_server.bulletins.service import Bulletin, Rendition
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
DEFAULT_KIND = Capability.AUDIO.value
"""What an item plays unless told: the audio rendition (loudspeakers)."""
LIVE = (ItemState.PLANNED.value, ItemState.SENT.value, ItemState.DONE.value)
"""States that take time in an occurrence."""


@dataclass
class Timed:
    """An item with the bulletin, the rendition (and its stored file) it plays, and its computed start and end
    (UTC)."""

    item: ScheduleItem
    bulletin: Bulletin
    rendition: Rendition | None
    media: Media | None
    start: datetime
    end: datetime

    @property
    def duration_ms(self) -> int | None:
        """Length of its rendition; None when the bulletin has none of that kind yet."""
        return self.rendition.duration_ms if self.rendition else None

    @property
    def reach(self) -> Reach:
        """Where it plays."""
        return Reach.from_json(self.item.reach)


def preload(db: Session, items: Iterable[ScheduleItem]) -> list[object]:
    """Load the bulletins (with their renditions), stored files and slots of ``items`` in a few queries, so the
    per-item lookups that follow hit the session's identity map (a bulletin's versions and decisions stay
    unloaded until used). The identity map holds objects weakly: keep the returned list while the lookups run."""
    kept: list[object] = []
    rows = list(items)
    slot_ids = sorted({i.slot_id for i in rows if i.slot_id is not None})
    loaded = bulletins.find_many(db, (i.bulletin_id for i in rows))
    kept.extend(loaded.values())
    shas = {r.media_sha256 for b in loaded.values() for r in b.renditions if r.media_sha256}
    ordered = sorted(shas)
    for n in range(0, len(ordered), _CHUNK):
        kept.extend(db.scalars(select(Media).where(Media.sha256.in_(ordered[n : n + _CHUNK]))).all())
    for n in range(0, len(slot_ids), _CHUNK):
        kept.extend(db.scalars(select(Slot).where(Slot.id.in_(slot_ids[n : n + _CHUNK]))).all())
    return kept


def bulletin_of(db: Session, bulletin_id: int) -> Bulletin:
    """The bulletin an item plays (items keep their bulletin: it always exists)."""
    found = bulletins.find(db, bulletin_id)
    if found is None:
        raise LookupError(f"bulletin {bulletin_id} is gone")
    return found


def played(db: Session, bulletin: Bulletin, kind: str) -> tuple[Rendition | None, Media | None]:
    """The bulletin's rendition of ``kind`` and its stored file (None, None: it has none yet)."""
    rendition = bulletin.rendition(kind)
    if rendition is None:
        return None, None
    return rendition, db.get(Media, rendition.media_sha256) if rendition.media_sha256 else None


def length(rendition: Rendition | None) -> timedelta:
    """How long a rendition plays (0 without one, or without a length of its own)."""
    return timedelta(milliseconds=rendition.duration_ms or 0) if rendition else timedelta(0)


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
    found = [bulletin_of(db, i.bulletin_id) for i in items]
    plays = [played(db, b, i.content_kind or DEFAULT_KIND) for i, b in zip(items, found, strict=True)]
    spans = lay_out(start, [r.duration_ms if r else None for r, _ in plays], gap)
    return [Timed(i, b, r, m, s, e) for i, b, (r, m), (s, e) in zip(items, found, plays, spans, strict=True)]


def time_one_off(db: Session, item: ScheduleItem) -> Timed:
    """A one-off item at its fixed time."""
    assert item.at is not None
    bulletin = bulletin_of(db, item.bulletin_id)
    rendition, media = played(db, bulletin, item.content_kind or DEFAULT_KIND)
    return Timed(item, bulletin, rendition, media, item.at, item.at + length(rendition))


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
    bulletin = bulletin_of(db, item.bulletin_id)
    rendition, media = played(db, bulletin, item.content_kind or DEFAULT_KIND)
    assert item.slot_id is not None
    start = item.sent_start or occurrence(db.get_one(Slot, item.slot_id), item.day)[0]
    return Timed(item, bulletin, rendition, media, start, start)


def related_programmes(db: Session, area_path: tuple[str, ...]) -> list[Programme]:
    """Programmes whose devices may be the same as this area's: its own, its ancestors', and (for the
    province) every commune's."""
    query = select(Programme)
    if len(area_path) > 1:
        query = query.where(Programme.area_code.in_(area_path))
    return list(db.scalars(query))
