"""Device clocks as the server knows them: a smoothed skew per device, and ack times put on the server's timeline.

A device's ``at`` is its own clock (PROTOCOL.md §5). Its skew is ``server receive time - device at`` of its
live telemetry (a heartbeat leaves as soon as it is made, so the sample is the skew plus a network delay of
milliseconds), smoothed; a step larger than ``STEP`` (the device's NTP corrected it, it rebooted with a wrong
clock) replaces the estimate at once. Kept in memory: the first heartbeat after a server start (30 s) brings it
back, and until then the device clock is taken as it is. An ack time is then ``at + skew``, clamped to
[command issued, ack received]: no device can place an event before the command existed or after the server
heard of it, whatever its clock says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STEP = timedelta(seconds=5)
"""A sample this far from the estimate replaces it instead of being averaged in."""
WEIGHT = 0.2
"""Weight of a new sample in the moving average."""
_ZERO = timedelta(0)


class ClockSkews:
    """Skew per device (server time - device time), from telemetry; read without a query on the ack path."""

    def __init__(self) -> None:
        self.skews: dict[str, timedelta] = {}

    def observe(self, device_id: str, device_at: datetime, received_at: datetime) -> None:
        """One live sample: the device said ``device_at`` and the server got it at ``received_at``."""
        sample = received_at - device_at
        known = self.skews.get(device_id)
        if known is None or abs(sample - known) > STEP:
            self.skews[device_id] = sample
        else:
            self.skews[device_id] = known + (sample - known) * WEIGHT

    def get(self, device_id: str) -> timedelta:
        """The device's known skew (zero when none is known yet)."""
        return self.skews.get(device_id, _ZERO)


def server_time(device_at: datetime, skew: timedelta, *, issued: datetime, received: datetime) -> datetime:
    """A device time on the server's timeline: corrected by ``skew``, clamped to [``issued``, ``received``]."""
    corrected = device_at + skew
    if corrected > received:
        return received
    if corrected < issued:
        return issued
    return corrected
