"""What an agent remembers across restarts: its session counter and the ids of commands it accepted."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

from protocols import ReplayGuard


class AgentState:
    """Session counter and replay ids, in memory or persisted (atomically) under ``directory``.

    Without a directory the counter starts from the Unix time in milliseconds, so it still grows across
    restarts of a simulator; with one it is ``max(stored + 1, that)`` and written before each use.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.replay = ReplayGuard()
        self.session = 0
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            session_file = directory / "session"
            if session_file.exists():
                self.session = int(session_file.read_text().strip() or 0)
            replay_file = directory / "replay.json"
            if replay_file.exists():
                for cid, exp in json.loads(replay_file.read_text()).items():
                    self.replay.remember(cid, datetime.fromisoformat(exp))

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

    def _write(self, name: str, text: str) -> None:
        if self.directory is None:
            return
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, self.directory / name)
