"""The reconnect storm (presence rule 4): after our link to the broker comes back, devices get time to show up.

On reconnect a first fence (the barrier) follows the SUBSCRIBE: when it returns, every retained state has been seen.
A device believed online that no retained state, telemetry or ack confirmed by then is ``reconnecting``; so is a
device whose retained state says offline (the Will its broker published while stopping, or an outage of ours). Such
a device has ``reconnect_window_s`` (the protocol's 60 s backoff bound plus a margin) to show itself; past that it is
offline (a ``disconnected`` event dated when the window began). The same holds for a fenced Will that comes back
within ``reconnect_window_s`` of our link's return: in that storm a device whose new connection drops (measured at
10,000 devices: a simulated agent's first connection closed again 1–3 s after CONNACK) is still reconnecting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


class ReconnectStorm:
    """Reconnect windows per device, the devices still to confirm, and when our link came back."""

    def __init__(self, *, window_s: float) -> None:
        self.window = timedelta(seconds=window_s)
        self.windows: dict[str, tuple[datetime, datetime]] = {}
        """device id → (when its reconnect window began, when it runs out)."""
        self.confirm: set[str] = set()
        """Devices believed online when the link came up, not yet confirmed by anything on this link."""
        self.link_up_at: datetime | None = None
        """When our link to the broker last came up: Wills within ``window`` of it are the reconnect storm's."""

    def open(self, device_id: str, began: datetime, now: datetime) -> None:
        """Give the device a window from ``now`` (dated ``began``) unless it already has one."""
        if device_id not in self.windows:
            self.windows[device_id] = (began, now + self.window)

    def close(self, device_id: str) -> None:
        """The device showed itself: no window any more."""
        self.windows.pop(device_id, None)

    def confirmed(self, device_id: str) -> bool:
        """Note that the device showed itself on this link; True if it was still to be confirmed."""
        if device_id in self.confirm:
            self.confirm.discard(device_id)
            return True
        return False

    def in_storm(self, now: datetime) -> bool:
        """True within ``window`` of our link's return."""
        return self.link_up_at is not None and now - self.link_up_at < self.window

    def link_up(self, now: datetime) -> None:
        """Our link is back: every open window starts again from now."""
        self.link_up_at = now
        for device_id, (began, _) in list(self.windows.items()):
            self.windows[device_id] = (began, now + self.window)

    def link_down(self) -> None:
        """Our link is gone: nothing is waiting for confirmation on it any more."""
        self.confirm.clear()

    def expect(self, devices: Iterable[str]) -> None:
        """These devices were online when the link came back: each must confirm it before the barrier returns."""
        self.confirm = set(devices)

    def take_unconfirmed(self) -> set[str]:
        """The devices the barrier found unconfirmed (the set is emptied)."""
        left, self.confirm = self.confirm, set()
        return left

    def expired(self, now: datetime) -> list[tuple[str, datetime]]:
        """Remove and return (device id, window start) of every window that has run out."""
        out = [(d, began) for d, (began, due) in self.windows.items() if due <= now]
        for device_id, _ in out:
            del self.windows[device_id]
        return out
