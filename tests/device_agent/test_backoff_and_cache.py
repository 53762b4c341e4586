"""Reconnect backoff is jittered and bounded; the media cache evicts least recently used past its size."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from device_agent import Backoff, DirCache, MemoryCache

SHA = [f"{i:064x}" for i in range(5)]


def test_backoff_full_jitter_within_growing_bounds_and_cap() -> None:
    backoff = Backoff(base_s=1.0, cap_s=60.0, rng=random.Random(7))
    delays = [backoff.next() for _ in range(12)]
    for n, d in enumerate(delays):
        assert 0 <= d <= min(60.0, 2**n)
    assert max(delays) <= 60.0
    # a province-wide reconnect spreads out: first retries are spread over [0, base], not bunched
    firsts = [Backoff(1.0, 60.0, rng=random.Random(seed)).next() for seed in range(1000)]
    assert max(firsts) <= 1.0 and min(firsts) < 0.05 and max(firsts) > 0.95
    deciles = [sum(1 for f in firsts if i / 10 <= f < (i + 1) / 10) for i in range(10)]
    assert all(60 <= n <= 140 for n in deciles), deciles  # about uniform
    backoff.reset()
    assert backoff.next() <= 1.0


def test_backoff_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(base_s=0)
    with pytest.raises(ValueError):
        Backoff(base_s=10, cap_s=1)


def test_memory_cache_evicts_least_recently_used_by_size() -> None:
    cache = MemoryCache(max_bytes=250)
    cache.put(SHA[0], b"a" * 100)
    cache.put(SHA[1], b"b" * 100)
    assert cache.get(SHA[0]) == b"a" * 100  # touch 0: 1 is now the oldest
    cache.put(SHA[2], b"c" * 100)
    assert cache.has(SHA[0]) and cache.has(SHA[2]) and not cache.has(SHA[1])
    assert cache.total_bytes == 200
    with pytest.raises(ValueError, match="does not fit"):
        cache.put(SHA[3], b"d" * 251)
    assert cache.total_bytes == 200 and not cache.has(SHA[3])


def test_dir_cache_evicts_files_and_survives_restart(tmp_path: Path) -> None:
    cache = DirCache(tmp_path, max_bytes=250)
    cache.put(SHA[0], b"a" * 100)
    cache.put(SHA[1], b"b" * 100)
    assert cache.path(SHA[0]) is not None
    cache.put(SHA[2], b"c" * 100)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([SHA[0], SHA[2]])
    again = DirCache(tmp_path, max_bytes=150)  # a smaller cache after restart keeps the newest file only
    assert again.total_bytes == 100 and len(list(tmp_path.iterdir())) == 1
    with pytest.raises(ValueError, match="not a sha256"):
        cache.put("../etc/passwd", b"x")
