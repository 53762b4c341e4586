"""A lean MQTT 3.1.1 client on one asyncio transport: no threads, one descriptor, no task per connection.

Enough for a device: CONNECT (credentials, clean session, keepalive, Will), SUBSCRIBE at QoS 0/1, PUBLISH at
QoS 0/1 both ways, PINGREQ on keepalive, loss detection. ``freeze()`` and ``abort()`` simulate a device dying.
Ten thousand of these share one event loop (paho needs a thread and ~3 descriptors per client), so the
per-message path is kept lean: packets written while one chunk of input is handled leave in one write (the
ack a command triggers and the command's PUBACK share a segment), and ``publish_nowait`` sends a QoS 1 publish
without a task. A QoS 1 message is acknowledged after its handler ran (as paho does), so the broker sees a
device's answer before the transport-level PUBACK; Mosquitto 2.0 reads one packet per socket per turn of its loop,
so after a fan-out to thousands this puts every device's ack in the broker's first pass over them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from device_agent.exceptions import ConnectionLost, ConnectRefused, MqttError

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14
MAX_PACKET = 256 * 1024

MessageHandler = Callable[[str, bytes, bool], None]
"""Called with (topic, payload, retain) for every message received; must not block."""


@dataclass(frozen=True)
class Will:
    """The Last Will the broker publishes when the connection dies without DISCONNECT."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True)
class BrokerAddress:
    """Host, port and TLS flag of a broker URL."""

    host: str
    port: int
    tls: bool = False


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://host:port`` or ``mqtts://host:port``; ValueError on anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"broker URL must look like mqtt://host:port or mqtts://host:port, got {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return BrokerAddress(parts.hostname, parts.port or (8883 if tls else 1883), tls)


def _varint(n: int) -> bytes:
    if n < 128:  # every PUBACK and most acks: no loop
        return bytes((n,))
    if n < 16384:
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def _packet(kind: int, flags: int, body: bytes) -> bytes:
    return bytes(((kind << 4) | flags,)) + _varint(len(body)) + body


def _puback(pid: int) -> bytes:
    return b"\x40\x02" + pid.to_bytes(2, "big")


class _Link(asyncio.Protocol):
    """Feeds bytes from the transport to the client's packet parser."""

    def __init__(self, client: MqttClient) -> None:
        self.client = client

    def data_received(self, data: bytes) -> None:
        self.client._feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client._lost(f"socket closed ({exc})" if exc else "broker closed the connection")


