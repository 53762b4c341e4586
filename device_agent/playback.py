"""The device's programme: items wait for their start time, play one at a time, and the higher priority wins.

Rules: an item plays when its ``start_at`` (device clock) has come, highest priority first, then in order of
arrival. A strictly higher priority interrupts the playing item (ack ``preempted``); it goes back in the queue
at its old place and position when its policy is ``resume``, else it is dropped (``preempted``, reason
``dropped``). An item whose ``exp`` passes while waiting acks ``expired``. ``stop`` ends an item: ``interrupted``
with reason ``stopped`` and how far it got if it had started (it did not play in full), ``failed`` with reason
``stopped`` if it never did. A player that dies
mid-play acks ``interrupted`` with how far it got (``position_ms``).
Timers are local, so the programme keeps going while the link to the broker is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from device_agent.player import Playable, Player
from protocols import AckStatus, PreemptPolicy, Priority, preempts

log = logging.getLogger(__name__)


class Emit(Protocol):
    """Where the programme's acks go: (command id, status, reason[, position_ms])."""

    def __call__(
        self, command_id: str, status: AckStatus, reason: str | None = None, position_ms: int | None = None
    ) -> None: ...


@dataclass
class Item:
    """One accepted play command waiting for, or in, its turn."""

    command_id: str
    priority: Priority
    policy: PreemptPolicy
    exp: datetime
    playable: Playable
    start_at: datetime | None = None
    seq: int = 0
    started: bool = False


