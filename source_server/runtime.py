"""The composition root: builds the server's long-lived parts, wires them, starts them in order and stops them in
reverse from one list (the app's lifespan calls ``start`` and ``stop``).

Nothing here is a domain rule: device messages are routed by ``fleet.routing``, commits wake the dispatcher and
the programme sync through ``commit_signals``, and the routers take the parts they need through ``deps``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from source_server.audio.tts_setup import build_chain
from source_server.broker import BrokerLauncher, broker_for
from source_server.bulletins.service import seed_categories
from source_server.commit_signals import INSERT, CommitSignals
from source_server.config import Settings
from source_server.db import dispose_when_idle, make_engine, make_sessionmaker, utcnow
from source_server.dispatch.media import MediaStore
from source_server.dispatch.models import OutboxMessage
from source_server.dispatch.tasks import Dispatcher
from source_server.events import EventHub
from source_server.fleet.presence import PresenceTracker
from source_server.fleet.routing import DeviceMessageRouter
from source_server.keys import load_signing_key
from source_server.migrate import upgrade
from source_server.mqtt import MqttClient
from source_server.scheduling.models import Programme, ScheduleItem, Slot
from source_server.scheduling.scheduler import ProgrammeScheduler

log = logging.getLogger(__name__)


class Part(Protocol):
    """A long-lived part of the server: started once in order, stopped once in reverse."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Step:
    """A part made of two functions (set-up work that is not an object of its own)."""

    def __init__(self, name: str, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]) -> None:
        self.name = name
        self._start = start
        self._stop = stop

    async def start(self) -> None:
        await self._start()

    async def stop(self) -> None:
        await self._stop()

    def __repr__(self) -> str:
        return f"Step({self.name})"


class Runtime:
    """Database, broker, MQTT client, presence tracker, dispatcher and programme scheduler of one server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.db_url)
        self.sessions = make_sessionmaker(self.engine)
        self.broker: BrokerLauncher = broker_for(settings, registry=self.sessions)
        """``NGUON_MQTT_URL``, else a private Mosquitto kept in step with the registry (amqtt as the fallback)."""
        self.signer = load_signing_key(settings)
        self.media = MediaStore(settings.media_dir)
        self.tts = build_chain(settings)
        """Text to speech: the engines of ``NGUON_TTS_ENGINES`` in order (edge-tts, then espeak-ng)."""
        self.hub = EventHub()
        self.presence = PresenceTracker(sessions=self.sessions, settings=settings, hub=self.hub)
        self.mqtt = MqttClient(
            url=self.broker.url,
            username=self.broker.username,
            password=self.broker.password,
            handler=_not_routed,
            on_connection=self._on_connection,
            shared_group=settings.mqtt_shared_group,
            client_id=self.broker.client_id,
            on_fence=self._on_fence,
        )
        self.presence.set_fence_sender(self.mqtt.send_fence)
        self.dispatcher = Dispatcher(
            sessions=self.sessions, settings=settings, mqtt=self.mqtt, signer=self.signer, media=self.media
        )
        self.router = DeviceMessageRouter(self.presence, self.dispatcher)
        self.mqtt.handler = self.router.ingest  # the client carries the dispatcher's publishes and feeds its acks
        self.ingest = self.router.ingest
        """Where device messages enter (the MQTT client's handler; tests feed messages here)."""
        self.presence.add_online_listener(self.dispatcher.on_device_online)
        self.dispatcher.add_ack_listener(self.presence.on_activity)  # only acks of commands the device was sent
        self.presence.add_offline_listener(self.dispatcher.on_device_offline)
        self.programme = ProgrammeScheduler(sessions=self.sessions, settings=settings, signer=self.signer)
        self.signals = CommitSignals(self.sessions)
        """A commit that queued outbox rows wakes the dispatcher; one that changed a programme wakes the sync."""
        self.signals.watch([OutboxMessage], self.dispatcher.wake, ops=[INSERT])
        self.signals.watch([Programme, Slot, ScheduleItem], self.programme.wake)
        self.started_at: datetime | None = None
        self.parts: list[Part] = [
            Step("database", self._prepare_database, self._close_database),
            self.broker,
            self.presence,
            self.dispatcher,
            self.signals,
            self.mqtt,
            self.programme,
        ]
        """Started in this order (migrated and seeded database, broker, presence loaded, dispatcher, commit wakes,
        MQTT connected, programme sync), stopped in reverse."""
        self._started: list[Part] = []

    async def start(self) -> None:
        """Start every part in order; when one fails, stop those already started (in reverse) and raise."""
        for part in self.parts:
            try:
                await part.start()
            except BaseException:
                with contextlib.suppress(Exception):  # logged; the start's own error is the one to raise
                    await self._stop_started()
                raise
            self._started.append(part)
        self.started_at = utcnow()

    async def stop(self) -> None:
        """Stop the started parts in reverse order (buffered writes flushed); every part is asked even if one fails."""
        await self._stop_started()

    async def _stop_started(self) -> None:
        first: BaseException | None = None
        while self._started:
            part = self._started.pop()
            try:
                await part.stop()
            except BaseException as exc:
                log.exception("stopping %r failed", part)
                first = first or exc
        if first is not None:
            raise first

    async def _prepare_database(self) -> None:
        """Migrate, and add the reference data a fresh installation needs (the default bulletin categories)."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(upgrade, self.settings.db_url)
        await asyncio.to_thread(self._seed)

    def _seed(self) -> None:
        with self.sessions.begin() as db:
            seed_categories(db)

    async def _close_database(self) -> None:
        await dispose_when_idle(self.engine)

    def _on_connection(self, connected: bool) -> None:
        self.presence.on_broker_connection(connected, utcnow())
        self.hub.publish({"type": "broker", "connected": connected, "at": utcnow().isoformat()})
        if connected:
            self.dispatcher.wake()

    def _on_fence(self, number: int) -> None:
        """A presence fence came back through the broker, in order with the device messages before it."""
        self.presence.on_fence(number, utcnow())


def _not_routed(topic: str, payload: bytes, retained: bool) -> None:
    """The MQTT client's handler until the router is wired (never called: the client starts after the wiring)."""
    raise RuntimeError(f"a message on {topic} arrived before the router was wired")