class MqttClient:
    """One MQTT 3.1.1 connection driven by the running event loop."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        keepalive_s: int = 60,
        will: Will | None = None,
        clean_session: bool = True,
        on_message: MessageHandler | None = None,
        tls: ssl.SSLContext | bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        if not 0 <= keepalive_s <= 65535:
            raise ValueError("keepalive_s must be within 0..65535")
        self.host, self.port, self.client_id = host, port, client_id
        self.username, self.password = username, password
        self.keepalive_s, self.will, self.clean_session = keepalive_s, will, clean_session
        self.on_message = on_message
        self.tls, self.timeout_s = tls, timeout_s
        self.frozen = False
        self._up = False
        self._transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._pending: dict[int, asyncio.Future[bytes]] = {}
        self._deadlines: dict[int, float] = {}
        """``publish_nowait`` ids waiting for PUBACK → monotonic deadline, oldest first (sent in that order)."""
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._corked: list[bytes] | None = None
        self._topics: dict[str, bytes] = {}
        """Topic → its encoded form in a PUBLISH (``publish_nowait``)."""
        self._connack: asyncio.Future[bytes] | None = None
        self._closed: asyncio.Future[MqttError | None] | None = None
        self._next_id = 0
        self._last_sent = 0.0
        self._ping_sent: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._gone: asyncio.Future[None] | None = None

    @property
    def connected(self) -> bool:
        """True between a successful CONNACK and the loss or close of the link."""
        return self._up

    async def connect(self) -> bool:
        """Open the link and wait for CONNACK; returns the session-present flag. ConnectRefused on a bad code."""
        loop = asyncio.get_running_loop()
        self._closed = loop.create_future()
        self._connack = loop.create_future()
        context = (ssl.create_default_context() if self.tls is True else self.tls) or None
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: _Link(self), self.host, self.port, ssl=context), self.timeout_s
            )
        except (OSError, TimeoutError) as exc:
            self._finish(ConnectionLost(f"cannot reach {self.host}:{self.port}: {exc or 'timeout'}"))
            raise ConnectionLost(f"cannot reach {self.host}:{self.port}: {exc or 'timeout'}") from None
        self._transport = transport
        self._send(self._connect_packet())
        try:
            body = await asyncio.wait_for(asyncio.shield(self._connack), self.timeout_s)
        except TimeoutError:
            self.abort()
            raise ConnectionLost("no CONNACK within the timeout") from None
        except MqttError:
            self.abort()
            raise
        if body[1] != 0:
            self._finish(ConnectRefused(body[1], self.client_id))
            self._close_transport()
            raise ConnectRefused(body[1], self.client_id)
        self._up = True
        self._arm_timer()
        return bool(body[0] & 1)

    def _connect_packet(self) -> bytes:
        flags = 0x02 if self.clean_session else 0
        payload = _str(self.client_id)
        if self.will is not None:
            flags |= 0x04 | (self.will.qos << 3) | (0x20 if self.will.retain else 0)
            payload += _str(self.will.topic) + _str(self.will.payload)
        if self.username is not None:
            flags |= 0x80
            payload += _str(self.username)
            if self.password is not None:
                flags |= 0x40
                payload += _str(self.password)
        return _packet(CONNECT, 0, _str("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive_s) + payload)

    async def subscribe(self, topics: Sequence[tuple[str, int]]) -> list[int]:
        """Subscribe and wait for SUBACK; returns granted QoS per topic. MqttError if any is refused."""
        pid = self._packet_id()
        body = struct.pack("!H", pid) + b"".join(_str(t) + bytes([q]) for t, q in topics)
        granted = list((await self._request(pid, _packet(SUBSCRIBE, 0x02, body)))[2:])
        if 0x80 in granted:
            refused = [t for (t, _), g in zip(topics, granted, strict=False) if g == 0x80]
            raise MqttError(f"broker refused subscription to {refused}")
        return granted

    async def publish(self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False) -> None:
        """Publish; at QoS 1 wait for PUBACK (ConnectionLost if the link dies first). Frozen: silently dropped."""
        if qos == 1:
            await self.publish_nowait(topic, payload, retain=retain)
            return
        if qos != 0:
            raise ValueError("this client publishes at QoS 0 or 1")
        if self.frozen:
            return
        if not self.connected:
            raise ConnectionLost("not connected")
        self._send(_packet(PUBLISH, int(retain), _str(topic) + payload))

    def publish_nowait(self, topic: str, payload: bytes, *, retain: bool = False) -> asyncio.Future[bytes]:
        """Send a QoS 1 publish now; the future completes on its PUBACK or fails with ConnectionLost.

        ConnectionLost at once when not connected; frozen: dropped, the future already done. Without PUBACK
        within ``timeout_s`` the link is declared lost (as for every other request).
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()
        if self.frozen:
            fut.set_result(b"")
            return fut
        if not self.connected:
            raise ConnectionLost("not connected")
        pid = self._packet_id()
        name = self._topics.get(topic)
        if name is None:  # an agent publishes on a handful of topics: each encoded once
            name = self._topics[topic] = _str(topic)
        self._send(_packet(PUBLISH, 0x02 | int(retain), name + pid.to_bytes(2, "big") + payload))
        self._pending[pid] = fut
        self._deadlines[pid] = self._last_sent + self.timeout_s
        if self._deadline_timer is None:  # one timer per client for all of them, not one per publish
            self._deadline_timer = loop.call_later(self.timeout_s, self._check_deadlines)
        return fut

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """What is sent inside leaves in one write at the end (inside the handling of input: with its PUBACKs)."""
        if self._corked is not None:
            yield
            return
        self._corked = []
        try:
            yield
        finally:
            self._uncork()

    async def disconnect(self) -> None:
        """Send DISCONNECT (the broker discards the Will) and close."""
        if self._transport is not None and not self.frozen and self.connected:
            self._send(_packet(DISCONNECT, 0, b""))
            self._finish(None)
            self._gone = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):  # let the broker close first, as it does on DISCONNECT
                await asyncio.wait_for(asyncio.shield(self._gone), 1.0)
        self._finish(None)
        self._close_transport()

    def freeze(self) -> None:
        """Stop sending and handling anything, pings included, but keep the socket open (a half-open death)."""
        self.frozen = True
        if self._timer is not None:
            self._timer.cancel()
        if self._transport is not None:
            with contextlib.suppress(Exception):
                self._transport.pause_reading()

    def abort(self) -> None:
        """Drop the socket without DISCONNECT: the broker publishes the Will."""
        self._finish(ConnectionLost("aborted"))
        self._uncork()
        if self._transport is not None:
            self._transport.abort()
            self._transport = None
        if self._timer is not None:
            self._timer.cancel()

    async def wait_closed(self) -> MqttError | None:
        """Wait until the link ends; returns why (None after a clean ``disconnect``)."""
        if self._closed is None:
            return None
        return await asyncio.shield(self._closed)

    # -- internals -----------------------------------------------------------------------------------------

    def _packet_id(self) -> int:
        self._next_id = self._next_id % 65535 + 1
        return self._next_id

    async def _request(self, pid: int, packet: bytes) -> bytes:
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[pid] = fut
        try:
            self._send(packet)
            return await asyncio.wait_for(fut, self.timeout_s)
        except TimeoutError:
            self._lost(f"no acknowledgement for packet {pid} within {self.timeout_s}s")
            raise ConnectionLost(f"no acknowledgement for packet {pid}") from None
        finally:
            self._pending.pop(pid, None)

    def _check_deadlines(self) -> None:
        """Declare the link lost when the oldest unanswered ``publish_nowait`` is past its deadline, else look
        again at the next deadline (a timer per publish cost an arm and a cancel for every ack of a fleet)."""
        self._deadline_timer = None
        for pid, deadline in self._deadlines.items():  # the first is the oldest: PUBACKs remove the answered
            wait = deadline - time.monotonic()
            if wait <= 0:
                self._lost(f"no acknowledgement for packet {pid} within {self.timeout_s}s")  # fails it with the rest
            else:
                self._deadline_timer = asyncio.get_running_loop().call_later(wait, self._check_deadlines)
            return

    def _send(self, data: bytes) -> None:
        if self.frozen:
            return
        if self._transport is None or self._transport.is_closing():
            raise ConnectionLost("not connected")
        if self._corked is not None:
            self._corked.append(data)
        else:
            self._transport.write(data)
        self._last_sent = time.monotonic()

    def _uncork(self) -> None:
        """Write what was queued while a chunk of input was handled, in one go."""
        out, self._corked = self._corked, None
        if out and not self.frozen and self._transport is not None and not self._transport.is_closing():
            self._transport.write(out[0] if len(out) == 1 else b"".join(out))

    def _arm_timer(self) -> None:
        if self.keepalive_s and not self.frozen:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(min(self.keepalive_s * 0.5, 30), self._tick)

    def _tick(self) -> None:
        """Keepalive: ping when idle for 3/4 of the period; lost when a ping stays unanswered."""
        if self.frozen or not self.connected:
            return
        now = time.monotonic()
        grace = min(self.keepalive_s, max(self.timeout_s, 1.0))
        if self._ping_sent is not None and now - self._ping_sent > grace:
            self._lost("no PINGRESP from the broker")
            return
        if self._ping_sent is None and now - self._last_sent >= self.keepalive_s * 0.75:
            try:
                self._send(_packet(PINGREQ, 0, b""))
            except ConnectionLost:  # the transport is closing and its loss not yet reported: report it now
                self._lost("the link closed before a keepalive ping")
                return
            self._ping_sent = now
        self._timer = asyncio.get_running_loop().call_later(min(self.keepalive_s * 0.25, 15), self._tick)

    def _feed(self, data: bytes) -> None:
        self._buf += data
        self._corked = []
        try:
            self._parse()
        finally:
            self._uncork()

    def _parse(self) -> None:
        while not self.frozen:
            buf = self._buf
            if len(buf) < 2:
                return
            length, mult, i = 0, 1, 1
            while True:
                if i >= len(buf):
                    return
                length += (buf[i] & 0x7F) * mult
                if not buf[i] & 0x80:
                    break
                mult *= 128
                i += 1
                if i > 4:
                    self._lost("malformed remaining length")
                    return
            if length > MAX_PACKET:
                self._lost(f"packet of {length} bytes is over the {MAX_PACKET}-byte limit")
                return
            end = i + 1 + length
            if len(buf) < end:
                return
            header, body = buf[0], bytes(buf[i + 1 : end])
            del buf[:end]
            try:
                self._handle(header, body)
            except (IndexError, struct.error, UnicodeDecodeError, ValueError) as exc:
                self._lost(f"malformed packet: {exc}")
                return

    def _handle(self, header: int, body: bytes) -> None:
        kind = header >> 4
        if kind == PUBLISH:
            qos, retain = (header >> 1) & 3, bool(header & 1)
            (tlen,) = struct.unpack_from("!H", body)
            topic = body[2 : 2 + tlen].decode()
            pos = 2 + tlen
            if qos not in (0, 1):
                raise ValueError("QoS 2 delivery from the broker (we subscribe at QoS 0/1 only)")
            if qos == 1:
                (pid,) = struct.unpack_from("!H", body, pos)
                pos += 2
            try:
                if self.on_message is not None:
                    self.on_message(topic, body[pos:], retain)
            finally:
                if qos == 1:  # acknowledged once handled, as paho does: what it sent in reply goes first
                    self._send(_puback(pid))
        elif kind == CONNACK:
            if self._connack is not None and not self._connack.done():
                self._connack.set_result(body)
        elif kind in (PUBACK, SUBACK, UNSUBACK):
            (pid,) = struct.unpack_from("!H", body)
            fut = self._pending.get(pid)
            if self._deadlines.pop(pid, None) is not None:  # a publish_nowait: nobody else removes it
                del self._pending[pid]
            if fut is not None and not fut.done():
                fut.set_result(body)
        elif kind == PINGRESP:
            self._ping_sent = None
        else:
            raise ValueError(f"unexpected packet type {kind}")

    def _lost(self, reason: str) -> None:
        if self._gone is not None and not self._gone.done():
            self._gone.set_result(None)
        if self._closed is not None and not self._closed.done():
            self._finish(ConnectionLost(reason))
            self._close_transport()

    def _finish(self, error: MqttError | None) -> None:
        self._up = False
        if self._timer is not None:
            self._timer.cancel()
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(error)
        exc = error or ConnectionLost("closed")
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(exc)
            self._connack.exception()  # mark retrieved: connect() may have gone already
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None
        self._deadlines.clear()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
        self._pending.clear()

    def _close_transport(self) -> None:
        self._uncork()
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
