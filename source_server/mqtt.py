"""The server's MQTT client: aiomqtt (paho driven by the asyncio loop), reconnecting forever.

One connection carries everything: the retained ``server/state`` (a Will says offline, the first
publish after connecting says online), QoS 1 subscriptions to every device's state, telemetry and
ack (shared with ``$share/<group>/`` between replicas when a group is set) and every publish.

Sizing for a province (10,000+ devices): incoming messages queue in memory up to
``MAX_QUEUED_IN`` (the handler is sync and fast, so the queue only holds bursts such as the
retained states delivered on subscribe); up to ``MAX_INFLIGHT`` QoS 1 publishes are in flight at
once and further ``publish`` calls wait their turn (aiomqtt's bookkeeping is linear in the number
of pending calls, so it must stay bounded). Without a ``client_id`` the session is clean (a random
id; messages sent while we are away are lost, retained states are re-read on subscribe); with one,
the broker keeps the session and queues QoS 1 messages while the server is away.
Note: brokers do not deliver retained messages on shared subscriptions (MQTT 5, 4.8.2), so with a
shared group a restarted server learns presence from its table and the next heartbeats.

Two topics only the server uses, both subscribed without ``$share``:

* ``server/fence/<client id>``: presence fences (:mod:`source_server.fleet.presence`, rule 3). ``send_fence(n)``
  publishes ``<token>:<n>`` at QoS 1; when it comes back through the broker, in order with the device messages,
  ``on_fence(n)`` is called. The token is this process's, so fences of an earlier process are ignored.
* ``server/state``: the server's own retained presence. A message there that is not the server's own (someone
  published PROTOCOL.md's example over it, or a stale copy) is answered by publishing the true state again,
  counted in ``nguon_server_state_reasserted_total``. With a shared group (replicas), another replica's newer
  ``online`` state of the same version is left alone, so replicas do not overwrite each other forever.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import socket
import ssl
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiomqtt

from protocols import SERVER_DEVICE_FILTERS, SERVER_STATE_TOPIC, PayloadError, ServerState, dump, parse_message, shared
from protocols.topics import ROOT
from source_server import __version__
from source_server.db import utcnow
from source_server.metrics import MQTT_CONNECTED, MQTT_OUT, SERVER_STATE_REASSERTED

log = logging.getLogger(__name__)

MAX_QUEUED_IN = 100_000
MAX_INFLIGHT = 500
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0
PUBLISH_TIMEOUT_S = 10.0
KEEPALIVE_S = 30
READ_BATCH = 256
"""Most whole packets read from the socket in one wake-up of the event loop."""
FENCE_ROOT = f"{ROOT}/server/fence"
REASSERT_EVERY_S = 1.0
"""At most one re-assertion of ``server/state`` per this many seconds (a flood of foreign states is one answer)."""
MATCHED_TOPICS_MAX = 200_000
"""Most topics whose match against the subscriptions is remembered (three per device; forgotten all at once)."""
WRITE_BATCH = 64 * 1024
"""Most bytes of queued packets joined into one socket send."""
RECV_BUFFER = 64 * 1024
"""Most bytes taken from the socket in one ``recv`` (paho's reads are then served from them)."""


class MqttNotConnected(ConnectionError):
    """The server is not connected to the broker (or lost it while publishing): nothing was sent for sure."""


def parse_broker_url(url: str) -> tuple[str, int, bool]:
    """Host, port and TLS flag of ``mqtt://host:port`` or ``mqtts://host:port``; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"not an MQTT broker URL: {url!r} (expected mqtt://host:port or mqtts://host:port)")
    tls = parts.scheme in ("mqtts", "ssl")
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


def subscription_qos(filter_: str) -> int:
    """QoS 1 for acks (delivery truth: queued while we are away); QoS 0 for state and telemetry.

    State is retained (re-read on every subscribe) and telemetry is a heartbeat, so neither needs the
    broker to queue it; QoS 0 spares one PUBACK per message, which halves the server's socket writes in
    a presence burst (measured: 10,000 states, 2.2 s → see bench/README.md).
    """
    return 1 if filter_.endswith("/ack") else 0


def topic_matcher(filters: tuple[str, ...] | list[str]) -> Callable[[str], bool]:
    """A fast test of a topic against MQTT filters (``+``, ``#``), called on every message in a burst.

    aiomqtt's ``Topic.matches`` builds objects and recurses per call: a tenth of the server's CPU per ack.
    """
    compiled = []
    for f in filters:
        levels = f.split("/")
        multi = levels[-1] == "#"
        fixed = tuple((i, level) for i, level in enumerate(levels) if level not in ("+", "#"))
        compiled.append((len(levels) - 1 if multi else len(levels), multi, fixed))

    def match(topic: str) -> bool:
        parts = topic.split("/")
        n = len(parts)
        for size, multi, fixed in compiled:
            if (n >= size if multi else n == size) and all(parts[i] == level for i, level in fixed):
                return True
        return False

    seen: dict[str, bool] = {}

    def matches(topic: str) -> bool:
        hit = seen.get(topic)  # a fleet's topics repeat: three per device
        if hit is None:
            if len(seen) >= MATCHED_TOPICS_MAX:
                seen.clear()
            hit = seen[topic] = match(topic)
        return hit

    return matches


_subscribed = topic_matcher(SERVER_DEVICE_FILTERS)


def message_type(topic: str) -> str:
    """The metrics label of a topic: its last segment (``cmd``, ``state``...)."""
    return topic.rsplit("/", 1)[-1]


class _FastClient(aiomqtt.Client):
    """aiomqtt with a leaner receive path for message storms (10,000 acks after a province broadcast).

    * Each message goes from paho's callback straight to ``deliver``, on the event loop's thread as before
      (aiomqtt drives paho from the loop). aiomqtt's own path wraps it in new objects, queues it and wakes a
      task per message through ``asyncio.wait``: the larger part of the server's CPU per ack.
    * On a plain TCP socket, one wake-up reads every whole packet already received (up to ``READ_BATCH``)
      instead of one: paho's ``loop_read`` takes one packet a call, so a burst cost one turn of the event loop
      per message, and a turn waits for the GIL whenever a database thread is busy.
    Messages that arrive before ``start_delivering`` (retained states right after SUBSCRIBE) wait, in order,
    as they did in aiomqtt's queue. If a later aiomqtt stops calling these hooks, messages still arrive through
    ``messages`` (just slower).
    """

    def __init__(self, *args: Any, deliver: Callable[[str, bytes, bool], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deliver_now = deliver
        self._early: list[tuple[str, bytes, bool]] | None = []

    def start_delivering(self) -> None:
        """Hand over the messages that arrived so far, then every next one as it arrives."""
        early, self._early = self._early, None
        for topic, payload, retain in early or ():
            self._deliver_now(topic, payload, retain)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            log.debug("dropping a message with a topic that is not UTF-8")
            return
        if self._early is None:
            self._deliver_now(topic, message.payload, bool(message.retain))
        elif len(self._early) < MAX_QUEUED_IN:
            self._early.append((topic, message.payload, bool(message.retain)))
        else:
            log.warning("incoming queue full before delivery started; discarding a message on %s", topic)

    def _on_socket_open(self, client: Any, userdata: Any, sock: Any) -> None:
        super()._on_socket_open(client, userdata, sock)
        if isinstance(sock, ssl.SSLSocket) or not isinstance(sock, socket.socket):
            return  # TLS: aiomqtt's reader already drains what the TLS layer holds

        reads = _BufferedReads(sock)
        if "_sock_recv" not in vars(client):  # once per paho client (it opens a socket per reconnection)
            client._sock_recv = _buffered_recv(client, client._sock_recv)
        client._nguon_reads = reads

        def read_all() -> None:
            if client.socket() is not sock:
                return  # a rescheduled read of a link that has since closed
            try:
                for _ in range(READ_BATCH):
                    reads.drained = False
                    client.loop_read()
                    if client.socket() is not sock:
                        return
                    if reads.drained:  # the socket had nothing more: the next readable event brings the rest
                        return
                if reads.buffered:  # whole packets left in our buffer: the socket will not wake us for them
                    self._loop.call_soon(read_all)
            except Exception as exc:
                if not self._disconnected.done():
                    self._disconnected.set_exception(exc)

        # registered after aiomqtt's own reader (same thread-safe queue), so it replaces it
        self._loop.call_soon_threadsafe(self._loop.add_reader, sock.fileno(), read_all)
        if "_packet_write" not in vars(client):  # once per paho client (it opens a socket per reconnection)
            client._packet_write = _joining_writes(client)


class _BufferedReads:
    """What was received on one plain socket and not yet taken by paho (see ``_buffered_recv``)."""

    __slots__ = ("data", "drained", "fills", "pos", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.data = b""
        self.pos = 0
        self.drained = False
        """The last read found the socket empty (it would block)."""
        self.fills = 0
        """``recv`` calls made on the socket."""

    @property
    def buffered(self) -> int:
        return len(self.data) - self.pos

    def recv(self, size: int) -> bytes:
        """Up to ``size`` bytes: from the buffer, else from one ``recv`` of up to ``RECV_BUFFER`` bytes."""
        if self.pos >= len(self.data):
            self.fills += 1
            try:
                self.data, self.pos = self.sock.recv(max(size, RECV_BUFFER)), 0
            except BlockingIOError:
                self.drained = True
                raise
            if not self.data:
                return b""  # closed by the broker
        start, self.pos = self.pos, min(len(self.data), self.pos + size)
        return self.data[start : self.pos]


def _buffered_recv(client: Any, plain: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """paho's ``_sock_recv`` served from one large ``recv`` per wake-up instead of one system call per field.

    paho reads a packet as its first byte, each byte of its length, then its body: four calls per ack, plus one to see
    whether more is waiting (80,000 system calls for a 20,000-ack emergency). On a plain socket (``_BufferedReads``
    of the current connection) each call now takes its bytes from what one ``recv`` brought; anything else (TLS,
    a socket opened before the hook) goes to paho's own.
    """

    def recv(size: int) -> bytes:
        reads = getattr(client, "_nguon_reads", None)
        sock = client._sock
        if reads is None or sock is None or reads.sock is not sock:
            return plain(size)
        return reads.recv(size)  # type: ignore[no-any-return]

    return recv


_PUBLISH, _DISCONNECT = 0x30, 0xE0


def _joining_writes(client: Any) -> Callable[[], Any]:
    """paho's ``_packet_write`` sending runs of queued packets in one ``send`` instead of one each.

    After a burst of 256 acks read in one wake-up, paho queued 256 PUBACKs and sent them with 256 syscalls. Packets
    paho acts on once written (QoS 0 PUBLISH, DISCONNECT) and a partly written one are left as they are; the others
    (PUBACK, QoS 1 PUBLISH, PINGREQ...) need nothing once written, so a run of them leaves as one joined packet.
    """
    write = client._packet_write

    def joined() -> Any:
        try:
            _join_queued(client._out_packet)
        except (AttributeError, KeyError, TypeError):  # paho's internals are not the ones this was written for
            log.warning("paho's packet queue is not as expected; sending its packets one by one from now on")
            client._packet_write = write
        return write()

    return joined


def _join_queued(queue: Any) -> None:
    """Replace runs of plain queued packets in paho's ``_out_packet`` by one joined packet each (in place, at the end:
    a queue that is not as expected raises before anything is changed)."""
    if len(queue) < 2:
        return
    merged: list[Any] = []
    run: list[Any] = []
    size = 0
    for packet in queue:
        command = packet["command"] & 0xF0
        plain = packet["pos"] == 0 and command != _DISCONNECT and (command != _PUBLISH or packet["qos"] > 0)
        if plain and size + packet["to_process"] <= WRITE_BATCH:
            run.append(packet)
            size += packet["to_process"]
            continue
        _flush_run(run, merged)
        run, size = ([packet], packet["to_process"]) if plain else ([], 0)
        if not plain:
            merged.append(packet)
    _flush_run(run, merged)
    if len(merged) < len(queue):
        queue.clear()
        queue.extend(merged)


def _flush_run(run: list[Any], merged: list[Any]) -> None:
    if len(run) == 1:
        merged.append(run[0])
    elif run:
        data = b"".join(p["packet"] for p in run)
        last = run[-1]
        merged.append({**last, "info": None, "pos": 0, "to_process": len(data), "packet": data})


class MqttClient:
    """A long-lived connection to the broker with a Will, subscriptions and reconnection with backoff."""

    def __init__(
        self,
        *,
        url: str,
        username: str | None,
        password: str | None,
        handler: Callable[[str, bytes, bool], None],
        on_connection: Callable[[bool], None],
        shared_group: str | None = None,
        client_id: str | None = None,
        on_fence: Callable[[int], None] | None = None,
    ) -> None:
        self.host, self.port, self.tls = parse_broker_url(url)
        self.username = username
        self.password = password
        self.handler = handler
        self.on_connection = on_connection
        self.shared_group = shared_group
        self.persistent = client_id is not None
        self.client_id = client_id or f"nguon-server-{uuid.uuid4().hex[:12]}"
        self.filters = [shared(f, shared_group) if shared_group else f for f in SERVER_DEVICE_FILTERS]
        self.on_fence = on_fence
        self.fence_topic = f"{FENCE_ROOT}/{self.client_id}"
        self._token = uuid.uuid4().hex[:12]
        self._state_payload: bytes | None = None
        """The last ``server/state`` this process published (retained): anything else there is foreign."""
        self._state_seen = False
        """Our own state came back on this link: what arrives after it is news, not the value from before."""
        self._own_states: collections.deque[bytes] = collections.deque(maxlen=16)
        """Every state this process published or left as a Will: a late copy of one (our Will, queued in our persistent
        session by a broker that stopped) is old news of ours, not someone else's."""
        self._foreign_state = False
        self._reasserting: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = False
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._connected_event = asyncio.Event()

    async def start(self) -> None:
        """Spawn the connection loop and return at once (use ``wait_connected`` to wait)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="mqtt-client")

    async def stop(self) -> None:
        """Say ``server/state`` offline (retained), disconnect cleanly and end the loop."""
        self._stopping = True
        client = self._client
        if client is not None and self.connected:
            with contextlib.suppress(aiomqtt.MqttError, asyncio.TimeoutError):
                await client.publish(SERVER_STATE_TOPIC, self._state(False), qos=1, retain=True, timeout=2)
                MQTT_OUT.labels(message_type(SERVER_STATE_TOPIC)).inc()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        helpers = [t for t in (*self._tasks, self._reasserting) if t is not None and not t.done()]
        for t in helpers:
            t.cancel()
        for t in helpers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        """Publish and wait for the broker's acknowledgement (QoS 1); MqttNotConnected when down."""
        client = self._client
        if client is None or not self.connected:
            raise MqttNotConnected(f"not connected to the broker at {self.host}:{self.port}")
        try:
            await client.publish(topic, payload, qos=qos, retain=retain, timeout=PUBLISH_TIMEOUT_S)
        except aiomqtt.MqttError as exc:
            raise MqttNotConnected(f"publish to {topic} failed: {exc}") from exc
        MQTT_OUT.labels(message_type(topic)).inc()

    async def wait_connected(self, timeout: float) -> bool:
        """True once connected and subscribed, False if that does not happen within ``timeout`` seconds."""
        if self.connected:
            return True
        try:
            await asyncio.wait_for(self._connected_event.wait(), timeout)
        except TimeoutError:
            return False
        return self.connected

    def send_fence(self, number: int) -> None:
        """Publish fence ``number`` to our own fence topic (QoS 1); nothing when not connected (it never returns)."""
        if not self.connected or self._client is None:
            return
        payload = f"{self._token}:{number}".encode()
        self._spawn(self._publish_quietly(self.fence_topic, payload, retain=False, label="fence"))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_quietly(self, topic: str, payload: bytes, *, retain: bool, label: str) -> None:
        client = self._client
        if client is None or not self.connected:
            return
        try:
            await client.publish(topic, payload, qos=1, retain=retain, timeout=PUBLISH_TIMEOUT_S)
        except aiomqtt.MqttError as exc:
            log.debug("publish on %s lost with the link: %s", topic, exc)
            return
        MQTT_OUT.labels(label).inc()

    def _state(self, online: bool, *, will: bool = False) -> bytes:
        payload = dump(ServerState(online=online, at=utcnow(), version=__version__))
        self._own_states.append(payload)
        if not will:
            self._state_payload = payload
        return payload

    def _is_peer_state(self, payload: bytes) -> bool:
        """Another replica's newer ``online`` state (only with a shared group): true too, so left alone."""
        if self.shared_group is None or self._state_payload is None:
            return False
        try:
            theirs = parse_message(ServerState, payload)
            ours = parse_message(ServerState, self._state_payload)
        except PayloadError:
            return False
        return theirs.online and ours.online and theirs.version == ours.version and theirs.at >= ours.at

    def _on_server_state(self, payload: bytes) -> None:
        """Re-assert our retained state when a foreign one is seen on ``server/state``."""
        if payload == self._state_payload:
            self._state_seen = True
            return
        if not self._state_seen or self._stopping or payload in self._own_states or self._is_peer_state(payload):
            return  # the retained value from before our own publish on this link, or a replica's
        SERVER_STATE_REASSERTED.inc()
        log.warning("foreign message on %s (%r): publishing the server's own state again", SERVER_STATE_TOPIC,
                    payload[:200])  # fmt: skip
        self._foreign_state = True
        if self._reasserting is None or self._reasserting.done():
            self._reasserting = asyncio.get_running_loop().create_task(self._reassert())

    async def _reassert(self) -> None:
        while self._foreign_state and self.connected and not self._stopping:
            self._foreign_state = False
            await self._publish_quietly(SERVER_STATE_TOPIC, self._state(True), retain=True, label="state")
            await asyncio.sleep(REASSERT_EVERY_S)

    def _make_client(self) -> _FastClient:
        client = _FastClient(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=self.client_id,
            will=aiomqtt.Will(SERVER_STATE_TOPIC, self._state(False, will=True), qos=1, retain=True),
            clean_session=not self.persistent,
            keepalive=KEEPALIVE_S,
            timeout=PUBLISH_TIMEOUT_S,
            max_queued_incoming_messages=MAX_QUEUED_IN,
            max_inflight_messages=MAX_INFLIGHT,
            max_concurrent_outgoing_calls=MAX_INFLIGHT,
            tls_context=ssl.create_default_context() if self.tls else None,
            deliver=self._deliver_raw,
        )
        client.pending_calls_threshold = MAX_INFLIGHT + 10
        return client

    def _set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        MQTT_CONNECTED.set(1 if connected else 0)
        if connected:
            self._connected_event.set()
        else:
            self._connected_event.clear()
        try:
            self.on_connection(connected)
        except Exception:
            log.exception("on_connection callback failed")

    async def _run(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stopping:
            try:
                client = self._make_client()
                async with client:
                    self._client = client
                    self._state_seen = False
                    own = [(self.fence_topic, 1), (SERVER_STATE_TOPIC, 1)]
                    await client.subscribe([(f, subscription_qos(f)) for f in self.filters] + own)
                    await client.publish(SERVER_STATE_TOPIC, self._state(True), qos=1, retain=True)
                    MQTT_OUT.labels(message_type(SERVER_STATE_TOPIC)).inc()
                    log.info("connected to MQTT broker %s:%s as %s", self.host, self.port, self.client_id)
                    self._set_connected(True)
                    client.start_delivering()
                    backoff = BACKOFF_MIN_S
                    async for message in client.messages:
                        self._deliver(message)
            except aiomqtt.MqttError as exc:
                if not self._stopping:
                    log.warning("MQTT connection to %s:%s lost or refused: %s", self.host, self.port, exc)
            finally:
                self._client = None
                self._set_connected(False)
            if self._stopping:
                break
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def _deliver(self, message: aiomqtt.Message) -> None:
        payload = message.payload
        if isinstance(payload, str):
            payload = payload.encode()
        elif not isinstance(payload, bytes | bytearray):
            payload = b"" if payload is None else str(payload).encode()
        self._deliver_raw(message.topic.value, bytes(payload), bool(message.retain))

    def _deliver_raw(self, topic: str, payload: bytes, retain: bool) -> None:
        if topic == self.fence_topic:
            token, _, number = payload.decode(errors="replace").partition(":")
            if token == self._token and number.isdigit() and self.on_fence is not None:
                try:
                    self.on_fence(int(number))
                except Exception:
                    log.exception("fence handler failed")
            return
        if topic == SERVER_STATE_TOPIC:
            self._on_server_state(payload)
            return
        if not _subscribed(topic):
            # Some brokers (amqtt) deliver beyond the filters; never hand the handler a topic we did not ask for.
            log.debug("dropping a message on unsubscribed topic %s", topic)
            return
        try:
            self.handler(topic, payload, retain)
        except Exception:
            log.exception("handler failed on a message on %s", topic)
