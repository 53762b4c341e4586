"""Size-bounded LRU media caches keyed by sha256: in memory (simulators) or in a directory (a real box)."""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

_SHA = re.compile(r"^[0-9a-f]{64}$")


class MediaCache(Protocol):
    """Where downloaded media lives, evicting the least recently used past ``max_bytes``."""

    max_bytes: int

    def has(self, sha256: str) -> bool: ...

    def get(self, sha256: str) -> bytes | None: ...

    def path(self, sha256: str) -> Path | None: ...

    def put(self, sha256: str, data: bytes) -> None: ...

    @property
    def total_bytes(self) -> int: ...


class _Lru:
    """Bookkeeping shared by both caches: sizes in use order and eviction."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("cache max_bytes must be positive")
        self.max_bytes = max_bytes
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._total = 0

    @property
    def total_bytes(self) -> int:
        """Bytes held now."""
        return self._total

    def has(self, sha256: str) -> bool:
        """True when cached (counts as a use)."""
        if sha256 in self._sizes:
            self._sizes.move_to_end(sha256)
            return True
        return False

    def _admit(self, sha256: str, size: int) -> list[str]:
        """Record an entry; return the keys evicted to stay within ``max_bytes`` (never the new one)."""
        if size > self.max_bytes:
            raise ValueError(f"media of {size} bytes does not fit a {self.max_bytes}-byte cache")
        if sha256 in self._sizes:
            self._sizes.move_to_end(sha256)
            return []
        self._sizes[sha256] = size
        self._total += size
        evicted = []
        while self._total > self.max_bytes:
            old, old_size = self._sizes.popitem(last=False)
            self._total -= old_size
            evicted.append(old)
        return evicted


class MemoryCache(_Lru):
    """Media held in memory; the same bytes object may be shared by many simulated devices."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        super().__init__(max_bytes)
        self._data: dict[str, bytes] = {}

    def get(self, sha256: str) -> bytes | None:
        """The media bytes, if cached."""
        if self.has(sha256):
            return self._data[sha256]
        return None

    def path(self, sha256: str) -> Path | None:
        """Memory entries have no file."""
        return None

    def put(self, sha256: str, data: bytes) -> None:
        """Store media (already verified) and evict old entries."""
        for old in self._admit(sha256, len(data)):
            self._data.pop(old, None)
        self._data[sha256] = data


class DirCache(_Lru):
    """Media as ``<sha256>`` files in a directory; use order survives restarts through file mtimes."""

    def __init__(self, directory: Path, max_bytes: int = 512 * 1024 * 1024) -> None:
        super().__init__(max_bytes)
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        files = [p for p in directory.iterdir() if p.is_file() and _SHA.match(p.name)]
        for p in sorted(files, key=lambda p: p.stat().st_mtime):
            for old in self._admit(p.name, p.stat().st_size):
                (directory / old).unlink(missing_ok=True)

    def has(self, sha256: str) -> bool:
        """True when cached and the file is still there."""
        if super().has(sha256) and (self.directory / sha256).exists():
            return True
        if sha256 in self._sizes:
            self._total -= self._sizes.pop(sha256)
        return False

    def get(self, sha256: str) -> bytes | None:
        """The media bytes, if cached."""
        p = self.path(sha256)
        return p.read_bytes() if p else None

    def path(self, sha256: str) -> Path | None:
        """The cached file, touched as most recently used."""
        if not self.has(sha256):
            return None
        p = self.directory / sha256
        os.utime(p)
        return p

    def put(self, sha256: str, data: bytes) -> None:
        """Write atomically, then evict old files."""
        if not _SHA.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        tmp = self.directory / f".{sha256}.part"
        tmp.write_bytes(data)
        tmp.replace(self.directory / sha256)
        for old in self._admit(sha256, len(data)):
            (self.directory / old).unlink(missing_ok=True)
