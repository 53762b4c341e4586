"""The fence (presence rule 3): a live offline from the broker waits until the broker has shown it processed it.

A live ``online: false`` (a Will) is HELD; the server publishes a numbered fence to a topic only it uses
(:mod:`source_server.mqtt`) and applies the held offline only once a fence published AFTER the offline arrived has
come back through the broker. A broker that is shutting down publishes its clients' Wills but processes no more
publishes, so its fence never comes back and the held Wills are discarded with the link. One fence in flight covers
every offline held before it was sent: 10,000 Wills cost a handful of fences. The first fence after our link's
SUBSCRIBE is the *barrier*: once it is back, every retained state has been seen (rule 4).

This book only counts and holds; the tracker decides what a fence that came back means for each device.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from source_server.metrics import MQTT_REJECTED, PRESENCE_FENCES, PRESENCE_HELD

log = logging.getLogger(__name__)

FENCE_RETRY_S = 5.0
"""A fence not back within this long (the broker dropped it from a full queue?) is followed by another."""


class FenceBook:
    """Held offline states, fence numbers sent and back, and the barrier of the current link."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[int, datetime, int]] = {}
        """device id → (session, when the offline arrived, the first fence number that may apply it)."""
        self.sender: Callable[[int], None] | None = None
        self.sent = 0
        """Number of the latest fence sent (numbers only grow, over every link)."""
        self.back = 0
        """Highest fence number back on this link (fences sent on an earlier link count as lost)."""
        self.sent_mono = 0.0
        self.retry_s = FENCE_RETRY_S
        self.barrier: int | None = None
        """The fence that follows this link's SUBSCRIBE: once back, every retained state has been seen."""
        self.link_up = False

    def hold(self, device_id: str, session: int, at: datetime) -> None:
        """Hold a live offline of ``session`` (arrived at ``at``) until a fence sent after it is back."""
        if device_id not in self.held or self.held[device_id][0] != session:
            self.held[device_id] = (session, at, self.sent + 1)
            self.want()

    def release(self, device_id: str) -> None:
        """Forget a held offline (the device said it is online again)."""
        self.held.pop(device_id, None)

    def accepts(self, number: int) -> bool:
        """True for a fence of this link not passed yet (else: an earlier link's, another process's, or old)."""
        return self.link_up and self.back < number <= self.sent

    def come_back(self, number: int) -> tuple[list[tuple[str, int, datetime]], bool]:
        """Fence ``number`` is back: the held offlines it applies (removed from the book), and whether the barrier
        has passed (the barrier is then cleared)."""
        self.back = number
        due = []
        for device_id, (session, at, need) in list(self.held.items()):
            if need <= number:
                del self.held[device_id]
                due.append((device_id, session, at))
        barrier_passed = self.barrier is not None and number >= self.barrier
        if barrier_passed:
            self.barrier = None
        return due, barrier_passed

    def after_come_back(self) -> None:
        """Update the gauge; send the next fence for offlines held after this one left."""
        PRESENCE_HELD.set(len(self.held))
        if self.held:
            self.want()

    def retry_if_late(self) -> None:
        """Re-send a fence the broker has not returned within ``retry_s`` while something waits for it."""
        if not self.link_up:
            return
        late = time.monotonic() - self.sent_mono >= self.retry_s
        if (self.held or self.barrier is not None) and self.back < self.sent and late:
            self.send()

    def on_link(self, up: bool) -> None:
        """Our link changed: fences in flight belong to the old link; a lost link discards every held offline."""
        self.link_up = up
        self.back = self.sent  # never wait for a fence of the old link
        if up:
            return
        if self.held:
            MQTT_REJECTED.labels("will_during_broker_outage").inc(len(self.held))
            log.info("discarded %d offline states whose fence the lost link never returned", len(self.held))
            self.held.clear()
        PRESENCE_HELD.set(0)
        self.barrier = None

    def send_barrier(self) -> bool:
        """Send the barrier fence of a new link; False when no sender is wired."""
        if self.sender is None:
            return False
        self.barrier = self.sent + 1
        self.send()
        return True

    def want(self) -> None:
        """Send a fence unless one is in flight (held offlines that came after it wait for the next one)."""
        if self.back >= self.sent:
            self.send()
        PRESENCE_HELD.set(len(self.held))

    def send(self) -> int | None:
        """Publish the next fence through the sender (which may hand it back at once, as tests do)."""
        if self.sender is None or not self.link_up:
            return None
        self.sent += 1
        self.sent_mono = time.monotonic()
        PRESENCE_FENCES.inc()
        try:
            self.sender(self.sent)
        except Exception:
            log.exception("could not send presence fence %d", self.sent)
        return self.sent
