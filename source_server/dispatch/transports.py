"""The transports outbox lanes send through: MQTT (device commands) and HTTP (an external system's JSON endpoint)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

import httpx

from source_server.dispatch.outbox import OutboxRow, Sent, check_transport_name
from source_server.metrics import MQTT_OUT

log = logging.getLogger(__name__)

__all__ = ["HttpTransport", "MqttTransport", "Publisher"]


class Publisher(Protocol):
    """What the MQTT transport needs of the MQTT client."""

    @property
    def connected(self) -> bool: ...

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None: ...


class MqttTransport:
    """Publishes each row on its topic through the server's MQTT client, in order, waiting for the broker's ack."""

    name = "mqtt"

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._counted = MQTT_OUT.labels("cmd")

    async def send(self, rows: Sequence[OutboxRow]) -> Sent:
        """Publish ``rows`` in order; stop at the first failure."""
        publish, counted = self.publisher.publish, self._counted
        for done, row in enumerate(rows):
            try:
                await publish(row.topic, row.payload.encode(), row.qos, row.retain)
            except Exception as exc:
                return Sent(done, f"{type(exc).__name__}: {exc}")
            counted.inc()
        return Sent(len(rows))

    async def close(self) -> None:
        """Nothing to release: the MQTT client belongs to the runtime."""


class HttpTransport:
    """POSTs each row's payload to ``base_url`` + its ``topic`` (a path), in order; a 2xx answer means delivered.

    Each request carries ``Idempotency-Key: <name>-<row id>``: delivery is at least once (a row whose answer was lost
    is sent again), so the receiver can recognise a repeat. Authentication is the given client's (an
    ``httpx.Auth``, e.g. an OAuth2 client-credentials flow for an LGSP gateway).
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 10.0,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = check_transport_name(name)
        self.base_url = base_url.rstrip("/")
        self._own_client = client is None
        self.client = client or httpx.AsyncClient(timeout=timeout_s)
        self.timeout_s = timeout_s
        self.headers = {"Content-Type": content_type, **(headers or {})}

    async def send(self, rows: Sequence[OutboxRow]) -> Sent:
        """POST ``rows`` one by one; stop at the first error or non-2xx answer."""
        if self.client.is_closed and self._own_client:  # started again after a stop
            self.client = httpx.AsyncClient(timeout=self.timeout_s)
        for done, row in enumerate(rows):
            url = f"{self.base_url}/{row.topic.lstrip('/')}"
            headers = {**self.headers, "Idempotency-Key": f"{self.name}-{row.id}"}
            try:
                response = await self.client.post(url, content=row.payload.encode(), headers=headers,
                                                  timeout=self.timeout_s)  # fmt: skip
            except httpx.HTTPError as exc:
                return Sent(done, f"{type(exc).__name__} from {url}: {exc}")
            if not response.is_success:
                return Sent(done, f"HTTP {response.status_code} from {url}: {response.text[:200]}")
        return Sent(len(rows))

    async def close(self) -> None:
        """Close the HTTP client if this transport made it."""
        if self._own_client:
            await self.client.aclose()
