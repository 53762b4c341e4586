"""A TCP proxy between the device and the broker: it reads the device's MQTT CONNECT and can cut or stall the link.

Only this device's connection goes through it, so the kit can kill the link (the broker sees the socket die
and publishes the Will), keep it down (new connections are closed at once), or stall it (bytes held, both ways).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConnectInfo:
    """What a device's CONNECT packet said (the password only as present or not)."""

    protocol_level: int
    client_id: str
    username: str | None
    has_password: bool
    clean: bool
    keepalive_s: int
    will_topic: str | None
    will_payload: bytes | None
    will_qos: int
    will_retain: bool

    def describe(self) -> str:
        """One line of evidence."""
        mqtt = {3: "3.1", 4: "3.1.1", 5: "5"}.get(self.protocol_level, f"level {self.protocol_level}")
        will = (
            f"Will on {self.will_topic} qos {self.will_qos} retain {int(self.will_retain)} {self.will_payload!r}"
            if self.will_topic is not None
            else "no Will"
        )
        return (
            f"CONNECT (MQTT {mqtt}): client id {self.client_id!r}, username {self.username!r}, "
            f"password {'given' if self.has_password else 'missing'}, clean {int(self.clean)}, "
            f"keepalive {self.keepalive_s} s; {will}"
        )


class PacketError(ValueError):
    """The bytes are not an MQTT CONNECT the kit can read."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    for i in range(4):
        if pos + i >= len(data):
            raise IndexError("incomplete")
        byte = data[pos + i]
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos + i + 1
        shift += 7
    raise PacketError("remaining length over 4 bytes")


def connect_length(data: bytes) -> int | None:
    """Total bytes of the first packet in ``data``, or None while its header is incomplete."""
    try:
        remaining, body = _varint(data, 1)
    except IndexError:
        return None
    return body + remaining


def parse_connect(packet: bytes) -> ConnectInfo:
    """Read an MQTT 3.1.1 or 5 CONNECT packet; PacketError on anything else."""
    if not packet or packet[0] != 0x10:
        raise PacketError(f"first packet is not CONNECT (type byte {packet[:1].hex() or 'none'})")
    try:
        _, pos = _varint(packet, 1)

        def string(at: int) -> tuple[bytes, int]:
            (n,) = struct.unpack_from("!H", packet, at)
            if at + 2 + n > len(packet):
                raise IndexError("string past the packet end")
            return packet[at + 2 : at + 2 + n], at + 2 + n

        _name, pos = string(pos)
        level, flags = packet[pos], packet[pos + 1]
        (keepalive,) = struct.unpack_from("!H", packet, pos + 2)
        pos += 4
        if level == 5:
            n, pos = _varint(packet, pos)
            pos += n
        client_id, pos = string(pos)
        will_topic = will_payload = None
        if flags & 0x04:
            if level == 5:
                n, pos = _varint(packet, pos)
                pos += n
            will_topic_b, pos = string(pos)
            will_payload, pos = string(pos)
            will_topic = will_topic_b.decode()
        username = None
        if flags & 0x80:
            user_b, pos = string(pos)
            username = user_b.decode()
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise PacketError(f"unreadable CONNECT: {exc}") from None
    return ConnectInfo(
        protocol_level=level, client_id=client_id.decode(errors="replace"), username=username,
        has_password=bool(flags & 0x40), clean=bool(flags & 0x02), keepalive_s=keepalive, will_topic=will_topic,
        will_payload=will_payload, will_qos=(flags >> 3) & 0x03, will_retain=bool(flags & 0x20),
    )  # fmt: skip


@dataclass
class Link:
    """One device connection through the proxy: when it opened and closed, and its CONNECT."""

    opened: float
    connect: ConnectInfo | None = None
    connect_error: str | None = None
    closed: float | None = None
    closed_by_kit: bool = False
    _writers: list[asyncio.StreamWriter] = field(default_factory=list, repr=False)


class LinkProxy:
    """Listens on a free port and forwards each connection to ``upstream``; ``cut``/``restore``/``stall`` it."""

    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream_host, self.upstream_port, self.host = upstream_host, upstream_port, host
        self.port = 0
        self.links: list[Link] = []
        self.refused = 0
        self.down = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Event()
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen on a free port; returns it."""
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        """Stop listening, drop every link and wait for their handlers to end."""
        self.cut(hold=True)
        self._flowing.set()  # a stalled pump wakes up, sees its link closed and ends
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=2)
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    @property
    def live(self) -> Link | None:
        """The newest link still open."""
        return next((lk for lk in reversed(self.links) if lk.closed is None), None)

    def cut(self, *, hold: bool = True) -> int:
        """Abort every open link (no DISCONNECT: the broker publishes the Will); with ``hold``, refuse new ones."""
        self.down = hold
        cut = 0
        for link in self.links:
            if link.closed is None:
                link.closed_by_kit = True
                self._close(link)
                cut += 1
        return cut

    def restore(self) -> None:
        """Accept connections again and let bytes flow."""
        self.down = False
        self._flowing.set()

    def stall(self) -> None:
        """Hold every byte in both directions (a half-open link) until ``restore``."""
        self._flowing.clear()

    async def wait_link(self, after: int, timeout: float) -> Link | None:
        """The first link with index ≥ ``after`` whose CONNECT has been read, or None after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for link in self.links[after:]:
                if link.connect is not None or link.connect_error is not None:
                    return link
            left = deadline - loop.time()
            if left <= 0:
                return None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def _close(self, link: Link) -> None:
        if link.closed is None:
            link.closed = time.time()
        for w in link._writers:
            w.transport.abort()
        self._changed.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            writer.transport.abort()
            return
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        link = Link(opened=time.time(), _writers=[writer])
        self.links.append(link)
        self._changed.set()
        try:
            first = await self._read_connect(reader, link)
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            self._close(link)
            return
        link._writers.append(up_writer)
        if link.closed is not None:  # cut while connecting upstream
            self._close(link)
            return
        up_writer.write(first)
        await asyncio.gather(self._pump(reader, up_writer, link), self._pump(up_reader, writer, link))

    async def _read_connect(self, reader: asyncio.StreamReader, link: Link) -> bytes:
        data = b""
        while (size := connect_length(data)) is None or len(data) < size:
            chunk = await asyncio.wait_for(reader.read(65536), 30)
            if not chunk:
                raise asyncio.IncompleteReadError(data, None)
            data += chunk
        try:
            link.connect = parse_connect(data[:size])
        except PacketError as exc:
            link.connect_error = str(exc)
        self._changed.set()
        return data

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link) -> None:
        try:
            while chunk := await reader.read(65536):
                await self._flowing.wait()
                if link.closed is not None:
                    break
                writer.write(chunk)
                await writer.drain()
        except (OSError, ConnectionError):
            pass
        self._close(link)
