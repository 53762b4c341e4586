"""One outbox, one lane per transport: a stuck endpoint of one transport never delays another; rows survive restarts."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiomqtt
import pytest
from sqlalchemy import select

from device_agent.mqtt import parse_broker_url
from protocols import Keyring, Priority, Target, open_envelope
from source_server.dispatch.models import OutboxMessage
from source_server.dispatch.outbox import LanePolicy, Sent, enqueue
from source_server.dispatch.service import create_broadcast
from source_server.dispatch.tasks import Dispatcher
from source_server.dispatch.transports import HttpTransport
from source_server.metrics import OUTBOX_FAILURES, OUTBOX_PENDING, OUTBOX_SENT
from source_server.mqtt import MqttClient
from tests.dispatch.helpers import RecordingPublisher

ON_TIME_S = 1.0
"""An emergency leaves the house well within this (alone, it takes a few tens of milliseconds)."""


class SilentServer:
    """A TCP endpoint that accepts connections, reads what it is sent and never answers (a hung gateway)."""

    def __init__(self) -> None:
        self.connections = 0
        self.received = b""
        self.connected = asyncio.Event()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        self.connected.set()
        while chunk := await reader.read(65536):
            self.received += chunk

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()


class Gateway:
    """A real HTTP server in a thread: records each POST (path, body, idempotency key); fails the first ``fail``."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.requests: list[tuple[str, bytes, str | None]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if gateway.fail > 0:
                    gateway.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                gateway.requests.append((self.path, body, self.headers.get("Idempotency-Key")))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/lgsp"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def free_url() -> Iterator[str]:
    """An address nothing listens on (connection refused)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    server.server_close()
    yield url


@pytest.fixture
async def device(broker_url: str) -> AsyncIterator[aiomqtt.Client]:
    """A subscriber on the province's command topic, as every speaker of province 64 is."""
    url = parse_broker_url(broker_url)  # the configured broker, its own port
    async with aiomqtt.Client(url.host, url.port, identifier="test-dev-outbox") as client:
        await client.subscribe("nguon/v1/area/64/cmd", qos=1)
        yield client


def _report(db, n: int, transport: str = "central") -> None:
    with db.begin() as s:
        for i in range(n):
            enqueue(s, transport=transport, topic=f"reports/{i}", payload=json.dumps({"report": i}))


def _rows(db, transport: str) -> list[OutboxMessage]:
    with db() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.transport == transport).order_by("id")))


@pytest.mark.broker
async def test_an_emergency_over_mqtt_is_not_delayed_by_a_stuck_transport(
    db, settings, signer, store, media, fleet, broker_url, device
) -> None:
    mqtt = MqttClient(url=broker_url, username=None, password=None, handler=lambda *a: None,
                      on_connection=lambda c: None)  # fmt: skip
    await mqtt.start()
    assert await mqtt.wait_connected(5)
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=mqtt, signer=signer, media=store)
    _report(db, 3)  # older than the emergency: a single queue would send them first
    async with SilentServer() as server:
        dispatcher.register(HttpTransport("central", server.url, timeout_s=60), LanePolicy(stop_grace_s=0.1))
        await dispatcher.start()
        try:
            async with asyncio.timeout(5):
                await server.connected.wait()  # the central lane is now inside a request that never ends
            with db.begin() as s:
                command = create_broadcast(s, settings=settings, signer=signer, media=media, target=Target(area=("64",)),
                                           priority=Priority.EMERGENCY, actor="op", title="Lũ quét")  # fmt: skip
            started = time.monotonic()
            dispatcher.wake()
            async with asyncio.timeout(5):
                message = await anext(device.messages)
            took = time.monotonic() - started
            pending = OUTBOX_PENDING.labels("central")._value.get()
        finally:
            await dispatcher.stop()
            await mqtt.stop()
    assert str(message.topic) == "nguon/v1/area/64/cmd"
    received = open_envelope(message.payload, Keyring({"k1": signer.public_b64()}))  # type: ignore[arg-type]
    assert received.id == command.id and received.priority is Priority.EMERGENCY
    assert took < ON_TIME_S, f"the emergency took {took:.2f} s to reach the device"
    assert server.connections == 1 and b"POST /reports/0" in server.received, "the central lane was stuck meanwhile"
    assert pending == 3
    assert all(r.sent_at is not None for r in _rows(db, "mqtt"))
    central = _rows(db, "central")
    assert [r.sent_at for r in central] == [None, None, None], "nothing of the stuck transport counts as sent"


