"""Session numbers no honest device can reach are refused (protocol rule R6).

A device's ``session`` is at most its connect time in Unix milliseconds (the reference agent uses
``max(previous + 1, now_ms)``), so a state or telemetry whose session is beyond the server's Unix time in
milliseconds plus one day is a forgery (or a device whose clock is more than a day ahead): accepted, it would
lock the real device out of its own presence, since every honest session after it looks "old". It is counted in
``nguon_mqtt_rejected_total{reason="session_from_future"}``, logged at most once per device per minute, and ignored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from source_server.metrics import MQTT_REJECTED

log = logging.getLogger(__name__)

MAX_AHEAD = timedelta(days=1)
LOG_EVERY = timedelta(minutes=1)
REASON = "session_from_future"


def session_limit(now: datetime) -> int:
    """The largest session number accepted at ``now``: Unix time in milliseconds plus one day."""
    return int((now + MAX_AHEAD).timestamp() * 1000)


class SessionGuard:
    """Refuses impossible session numbers; remembers when it last logged each device to keep the log short."""

    def __init__(self) -> None:
        self._logged: dict[str, datetime] = {}

    def admits(self, device_id: str, session: int, now: datetime, *, channel: str) -> bool:
        """True for a plausible session; otherwise count, log (rate limited) and return False."""
        limit = session_limit(now)
        if session <= limit:
            return True
        MQTT_REJECTED.labels(REASON).inc()
        last = self._logged.get(device_id)
        if last is None or now - last >= LOG_EVERY:
            self._logged[device_id] = now
            log.warning(
                "ignored %s of %s: session %d is beyond Unix time + 1 day (%d); a forgery on its topic, or a device "
                "clock more than a day ahead (logged once a minute per device)",
                channel,
                device_id,
                session,
                limit,
            )
        return False
