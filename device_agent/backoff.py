"""Reconnect delays: exponential backoff with full jitter, so a province-wide reconnect spreads out."""

from __future__ import annotations

import random


class Backoff:
    """Delay before attempt n (from 0) is uniform in [0, min(cap, base * 2**n)]: the first retry within ``base``."""

    def __init__(self, base_s: float = 1.0, cap_s: float = 60.0, rng: random.Random | None = None) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("backoff needs 0 < base_s <= cap_s")
        self.base_s, self.cap_s = base_s, cap_s
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self, attempt: int) -> float:
        """The largest delay attempt ``attempt`` may draw."""
        return float(min(self.cap_s, self.base_s * 2.0 ** min(attempt, 62)))

    def next(self) -> float:
        """The delay before the next attempt (and count it)."""
        delay = self._rng.uniform(0, self.ceiling(self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        """After a successful connection: the next failure starts over from ``base``."""
        self.attempt = 0
