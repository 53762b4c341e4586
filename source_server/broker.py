"""Broker launchers: the embedded asyncio broker (amqtt) for one-command runs, or an external one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Protocol

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the OS says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BrokerLauncher(Protocol):
    """Something that makes a broker reachable at ``url`` between ``start`` and ``stop``."""

    url: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ExternalBroker:
    """A broker someone else runs (Mosquitto in production): nothing to start."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class EmbeddedBroker:
    """amqtt in this process's event loop, on ``127.0.0.1:<port>`` (0 asks the OS for a free port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.url = f"mqtt://{host}:{self.port}"
        self._broker: object | None = None

    async def start(self) -> None:
        from amqtt.broker import Broker

        # Quiet by default: amqtt's packet and event loggers are very chatty.
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 0}},
            "timeout_disconnect_delay": 0,
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        broker = Broker(config)
        await broker.start()
        self._broker = broker
        log.info("embedded MQTT broker listening on %s", self.url)

    async def stop(self) -> None:
        broker, self._broker = self._broker, None
        if broker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(broker.shutdown(), 10)  # type: ignore[attr-defined]
