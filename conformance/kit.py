"""The kit's toolbox during a run: sign and send commands as the server would, watch the device's answers."""

from __future__ import annotations

import base64
import json
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.media import Media, MediaServer
from conformance.observer import Observer, Seen
from conformance.provision import Provisioning
from conformance.proxy import Link, LinkProxy
from protocols import Ack, AckStatus, SigningKey, StateMessage, device_topic


def b64url(data: bytes) -> str:
    """Base64url without padding (§4.1)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rfc3339(t: datetime) -> str:
    """UTC time as RFC 3339 with ``Z`` and milliseconds."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id(prefix: str) -> str:
    """A fresh command id that says which clause sent it."""
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass
class Connection:
    """One connection of the device as the kit saw it: the proxy's link and the online state that followed."""

    link: Link
    online: Seen | None

    @property
    def session(self) -> int | None:
        """The session the device announced on this connection."""
        return self.online.state.session if self.online and self.online.state else None


@dataclass
class Kit:
    """Everything the clauses use: the provisioned identity, the signing key, the proxy, media and the observer."""

    prov: Provisioning
    key: SigningKey
    observer: Observer
    proxy: LinkProxy
    media: MediaServer
    tones: dict[str, Media]
    accepted: tuple[bytes, str] | None = None
    """Envelope and id of a play the device accepted (what the replay clause sends again)."""
    refusals_acked: int = 0
    """Unverified copies (R2) the device acked so far: later ones may go unanswered (rate limit)."""
    acted_on_forbidden: dict[str, str] = field(default_factory=dict)
    """command id → clause id of every command the device must never act on (checked again at the end)."""

    @property
    def cmd_topic(self) -> str:
        """The device's own command topic."""
        return device_topic(self.prov.device_id, "cmd")

    # -- clocks ----------------------------------------------------------------------------------------------

    def clock_offset(self) -> float:
        """Device clock minus kit clock (s), the median over live state and telemetry ``at`` (0 when none)."""
        diffs = []
        for s in self.observer.seen:
            at = getattr(s.message, "at", None)
            if s.channel in ("state", "telemetry") and not s.retain and isinstance(at, datetime):
                diffs.append(at.timestamp() - s.at)
        return statistics.median(diffs) if diffs else 0.0

    def device_now(self) -> datetime:
        """The kit's estimate of the device clock now."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset())

    # -- commands --------------------------------------------------------------------------------------------

    def payload(
        self, type_: str, body: dict[str, Any], *, cid: str, target: dict[str, Any] | None = None,
        iat: datetime | None = None, lifetime: timedelta = timedelta(minutes=10), priority: str = "normal",
    ) -> dict[str, Any]:  # fmt: skip
        """A command payload (§4.2) as a dict, targeted at this device unless told otherwise."""
        iat = iat or self.device_now()
        return {
            "v": 1, "id": cid, "type": type_, "iat": rfc3339(iat), "exp": rfc3339(iat + lifetime),
            "target": target or {"devices": [self.prov.device_id]}, "priority": priority, "origin": "province",
            "body": body,
        }  # fmt: skip

    def sign(self, payload: dict[str, Any], key: SigningKey | None = None) -> bytes:
        """The envelope (§4.1) of ``payload``'s exact JSON bytes, signed with the kit's key (or ``key``)."""
        key = key or self.key
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        sig = key.private.sign(raw)
        return json.dumps({"kid": key.kid, "alg": "Ed25519", "payload": b64url(raw), "sig": b64url(sig)}).encode()

    def play_body(self, tone: str, *, serve_as: str | None = None, **extra: Any) -> dict[str, Any]:
        """A play body for one of the kit's tones (``serve_as``: serve another file at its URL)."""
        media = self.tones[tone]
        other = self.tones[serve_as] if serve_as else None
        return {"media": self.media.media_ref(media, serve_as=other), "title": f"conformance {tone}", **extra}

    async def send(self, raw: bytes, topic: str | None = None) -> float:
        """Publish an envelope on the device's cmd topic (or ``topic``); returns the Unix time it left."""
        return await self.observer.publish(topic or self.cmd_topic, raw)

    def acks(self, cid: str, since: float = 0.0) -> list[Seen]:
        """The device's valid acks for ``cid`` since ``since``."""
        return self.observer.acks(cid, since)

    def statuses(self, cid: str, since: float = 0.0) -> list[str]:
        """Ack statuses for ``cid`` in arrival order."""
        return [s.ack.status.value for s in self.acks(cid, since) if s.ack]

    async def wait_status(self, cid: str, statuses: set[str], timeout: float, since: float = 0.0) -> bool:
        """Wait until an ack for ``cid`` has one of ``statuses``."""
        return await self.observer.wait(lambda: set(self.statuses(cid, since)) & statuses, timeout)

    async def wait_any_ack(self, cids: set[str], timeout: float, since: float) -> bool:
        """Wait for any ack naming one of ``cids``."""
        return await self.observer.wait(lambda: any(self.acks(c, since) for c in cids), timeout)

    def describe(self, seen: list[Seen], t0: float) -> list[str]:
        """Evidence lines for acks: status, reason, device ``at`` and when the kit got it (after ``t0``)."""
        out = []
        for s in seen:
            a = s.ack
            assert a is not None
            reason = f"/{a.reason}" if a.reason else ""
            out.append(f"ack {a.status.value}{reason} at {rfc3339(a.at)} (device), got +{s.at - t0:.3f} s")
        return out

    # -- connections -----------------------------------------------------------------------------------------

    async def await_connection(self, after: int, timeout: float) -> Connection | None:
        """Wait for a new link through the proxy (index ≥ ``after``) and the online state after it."""
        link = await self.proxy.wait_link(after, timeout)
        if link is None:
            return None

        def online() -> Seen | None:
            return next((s for s in self.observer.states(link.opened) if s.state and s.state.online), None)

        await self.observer.wait(online, 10.0)
        return Connection(link, online())

    def every_connection(self) -> list[Connection]:
        """Every link the device opened through the proxy, each with the first online state before the next one."""
        links = [lk for lk in self.proxy.links if lk.connect is not None]
        out = []
        for i, link in enumerate(links):
            until = links[i + 1].opened if i + 1 < len(links) else float("inf")
            states = self.observer.states(link.opened)
            out.append(Connection(link, next((s for s in states if s.state and s.state.online and s.at < until), None)))
        return out

    def will_state(self, link: Link) -> StateMessage | None:
        """The Will payload of a link's CONNECT, parsed, or None."""
        c = link.connect
        if c is None or c.will_payload is None:
            return None
        try:
            return StateMessage.model_validate_json(c.will_payload)
        except ValueError:
            return None


def ack_at(seen: Seen) -> float:
    """The device ``at`` of an ack as Unix seconds."""
    assert seen.ack is not None
    return seen.ack.at.timestamp()


def first(seen: list[Seen], status: AckStatus | str, pred: Callable[[Ack], bool] | None = None) -> Seen | None:
    """The first ack with ``status`` (and ``pred``)."""
    for s in seen:
        if s.ack is not None and s.ack.status == status and (pred is None or pred(s.ack)):
            return s
    return None


def now() -> float:
    """Unix time (s)."""
    return time.time()
