"""The programme with a timer-like player: no task per play, and no wake-up of its own task for an item it just
handled, yet every time-driven change still happens on time.

Guards the simulator's per-device cost (10,000 agents in one process) without bending the device's behaviour: a play
that preempts another, the preempted one resuming, and an item added while the queue waits that starts at its
``start_at`` (the waiting task's timer is re-armed by ``add``, not by a wake-up).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from device_agent.playback import Item, Programme
from device_agent.player import NullPlayer, Playable
from protocols import AckStatus, PreemptPolicy, Priority


def item(cid: str, priority: Priority, duration_ms: int, start_at: datetime | None = None) -> Item:
    return Item(
        command_id=cid, priority=priority, policy=PreemptPolicy.RESUME, exp=datetime.now(UTC) + timedelta(minutes=5),
        playable=Playable(sha256=cid * 8, duration_ms=duration_ms, data=b"x"), start_at=start_at,
    )  # fmt: skip


def programme() -> tuple[Programme, list[tuple[str, str, str | None]], NullPlayer]:
    acks: list[tuple[str, str, str | None]] = []
    player = NullPlayer()

    def emit(cid: str, status: AckStatus, reason: str | None = None, position_ms: int | None = None) -> None:
        acks.append((cid, status.value, reason))

    return Programme(player=player, now=lambda: datetime.now(UTC), emit=emit), acks, player


async def wait_for(cond: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_preempting_play_makes_no_task_and_the_preempted_item_resumes() -> None:
    prog, acks, player = programme()
    prog.add(item("normal", Priority.NORMAL, 60_000))
    await asyncio.sleep(0.05)  # the queue's task is waiting now
    tasks = asyncio.all_tasks()
    prog.add(item("urgent", Priority.EMERGENCY, 150))
    # preempted and started in the call, with neither a task for the play nor a new task for the queue
    assert acks[-2:] == [("normal", "preempted", "will_resume"), ("urgent", "started", None)]
    assert asyncio.all_tasks() == tasks
    await wait_for(lambda: ("normal", "started", "resumed") in acks)
    assert acks[1:] == [("normal", "preempted", "will_resume"), ("urgent", "started", None),
                        ("urgent", "done", None), ("normal", "started", "resumed")]  # fmt: skip
    assert [sha for sha, _ in player.played] == ["normal" * 8, "urgent" * 8, "normal" * 8]
    assert player.played[-1][1] > 0  # resumed where it was, not from the top
    assert prog.stop("normal")
    assert acks[-1][:2] == ("normal", "interrupted")
    await prog.close()


async def test_an_item_added_while_the_queue_waits_starts_at_its_time() -> None:
    prog, acks, _ = programme()
    prog.add(item("normal", Priority.NORMAL, 60_000))
    await asyncio.sleep(0.05)  # waiting, with no timer (nothing queued)
    added = time.monotonic()
    prog.add(item("later", Priority.EMERGENCY, 100, start_at=datetime.now(UTC) + timedelta(seconds=0.3)))
    assert acks[-1] == ("normal", "started", None)  # not due yet: nothing changed
    await wait_for(lambda: ("later", "started", None) in acks)
    assert 0.25 <= time.monotonic() - added < 2.0  # at its start time: the waiting task's timer was set by add
    await wait_for(lambda: ("normal", "started", "resumed") in acks)
    await prog.close()


async def test_close_silences_a_timer_play() -> None:
    prog, acks, _ = programme()
    prog.add(item("one", Priority.NORMAL, 100))
    await prog.close()
    await asyncio.sleep(0.2)
    assert acks == [("one", "started", None)]  # no done after close: its timer went with it
