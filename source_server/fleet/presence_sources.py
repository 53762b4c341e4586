"""Where presence comes from, and how each source's own liveness judges the devices it vouches for.

A *source* is anything that can tell the server a device is there: the broker (``mqtt``: states, Wills, telemetry,
acks) today, the Icecast listener list (``icecast``) next. Each source has its own inactivity timeout and its own
link: while the server cannot hear a source (the broker is unreachable, the Icecast poller fails) the devices whose
status hangs on that source are frozen (no staleness, shown ``unverified``); devices of other sources go on being
judged. When the link comes back its devices get a fresh inactivity window (``up_since``), as after our own outage.

Every device entry names the one source that vouches for its status (``Entry.source``). Ownership is sticky: a sign
of life from another source takes the device over only when the current owner no longer vouches for it (its link is
down or it has been silent for its timeout) or the device is not online; so a device heard on two sources does not
flip between them on every message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from source_server.fleet.presence_state import MQTT, Entry


@dataclass(slots=True)
class Source:
    """One source of presence: its inactivity timeout and whether the server hears it now."""

    name: str
    timeout: timedelta
    sessions: bool = False
    """True when the source numbers a device's connections (MQTT's ``session``)."""
    up: bool = False
    up_since: datetime | None = None
    """When the link last came up: no device of this source is judged silent from before that."""


class Sources:
    """The registered sources; the broker's is always there."""

    def __init__(self, *, mqtt_timeout: timedelta, now: datetime) -> None:
        self._by_name: dict[str, Source] = {MQTT: Source(MQTT, mqtt_timeout, sessions=True, up_since=now)}

    def add(self, name: str, *, timeout_s: float) -> Source:
        """Register a source whose devices are stale after ``timeout_s`` of its silence (down until ``set_link``)."""
        if not name or len(name) > 16 or not name.isascii():
            raise ValueError(f"presence source name {name!r}: 1-16 ASCII characters")
        if name in self._by_name:
            raise ValueError(f"presence source {name!r} is already registered")
        if timeout_s <= 0:
            raise ValueError(f"presence source {name!r}: timeout_s must be positive, not {timeout_s}")
        source = self._by_name[name] = Source(name, timedelta(seconds=timeout_s))
        return source

    def get(self, name: str) -> Source:
        """The source called ``name``; a clear error for one never registered."""
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"unknown presence source {name!r} (registered: {', '.join(self._by_name)})") from None

    def names(self) -> tuple[str, ...]:
        """Every registered source."""
        return tuple(self._by_name)

    def set_link(self, name: str, up: bool, now: datetime) -> None:
        """The server hears ``name`` again (a fresh window for its devices) or lost it (its devices freeze)."""
        source = self.get(name)
        source.up = up
        if up:
            source.up_since = now

    def is_up(self, name: str) -> bool:
        """True when the server hears this source now (an unknown source, e.g. one of a stored row, is not heard)."""
        source = self._by_name.get(name)
        return source is not None and source.up

    def frozen(self) -> frozenset[str]:
        """The sources the server cannot hear now: their devices are shown ``unverified``."""
        return frozenset(s.name for s in self._by_name.values() if not s.up)

    def silent(self, e: Entry, name: str, now: datetime) -> bool:
        """True when ``name`` (heard now) has had no sign of the device for its timeout, counting from its link's return."""
        source = self._by_name[name]
        grace = source.up_since or now
        last = e.seen.get(name) or (e.last_seen if e.source == name else None) or e.since or grace
        return max(last, grace) < now - source.timeout

    def vouches(self, e: Entry, name: str, now: datetime) -> bool:
        """True when ``name`` is heard now and saw the device within its timeout."""
        if not self.is_up(name) or (name not in e.seen and e.source != name):
            return False
        return not self.silent(e, name, now)

    def other_voucher(self, e: Entry, now: datetime, *, besides: str) -> str | None:
        """Another source, heard now, that saw the device recently (the latest such), or None."""
        best: tuple[datetime, str] | None = None
        for name, at in e.seen.items():
            if name != besides and self.vouches(e, name, now) and (best is None or at > best[0]):
                best = (at, name)
        return best[1] if best else None

    def takes_over(self, e: Entry, name: str, now: datetime) -> bool:
        """Whether a sign of life from ``name`` makes it the device's source (sticky ownership, see the module)."""
        if e.source == name:
            return False
        return e.status != "online" or not self.vouches(e, e.source, now)