async def test_http_lane_posts_in_order_with_idempotency_keys_and_retries_failures(db, settings, signer, store) -> None:
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    sent_before = OUTBOX_SENT.labels("central")._value.get()
    failed_before = OUTBOX_FAILURES.labels("central")._value.get()
    with Gateway(fail=2) as gateway:
        dispatcher.register(HttpTransport("central", gateway.url), LanePolicy(max_backoff_s=0.1))
        _report(db, 3)
        await dispatcher.start()
        try:
            async with asyncio.timeout(5):
                while len(gateway.requests) < 3:
                    await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)  # let the lane record what it sent
        finally:
            await dispatcher.stop()
    rows = _rows(db, "central")
    assert [(p, json.loads(b)) for p, b, _ in gateway.requests] == [
        (f"/lgsp/reports/{i}", {"report": i}) for i in range(3)
    ]
    assert [key for *_, key in gateway.requests] == [f"central-{r.id}" for r in rows]
    assert all(r.sent_at is not None for r in rows)
    assert rows[0].attempts == 3 and rows[0].last_error == f"HTTP 503 from {gateway.url}/reports/0: busy"
    assert [r.attempts for r in rows[1:]] == [1, 1]
    assert OUTBOX_SENT.labels("central")._value.get() - sent_before == 3
    assert OUTBOX_FAILURES.labels("central")._value.get() - failed_before == 2


async def test_a_restart_resumes_each_lane_where_it_stopped(
    db, settings, signer, store, media, fleet, free_url
) -> None:
    mqtt = RecordingPublisher(connected=False)
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=mqtt, signer=signer, media=store, max_backoff_s=0.1)
    dispatcher.register(HttpTransport("central", free_url), LanePolicy(max_backoff_s=0.1))
    _report(db, 2)
    with db.begin() as s:
        create_broadcast(s, settings=settings, signer=signer, media=media, target=Target(area=("64", "C1")), actor="op")
    await dispatcher.start()
    await asyncio.sleep(0.3)  # both lanes fail: broker down, gateway refusing connections
    await dispatcher.stop()
    for transport in ("mqtt", "central"):
        rows = _rows(db, transport)
        assert rows and all(r.sent_at is None for r in rows), transport
        assert rows[0].attempts >= 1 and rows[0].last_error, transport
    assert "ConnectError" in (_rows(db, "central")[0].last_error or "")

    with Gateway() as gateway:
        mqtt = RecordingPublisher()
        restarted = Dispatcher(sessions=db, settings=settings, mqtt=mqtt, signer=signer, media=store)
        restarted.register(HttpTransport("central", gateway.url))
        await restarted.start()
        try:
            await mqtt.wait_for(1)
            async with asyncio.timeout(5):
                while len(gateway.requests) < 2:
                    await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
        finally:
            await restarted.stop()
    assert [t for t, *_ in mqtt.published] == ["nguon/v1/area/64/C1/cmd"]
    assert [p for p, *_ in gateway.requests] == ["/lgsp/reports/0", "/lgsp/reports/1"]
    assert all(r.sent_at is not None for t in ("mqtt", "central") for r in _rows(db, t))


async def test_rows_of_a_transport_nobody_registered_wait_without_blocking_mqtt(
    db, settings, signer, store, media, fleet
) -> None:
    _report(db, 1, transport="central")
    with db.begin() as s:
        create_broadcast(s, settings=settings, signer=signer, media=media, target=Target(area=("64", "C2")), actor="op")
    mqtt = RecordingPublisher()
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=mqtt, signer=signer, media=store)
    await dispatcher.start()
    try:
        await mqtt.wait_for(1)
        dispatcher.wake("central")  # no such lane: nothing happens
    finally:
        await dispatcher.stop()
    assert [t for t, *_ in mqtt.published] == ["nguon/v1/area/64/C2/cmd"]
    assert [(r.topic, r.sent_at, r.attempts) for r in _rows(db, "central")] == [("reports/0", None, 0)]


class Stuck:
    """A transport whose sends never end: the lane's own timeout gives the batch up and retries it."""

    name = "stuck"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, rows: object) -> Sent:
        self.calls += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pass


async def test_a_send_past_the_lane_timeout_counts_as_failed(db, settings, signer, store) -> None:
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    stuck = Stuck()
    dispatcher.register(stuck, LanePolicy(send_timeout_s=0.05, max_backoff_s=0.05))
    _report(db, 1, transport="stuck")
    await dispatcher.start()
    try:
        async with asyncio.timeout(5):
            while stuck.calls < 2:
                await asyncio.sleep(0.02)
    finally:
        await dispatcher.stop()
    (row,) = _rows(db, "stuck")
    assert row.sent_at is None and row.attempts >= 1 and row.last_error == "no answer within 0.05 s"


async def test_transport_names_are_checked_and_registered_once(db, settings, signer, store) -> None:
    dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    assert list(dispatcher.lanes) == ["mqtt"]
    with pytest.raises(ValueError, match="already registered"):
        dispatcher.register(HttpTransport("mqtt", "http://127.0.0.1:1"))
    with pytest.raises(ValueError, match="bad transport name 'Central!'"):
        HttpTransport("Central!", "http://127.0.0.1:1")
    with db.begin() as s, pytest.raises(ValueError, match="bad transport name ''"):
        enqueue(s, transport="", topic="x", payload="{}")
