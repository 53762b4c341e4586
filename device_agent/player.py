"""Player backends (what the audio and video renderers play stored media through): a small interface, a null sink
that takes real time, and ffplay/aplay for a real box."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Playable:
    """One thing to play: cached media (file or bytes) or a live stream (``url``), from ``offset_ms``, at ``volume``
    (0..100)."""

    sha256: str
    duration_ms: int
    offset_ms: int = 0
    volume: int = 80
    path: Path | None = None
    data: bytes | None = None
    content_type: str = "audio/mpeg"
    url: str | None = None
    """A live stream's URL (nothing cached: ``sha256`` is empty); None for stored media."""
    title: str = ""


class Player(Protocol):
    """Plays one item to the end; cancelling the call stops the sound at once.

    A player may also offer ``start(item) -> asyncio.Future[None]`` (done when the item has played, cancelled to stop
    it), which the programme then uses instead of a task running ``play`` (``NullPlayer`` does).
    """

    async def play(self, item: Playable) -> None: ...


class NullPlayer:
    """A silent sink: sleeps for the rest of the media's duration (simulated devices, tests)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.played: list[tuple[str, int]] = []

    async def play(self, item: Playable) -> None:
        """Sleep (duration - offset) / speed seconds."""
        self.played.append((item.sha256, item.offset_ms))
        await asyncio.sleep(max(0, item.duration_ms - item.offset_ms) / 1000 / self.speed)

    def start(self, item: Playable) -> asyncio.Future[None]:
        """The same play as a timer: a future done after (duration - offset) / speed seconds; cancel it to stop.

        The programme uses this when a player offers it: a silent sink needs no code while it "plays", so ten
        thousand simulated devices need no task (and no cancellation thrown through coroutines) per play.
        """
        self.played.append((item.sha256, item.offset_ms))
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(max(0, item.duration_ms - item.offset_ms) / 1000 / self.speed, _finish, done)
        done.add_done_callback(lambda _: timer.cancel())  # a stopped play leaves no timer behind
        return done


def _finish(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


class CommandPlayer:
    """Plays through ``ffplay`` (seeks to resume) or ``aplay`` (WAV only, restarts from the top); ``display`` opens
    ffplay's window (video on a board) instead of playing sound alone."""

    def __init__(self, program: str = "ffplay", *, display: bool = False) -> None:
        path = shutil.which(program)
        if path is None:
            raise FileNotFoundError(f"player program {program!r} is not on PATH")
        self.program, self.path, self.display = Path(program).name, path, display

    def argv(self, item: Playable, file: Path) -> list[str]:
        """The command line that plays ``file`` for ``item``."""
        if self.program == "aplay":
            return [self.path, "-q", str(file)]
        window = ["-fs"] if self.display else ["-nodisp"]
        return [
            self.path, *window, "-autoexit", "-loglevel", "error",
            "-ss", f"{item.offset_ms / 1000:.3f}", "-volume", str(item.volume), str(file),
        ]  # fmt: skip

    async def play(self, item: Playable) -> None:
        """Run the player until it exits; kill it when cancelled. RuntimeError when it fails."""
        with contextlib.ExitStack() as stack:
            file = item.path
            if file is None:
                if item.data is None:
                    raise ValueError("nothing to play: neither a file nor bytes")
                tmp = stack.enter_context(tempfile.NamedTemporaryFile(prefix="nguon-", suffix=".media"))
                tmp.write(item.data)
                tmp.flush()
                file = Path(tmp.name)
            await run_player(self.program, self.argv(item, file))


async def run_player(program: str, argv: list[str]) -> None:
    """Run a player process to its end; killed when cancelled; RuntimeError with its last words on failure."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, err = await proc.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"{program} exited {proc.returncode}: {err.decode(errors='replace')[-200:]}")


def make_player(name: str) -> Player:
    """``null``, ``ffplay`` or ``aplay``."""
    if name == "null":
        return NullPlayer()
    if name in ("ffplay", "aplay"):
        return CommandPlayer(name)
    raise ValueError(f"unknown player {name!r}: choose null, ffplay or aplay")
