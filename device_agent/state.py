"""What an agent remembers across restarts: its session counter, the ids of commands it accepted, the latest ack
of each (with the envelope of plays it has not finished) and how far the play in progress got."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from protocols import Ack, ReplayGuard


@dataclass(frozen=True)
class Held:
    """An accepted command as the device last left it: its latest ack, expiry, and (plays) the signed envelope."""

    ack: Ack
    exp: datetime
    envelope: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """The play in progress: how far it had got (``position_ms``) at device time ``at``."""

    command_id: str
    position_ms: int
    at: datetime


class AgentState:
    """Session counter and replay ids, in memory or persisted (atomically) under ``directory``.

    Without a directory the counter starts from the Unix time in milliseconds, so it still grows across
    restarts of a simulator; with one it is ``max(stored + 1, that)`` and written before each use. Held commands
    and the play checkpoint are kept only with a directory (a simulated device in memory has no restart to
    survive): ``held.json`` is written at every ack, ``playing.json`` at every checkpoint.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.replay = ReplayGuard()
        self.session = 0
        self.held: dict[str, Held] = {}
        self.checkpoint: Checkpoint | None = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            session_file = directory / "session"
            if session_file.exists():
                self.session = int(session_file.read_text().strip() or 0)
            replay_file = directory / "replay.json"
            if replay_file.exists():
                for cid, exp in json.loads(replay_file.read_text()).items():
                    self.replay.remember(cid, datetime.fromisoformat(exp))
            held_file = directory / "held.json"
            if held_file.exists():
                for cid, h in json.loads(held_file.read_text()).items():
                    ack = Ack.model_validate(h["ack"])
                    self.held[cid] = Held(ack, datetime.fromisoformat(h["exp"]), h.get("envelope"))
            playing_file = directory / "playing.json"
            if playing_file.exists():
                p = json.loads(playing_file.read_text())
                self.checkpoint = Checkpoint(p["command_id"], int(p["position_ms"]), datetime.fromisoformat(p["at"]))

    def next_session(self) -> int:
        """A session number larger than every one used before (persisted before it is returned)."""
        self.session = max(self.session + 1, int(time.time() * 1000))
        self._write("session", str(self.session))
        return self.session

    def save_replay(self, now: datetime) -> None:
        """Persist accepted command ids (expired ones are dropped first)."""
        self.replay.purge(now)
        if self.directory is not None:
            self._write("replay.json", json.dumps({c: e.isoformat() for c, e in self.replay.seen.items()}))

    @property
    def persistent(self) -> bool:
        """True when what is remembered survives a restart."""
        return self.directory is not None

    def hold(self, ack: Ack, exp: datetime, envelope: str | None = None) -> None:
        """Remember the latest ack of an accepted command (and the envelope of a play) until it expires."""
        if self.directory is None:
            return
        old = self.held.get(ack.command_id)
        self.held[ack.command_id] = Held(
            ack, exp, envelope if envelope is not None else (old.envelope if old else None)
        )
        for cid in [c for c, h in self.held.items() if h.exp < ack.at]:
            del self.held[cid]
        out: dict[str, Any] = {}
        for cid, h in self.held.items():
            out[cid] = {"ack": h.ack.model_dump(mode="json", exclude_none=True), "exp": h.exp.isoformat()}
            if h.envelope is not None and not h.ack.status.terminal:
                out[cid]["envelope"] = h.envelope
        self._write("held.json", json.dumps(out))

    def save_checkpoint(self, checkpoint: Checkpoint | None) -> None:
        """Record how far the play in progress got (None: nothing plays any more)."""
        if self.directory is None or checkpoint == self.checkpoint:
            return
        self.checkpoint = checkpoint
        if checkpoint is None:
            (self.directory / "playing.json").unlink(missing_ok=True)
            return
        text = json.dumps(
            {
                "command_id": checkpoint.command_id,
                "position_ms": checkpoint.position_ms,
                "at": checkpoint.at.isoformat(),
            }
        )
        self._write("playing.json", text)

    def _write(self, name: str, text: str) -> None:
        if self.directory is None:
            return
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, self.directory / name)