class Programme:
    """Runs the queue on a task that exists only while something waits or plays."""

    def __init__(self, *, player: Player, now: Callable[[], datetime], emit: Emit) -> None:
        self.player, self.now, self.emit = player, now, emit
        self.queue: list[Item] = []
        self.current: Item | None = None
        self._play_task: asyncio.Future[None] | None = None
        self._began = 0.0
        self._seq = 1 << 62  # items without a receipt number go after numbered ones
        self._woken = False
        """Something changed since the queue's task last looked (set by ``_poke``, cleared before each look)."""
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        """Wakes the waiting task at the next time-driven change."""
        self._task: asyncio.Task[None] | None = None

    @property
    def playing(self) -> str | None:
        """Command id of the item playing now."""
        return self.current.command_id if self.current else None

    def position_ms(self) -> int:
        """How far into its media the item playing now is (0 when nothing plays)."""
        cur = self.current
        if cur is None:
            return 0
        return min(cur.playable.duration_ms, cur.playable.offset_ms + int((time.monotonic() - self._began) * 1000))

    def add(self, item: Item) -> None:
        """Queue an item (downloaded already); ``seq`` orders equal priorities (given at receipt, else now).

        An item due now starts (or preempts) at once, in this call: an emergency's ``preempted`` and ``started``
        leave with its ``downloaded``, not one turn of the queue's task later. A waiting task is not woken to look
        again (that look was this call's): its timer is set for the next time-driven change.
        """
        if not item.seq:
            self._seq += 1
            item.seq = self._seq
        self.queue.append(item)
        timeout = self._step()
        waiter = self._waiter
        if waiter is not None and not waiter.done() and (self.queue or self.current is not None):
            self._arm(waiter, timeout)  # the queue's task waits: it only needs its timer set for what changed
        else:
            self._poke()

    def stop(self, command_id: str | None) -> bool:
        """Stop ``command_id`` (playing or queued) or, for None, whatever plays; False when nothing matched."""
        cur = self.current
        if cur is not None and command_id in (None, cur.command_id):
            position = self.position_ms()
            if not self._cancel_current():
                return False  # it had just finished on its own: its ``done`` is the truth
            self.emit(cur.command_id, AckStatus.INTERRUPTED, "stopped", position)
            self._poke()
            return True
        for item in self.queue:
            if command_id is not None and item.command_id == command_id:
                self.queue.remove(item)
                if item.started:  # preempted earlier and waiting to resume: it got as far as its offset
                    self.emit(item.command_id, AckStatus.INTERRUPTED, "stopped", item.playable.offset_ms)
                else:
                    self.emit(item.command_id, AckStatus.FAILED, "stopped")
                return True
        return False

    async def close(self) -> None:
        """Silence everything and forget the queue (a dead or stopped device)."""
        tasks = [t for t in (self._task, self._play_task) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self.queue.clear()
        self.current = None

    def _poke(self) -> None:
        self._woken = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="programme")

    async def _run(self) -> None:
        """Look again on every poke or at the next time-driven change; waits on a bare future and a timer (an
        ``asyncio.Event`` under ``wait_for`` made a task per wait: thousands per fan-out in a simulator)."""
        loop = asyncio.get_running_loop()
        while self.queue or self.current is not None:
            self._woken = False
            timeout = self._step()
            if self._woken:  # poked while looking: look again at once
                continue
            waiter = self._waiter = loop.create_future()
            self._arm(waiter, timeout)
            try:
                await waiter
            finally:
                self._waiter = None
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None

    def _arm(self, waiter: asyncio.Future[None], timeout: float | None) -> None:
        """Wake the waiting task after ``timeout`` seconds (None: only when poked), instead of when set before."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None if timeout is None else asyncio.get_running_loop().call_later(timeout, _wake, waiter)

    def _step(self) -> float | None:
        """Expire, start or preempt; return seconds until the next time-driven change (None: wait for an event)."""
        now = self.now()
        for item in [i for i in self.queue if now > i.exp]:
            self.queue.remove(item)
            self.emit(item.command_id, AckStatus.EXPIRED, "started too late" if item.started else None)
        due = [i for i in self.queue if i.start_at is None or i.start_at <= now]
        best = min(due, key=lambda i: (-i.priority.rank, i.seq), default=None)
        if best is not None:
            cur = self.current
            if cur is None:
                self._start(best)
            elif preempts(best.priority, cur.priority) and self._cancel_current():
                elapsed = cur.playable.offset_ms + int((time.monotonic() - self._began) * 1000)
                if cur.policy == PreemptPolicy.RESUME:
                    self.emit(cur.command_id, AckStatus.PREEMPTED, "will_resume")
                    cur.playable = dataclasses.replace(cur.playable, offset_ms=elapsed)
                    self.queue.append(cur)
                else:
                    self.emit(cur.command_id, AckStatus.PREEMPTED, "dropped")
                self._start(best)
        deadlines = [i.exp for i in self.queue] + [i.start_at for i in self.queue if i.start_at and i.start_at > now]
        if not deadlines:
            return None
        return max(0.0, (min(deadlines) - now).total_seconds()) + 0.001

    def _start(self, item: Item) -> None:
        self.queue.remove(item)
        self.emit(item.command_id, AckStatus.STARTED, "resumed" if item.started else None)
        item.started = True
        self.current = item
        self._began = time.monotonic()
        start = getattr(self.player, "start", None)  # a timer-like player: no task per play (``Player``)
        task: asyncio.Future[None] = (
            start(item.playable)
            if start is not None
            else asyncio.create_task(self.player.play(item.playable), name=f"play-{item.command_id}")
        )
        task.add_done_callback(lambda t: self._finished(item, t))
        self._play_task = task

    def _cancel_current(self) -> bool:
        """Cancel the playing item; False if it had already finished on its own."""
        task = self._play_task
        if task is None or task.done() or not task.cancel():
            return False
        self.current, self._play_task = None, None
        return True

    def _finished(self, item: Item, task: asyncio.Future[None]) -> None:
        if task.cancelled():
            return
        if self.current is item:
            self.current, self._play_task = None, None
        exc = task.exception()
        if exc is None:
            self.emit(item.command_id, AckStatus.DONE, None)
        else:
            log.warning("playing %s failed: %s", item.command_id, exc)
            position = min(
                item.playable.duration_ms, item.playable.offset_ms + int((time.monotonic() - self._began) * 1000)
            )
            self.emit(item.command_id, AckStatus.INTERRUPTED, f"player_error: {exc}"[:200], position)
        self._poke()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
