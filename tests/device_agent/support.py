"""Helpers for agent tests: a real HTTP media server, signed commands, an ack watcher on the real broker."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomqtt

from device_agent import Agent, AgentConfig, NullPlayer, parse_broker_url
from protocols import (
    Ack,
    CommandPayload,
    Keyring,
    MediaRef,
    Priority,
    SigningKey,
    Target,
    device_topic,
    parse_message,
    sign_command,
)


class MediaServer:
    """``http.server`` in a thread on a free port serving bytes by path; counts requests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        files, hits = self.files, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits[self.path] = hits.get(self.path, 0) + 1
                data = files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, data: bytes, duration_ms: int = 300, *, claim: bytes | None = None) -> MediaRef:
        """Serve ``data``; the reference describes ``claim`` (default: the same bytes) — to forge a mismatch."""
        path = f"/media/{uuid.uuid4().hex}.mp3"
        self.files[path] = data
        ref = claim if claim is not None else data
        return MediaRef(
            url=self.base + path, sha256=hashlib.sha256(ref).hexdigest(), size=len(ref), duration_ms=duration_ms
        )


@contextmanager
def media_server() -> Iterator[MediaServer]:
    server = MediaServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def new_id(prefix: str = "d") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def agent_config(broker_url: str, key: SigningKey, device_id: str | None = None, **kw: Any) -> AgentConfig:
    """A quick, simulated speaker config against the test broker."""
    addr = parse_broker_url(broker_url)
    kw.setdefault("area_path", ("64", "25087", "01"))
    kw.setdefault("player", NullPlayer())
    kw.setdefault("heartbeat_s", 30)
    kw.setdefault("keepalive_s", 10)
    kw.setdefault("backoff_base_s", 0.1)
    kw.setdefault("backoff_cap_s", 0.5)
    return AgentConfig(
        device_id=device_id or new_id(), password=None, keyring=Keyring({key.kid: key.public_b64()}),
        broker_host=addr.host, broker_port=addr.port, **kw,
    )  # fmt: skip


def command(
    key: SigningKey,
    type_: str,
    body: dict[str, Any],
    *,
    target: Target,
    priority: Priority = Priority.NORMAL,
    lifetime: timedelta = timedelta(minutes=5),
    iat: datetime | None = None,
    cid: str | None = None,
) -> tuple[str, bytes]:
    """(id, envelope bytes) of a signed command."""
    iat = iat or datetime.now(UTC)
    payload = CommandPayload(
        id=cid or new_id("c"), type=type_, iat=iat, exp=iat + lifetime, target=target, priority=priority, body=body
    )
    return payload.id, sign_command(payload, key).model_dump_json().encode()


def play_body(media: MediaRef, **kw: Any) -> dict[str, Any]:
    return {"media": media.model_dump(mode="json"), **kw}


class Watcher:
    """A real MQTT client that records acks and states of devices (``nguon/v1/dev/+/...``)."""

    def __init__(self, broker_url: str) -> None:
        addr = parse_broker_url(broker_url)
        self.client = aiomqtt.Client(addr.host, addr.port, identifier=new_id("watch"))
        self.acks: list[tuple[str, Ack]] = []
        self.states: list[tuple[str, bytes, bool]] = []
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> Watcher:
        await self.client.__aenter__()
        await self.client.subscribe("nguon/v1/dev/+/ack", qos=1)
        await self.client.subscribe("nguon/v1/dev/+/state", qos=1)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.client.__aexit__(None, None, None)

    async def _read(self) -> None:
        async for msg in self.client.messages:
            device = str(msg.topic).split("/")[3]
            payload = bytes(msg.payload)  # type: ignore[arg-type]
            if str(msg.topic).endswith("/ack"):
                self.acks.append((device, parse_message(Ack, payload)))
            else:
                self.states.append((device, payload, bool(msg.retain)))
            self._changed.set()

    def statuses(self, command_id: str, device: str | None = None) -> list[str]:
        return [a.status.value for d, a in self.acks if a.command_id == command_id and device in (None, d)]

    def acks_of(self, command_id: str) -> list[Ack]:
        return [a for _, a in self.acks if a.command_id == command_id]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async def loop() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)

    async def publish(self, topic: str, payload: bytes) -> None:
        await self.client.publish(topic, payload, qos=1)


def cmd_topic(device_id: str) -> str:
    return device_topic(device_id, "cmd")


@asynccontextmanager
async def running(config: AgentConfig) -> AsyncIterator[Agent]:
    """An agent started, connected, and stopped afterwards."""
    agent = Agent(config)
    agent.start()
    try:
        await agent.wait_connected()
        yield agent
    finally:
        await agent.stop()


def me(agent: Agent) -> Target:
    """A target naming just this agent's device."""
    return Target(devices=(agent.device_id,))
