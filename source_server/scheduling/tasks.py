"""Sending the programme ahead: one idempotent sync from the database state, run by the leader's scheduler.

For every item whose computed start is within the horizon and that is not sent yet, the sync creates the signed
play command of the rendition the item plays (``start_at`` = computed start, ``exp`` = its end, from the
rendition's length, plus a grace, the bulletin's priority and origin,
``on_preempt=resume``) and writes the command's id on the item in the same transaction: after a crash either
both exist or neither, so a restart neither repeats nor misses a send. An item whose start, audio or target
changed since it was sent (a reorder, an insertion or removal before it, a slot moved, an edited bulletin) gets
a ``stop`` of the old command id on the same target and a new play; a removed item, or one of a cancelled
bulletin, gets the stop only. An item not sent by its start plus the grace is given up (cancelled, "missed").
The sync also records what it observes on the bulletins: scheduled → on air when an item's time has come, on
air → done when none is left to play.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from protocols import Capability, CommandType, PreemptPolicy, SigningKey, StopBody, Target
from source_server.bulletins import service as bulletins
from source_server.bulletins.reach import command_target
from source_server.bulletins.service import Bulletin
from source_server.bulletins.workflow import Action, State
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.content import play_body
from source_server.dispatch.exceptions import DispatchError
from source_server.dispatch.service import create_command
from source_server.scheduling.checks import PLAYABLE
from source_server.scheduling.leader import serialise_sync
from source_server.scheduling.models import ScheduleItem
from source_server.scheduling.plan import ItemState, Timed, timed_items
from source_server.scheduling.timing import local_day

log = logging.getLogger(__name__)

ACTOR = "scheduler"
PLANNED, SENT, CANCELLED, DONE = (s.value for s in ItemState)


@dataclass
class SyncReport:
    """What one sync did."""

    sent: int = 0
    """Plays sent for the first time."""
    resent: int = 0
    """Items changed after they were sent: a stop and a new play each."""
    stopped: int = 0
    """Stops of removed, cancelled or held items."""
    done: int = 0
    missed: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def commands(self) -> int:
        """Commands created (what the dispatcher must publish)."""
        return self.sent + 2 * self.resent + self.stopped


def _held(t: Timed) -> str:
    """Why an item may not be sent now (its bulletin went back for approval, lost the rendition it plays, or is
    not valid at the item's time after an edit); empty when it may."""
    b = t.bulletin
    if b.state not in PLAYABLE:
        return f"waiting: bulletin {b.state}"
    if t.rendition is None or t.media is None:
        kind = t.item.content_kind
        return "waiting: the bulletin has no audio" if kind == Capability.AUDIO else f"waiting: no {kind} rendition"
    if (b.valid_from and t.start < b.valid_from) or (b.valid_until and t.end > b.valid_until):
        return "waiting: outside the bulletin's validity"
    return ""


class _Sync:
    """One pass over the programme within one transaction."""

    def __init__(self, db: Session, settings: Settings, signer: SigningKey, now: datetime) -> None:
        self.db, self.settings, self.signer, self.now = db, settings, signer, now
        self.grace = timedelta(seconds=settings.programme_grace_s)
        self.horizon_end = now + timedelta(seconds=settings.programme_horizon_s)
        self.report = SyncReport()
        self.touched: set[int] = set()

    def _stop(self, item: ScheduleItem, bulletin: Bulletin) -> str:
        """A stop of the item's play command, on the target it was sent to."""
        assert item.command_id is not None and item.sent_start is not None and item.sent_target is not None
        end = item.sent_start + timedelta(milliseconds=item.sent_duration_ms or 0) + self.grace
        exp = max(end, self.now + timedelta(seconds=self.settings.command_ttl_s))
        command = create_command(
            self.db,
            settings=self.settings,
            signer=self.signer,
            type=CommandType.STOP,
            body=StopBody(command_id=item.command_id),
            target=Target.model_validate(item.sent_target),
            priority=bulletin.priority,
            origin=bulletin.origin,
            title=f"stop: {bulletin.title}"[:200],
            actor=ACTOR,
            exp=exp,
            now=self.now,
            bulletin_id=bulletin.id,
        )
        return command.id

    def _play(self, t: Timed, target: Target) -> None:
        item, bulletin, media, rendition = t.item, t.bulletin, t.media, t.rendition
        assert media is not None and rendition is not None
        body = play_body(
            settings=self.settings, media=media, title=bulletin.title, start_at=t.start, on_preempt=PreemptPolicy.RESUME
        )
        command = create_command(
            self.db,
            settings=self.settings,
            signer=self.signer,
            type=CommandType.PLAY,
            body=body,
            target=target,
            priority=bulletin.priority,
            origin=bulletin.origin,
            title=bulletin.title,
            actor=ACTOR,
            exp=t.end + self.grace,
            media_sha256=media.sha256,
            now=self.now,
            bulletin_id=bulletin.id,
        )
        item.command_id, item.state = command.id, SENT
        item.sent_start, item.sent_duration_ms, item.sent_media_sha256 = t.start, rendition.duration_ms, media.sha256
        item.sent_target = target.model_dump(mode="json", exclude_none=True)
        item.note, item.updated_at = "", self.now
        bulletins.mark(self.db, bulletin=bulletin, action=Action.SCHEDULE, actor=ACTOR)

    def _unfinished(self, item: ScheduleItem) -> bool:
        assert item.sent_start is not None
        return self.now < item.sent_start + timedelta(milliseconds=item.sent_duration_ms or 0)

    def item(self, t: Timed) -> None:
        """Bring one item and what devices hold of it into line."""
        item, bulletin = t.item, t.bulletin
        self.touched.add(bulletin.id)
        if item.state == CANCELLED:
            if item.command_id and not item.stop_command_id and self._unfinished(item):
                item.stop_command_id = self._stop(item, bulletin)
                self.report.stopped += 1
            return
        held = _held(t)
        target: Target | str | None = None
        resend = False
        if item.state == SENT:
            assert item.sent_start is not None
            if not self._unfinished(item):
                item.state, item.updated_at = DONE, self.now
                self.report.done += 1
                return
            if self.now >= item.sent_start:
                return  # playing now: a started item is not moved
            target = command_target(self.db, t.reach) if not held else None
            unchanged = (
                not held
                and t.media is not None
                and (t.start, t.media.sha256) == (item.sent_start, item.sent_media_sha256)
                and isinstance(target, Target)
                and target.model_dump(mode="json", exclude_none=True) == item.sent_target
            )
            if unchanged:
                return
            old = item.command_id
            self._stop(item, bulletin)
            item.command_id, item.state, item.note, item.updated_at = None, PLANNED, f"was {old}", self.now
            resend = True
        if held:
            item.note = held
            self.report.stopped += resend
            return
        if t.start > self.horizon_end:
            self.report.stopped += resend
            return
        if self.now > t.start + self.grace:
            item.state, item.note, item.updated_at = CANCELLED, "missed: not sent before its time", self.now
            self.report.missed += 1
            self.report.stopped += resend
            return
        target = target if target is not None else command_target(self.db, t.reach)
        if isinstance(target, str):
            item.note = f"not sent: {target}"[:200]
            self.report.stopped += resend
            return
        try:
            self._play(t, target)
        except DispatchError as exc:
            item.note = f"not sent: {exc}"[:200]
            self.report.failed.append(f"item {item.id}: {exc}")
            self.report.stopped += resend
            return
        if resend:
            self.report.resent += 1
        else:
            self.report.sent += 1

    def drop_cancelled(self) -> None:
        """Items of cancelled bulletins are cancelled first, so the items after them move up in this same pass."""
        pending = list(self.db.scalars(select(ScheduleItem).where(ScheduleItem.state.in_((PLANNED, SENT)))))
        gone = bulletins.ids_in_state(self.db, state=State.CANCELLED.value, among={i.bulletin_id for i in pending})
        for item in (i for i in pending if i.bulletin_id in gone):
            item.state, item.note, item.updated_at = CANCELLED, "the bulletin was cancelled", self.now
        self.db.flush()

    def close_old(self, before: datetime) -> None:
        """Items of days before the window: sent ones are done, unsent ones were missed."""
        day = local_day(before)
        rows = self.db.execute(
            select(ScheduleItem.bulletin_id).where(ScheduleItem.day < day, ScheduleItem.state.in_((PLANNED, SENT)))
        ).all()
        self.touched.update(r[0] for r in rows)
        old = (ScheduleItem.day < day,)
        self.db.execute(update(ScheduleItem).where(*old, ScheduleItem.state == SENT).values(state=DONE))
        self.db.execute(
            update(ScheduleItem)
            .where(*old, ScheduleItem.state == PLANNED)
            .values(state=CANCELLED, note="missed: not sent before its time")
        )

    def bulletins(self) -> None:
        """Scheduled → on air once an item's time has come; on air → done once nothing is left to play."""
        found = bulletins.find_many(self.db, self.touched)
        moving = [found[i] for i in sorted(found) if found[i].state in (State.SCHEDULED.value, State.ON_AIR.value)]
        rows: dict[int, list[tuple[str, datetime | None]]] = {b.id: [] for b in moving}
        ids = sorted(rows)
        for n in range(0, len(ids), 500):
            query = select(ScheduleItem.bulletin_id, ScheduleItem.state, ScheduleItem.sent_start)
            for bulletin_id, state, sent_start in self.db.execute(
                query.where(ScheduleItem.bulletin_id.in_(ids[n : n + 500]))
            ):
                rows[bulletin_id].append((state, sent_start))
        for bulletin in moving:
            mine = rows[bulletin.id]
            started = any(s in (SENT, DONE) and at is not None and at <= self.now for s, at in mine)
            if bulletin.state == State.SCHEDULED.value and started:
                bulletins.mark(self.db, bulletin=bulletin, action=Action.GO_ON_AIR, actor=ACTOR)
            left = any(s in (PLANNED, SENT) for s, _ in mine)
            if bulletin.state == State.ON_AIR.value and not left and any(s == DONE for s, _ in mine):
                bulletins.mark(self.db, bulletin=bulletin, action=Action.FINISH, actor=ACTOR)


def sync_programmes(db: Session, *, settings: Settings, signer: SigningKey, now: datetime | None = None) -> SyncReport:
    """Send, re-send and stop what the programme needs now (no commit; the caller's transaction holds it all)."""
    now = now or utcnow()
    serialise_sync(db.connection())
    run = _Sync(db, settings, signer, now)
    first = now - run.grace - timedelta(days=1)
    run.close_old(first)
    run.drop_cancelled()
    days = local_day(first), local_day(run.horizon_end)
    window = [days[0] + timedelta(days=n) for n in range((days[1] - days[0]).days + 1)]
    gap = timedelta(seconds=settings.programme_gap_s)
    timed = timed_items(db, days=window, gap=gap, states=(PLANNED, SENT, CANCELLED))
    for t in timed:
        run.item(t)
    run.bulletins()  # ``timed`` keeps its bulletins loaded meanwhile
    db.flush()
    if run.report.commands or run.report.failed:
        log.info("programme sync: %s", run.report)
    return run.report
