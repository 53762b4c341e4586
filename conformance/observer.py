"""The kit's MQTT side: it records everything the device publishes and publishes commands, as the server would."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiomqtt
from pydantic import BaseModel

from protocols import Ack, PayloadError, StateMessage, Telemetry, device_topic, parse_message

_MODELS: dict[str, type[BaseModel]] = {"state": StateMessage, "telemetry": Telemetry, "ack": Ack}


@dataclass(frozen=True)
class Seen:
    """One message from the device, with the kit's receive time (Unix seconds) and what it parsed to."""

    channel: str
    raw: bytes
    at: float
    retain: bool
    message: BaseModel | None
    error: str | None = None

    @property
    def ack(self) -> Ack | None:
        """The ack, when this is a valid one."""
        return self.message if isinstance(self.message, Ack) else None

    @property
    def state(self) -> StateMessage | None:
        """The state message, when this is a valid one."""
        return self.message if isinstance(self.message, StateMessage) else None


class Observer:
    """Subscribed to ``dev/{id}/state|telemetry|ack`` for the whole run; every message lands in ``seen``."""

    def __init__(self, *, host: str, port: int, username: str | None, password: str | None, device_id: str) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.device_id = device_id
        self.seen: list[Seen] = []
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    def _new_client(self, role: str) -> aiomqtt.Client:
        return aiomqtt.Client(
            self.host, self.port, username=self.username, password=self.password,
            identifier=f"nguon-conformance-{role}-{secrets.token_hex(3)}",
        )  # fmt: skip

    async def start(self) -> None:
        """Connect and subscribe (QoS 1) to the device's three outgoing topics."""
        self._client = self._new_client("watch")
        await self._client.__aenter__()
        for channel in ("state", "telemetry", "ack"):
            await self._client.subscribe(device_topic(self.device_id, channel), qos=1)
        self._task = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Disconnect."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.__aexit__(None, None, None)

    async def publish(self, topic: str, payload: bytes) -> float:
        """Publish a command at QoS 1; returns the Unix time it left."""
        assert self._client is not None, "start() first"
        sent = time.time()
        await self._client.publish(topic, payload, qos=1)
        return sent

    async def _read(self) -> None:
        assert self._client is not None
        async for msg in self._client.messages:
            channel = str(msg.topic).rsplit("/", 1)[-1]
            raw = bytes(msg.payload) if isinstance(msg.payload, bytes | bytearray) else str(msg.payload).encode()
            model, error = None, None
            try:
                model = parse_message(_MODELS[channel], raw)
            except (PayloadError, KeyError) as exc:
                error = str(exc)
            self.seen.append(Seen(channel, raw, time.time(), bool(msg.retain), model, error))
            self._changed.set()

    def acks(self, command_id: str, since: float = 0.0) -> list[Seen]:
        """Valid acks for ``command_id`` received at or after ``since``, in arrival order."""
        return [s for s in self.seen if s.ack is not None and s.ack.command_id == command_id and s.at >= since]

    def states(self, since: float = 0.0) -> list[Seen]:
        """Valid state messages received at or after ``since``."""
        return [s for s in self.seen if s.state is not None and s.at >= since]

    def of(self, channel: str, since: float = 0.0) -> list[Seen]:
        """Everything on one channel (valid or not) since ``since``."""
        return [s for s in self.seen if s.channel == channel and s.at >= since]

    async def wait(self, predicate: Callable[[], object], timeout: float) -> bool:
        """Wait until ``predicate()`` is true (checked on each new message); False after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            left = deadline - loop.time()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.25))
        return True

    async def retained_state(self, timeout: float = 2.0) -> Seen | None:
        """What a fresh subscriber gets on the device's state topic: the retained message, or None."""
        client = self._new_client("retained")
        async with client:
            await client.subscribe(device_topic(self.device_id, "state"), qos=1)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    async for msg in client.messages:
                        raw = bytes(msg.payload) if isinstance(msg.payload, bytes | bytearray) else b""
                        state, error = None, None
                        try:
                            state = parse_message(StateMessage, raw)
                        except PayloadError as exc:
                            error = str(exc)
                        return Seen("state", raw, time.time(), bool(msg.retain), state, error)
        return None
