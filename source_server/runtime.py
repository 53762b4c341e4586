"""The running server's long-lived parts, started and stopped together by the app's lifespan."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from protocols import (
    Ack,
    DeviceChannel,
    PayloadError,
    StateMessage,
    Telemetry,
    TopicError,
    parse_device_topic,
    parse_message,
)
from source_server.audio.tts_setup import build_chain
from source_server.broker import BrokerLauncher, broker_for
from source_server.bulletins.service import seed_categories
from source_server.config import Settings
from source_server.db import dispose_when_idle, make_engine, make_sessionmaker, utcnow
from source_server.dispatch.media import MediaStore
from source_server.dispatch.tasks import Dispatcher
from source_server.events import EventHub
from source_server.fleet.presence import PresenceTracker
from source_server.keys import load_signing_key
from source_server.metrics import MQTT_IN, MQTT_REJECTED
from source_server.migrate import upgrade
from source_server.mqtt import MqttClient
from source_server.scheduling.scheduler import ProgrammeScheduler

log = logging.getLogger(__name__)
_MQTT_IN = {c: MQTT_IN.labels(c.value) for c in DeviceChannel}
"""The received-message counter's child per channel, looked up once: ``labels()`` on every message was a twentieth
of the server's CPU in a 10,000-device ack burst."""


class Runtime:
    """Database, broker, MQTT client, presence tracker and dispatcher of one server process."""

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
        self.mqtt = MqttClient(
            url=self.broker.url,
            username=self.broker.username,
            password=self.broker.password,
            handler=self.ingest,
            on_connection=self._on_connection,
            shared_group=settings.mqtt_shared_group,
            client_id=self.broker.client_id,
            on_fence=self._on_fence,
        )
        self.presence = PresenceTracker(sessions=self.sessions, settings=settings, hub=self.hub)
        self.presence.set_fence_sender(self.mqtt.send_fence)
        self.dispatcher = Dispatcher(
            sessions=self.sessions, settings=settings, mqtt=self.mqtt, signer=self.signer, media=self.media
        )
        self.presence.add_online_listener(self.dispatcher.on_device_online)
        self.dispatcher.add_ack_listener(self.presence.on_activity)  # only acks of commands the device was sent
        self.presence.add_offline_listener(self.dispatcher.on_device_offline)
        self.programme = ProgrammeScheduler(
            sessions=self.sessions, settings=settings, signer=self.signer, on_sent=self.dispatcher.wake
        )
        self.started_at: datetime | None = None

    async def start(self) -> None:
        """Migrate, start the broker (embedded), load presence, connect, start background work."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(upgrade, self.settings.db_url)
        await asyncio.to_thread(self._seed)
        await self.broker.start()
        await self.presence.start()
        await self.dispatcher.start()
        await self.mqtt.start()
        await self.programme.start()
        self.started_at = utcnow()

    def _seed(self) -> None:
        """Reference data a fresh installation needs (the default bulletin categories)."""
        with self.sessions.begin() as db:
            seed_categories(db)

    async def stop(self) -> None:
        """Stop in reverse order, flushing buffered writes."""
        await self.programme.stop()
        await self.mqtt.stop()
        await self.dispatcher.stop()
        await self.presence.stop()
        await self.broker.stop()
        await dispose_when_idle(self.engine)

    def _on_connection(self, connected: bool) -> None:
        self.presence.on_broker_connection(connected, utcnow())
        self.hub.publish({"type": "broker", "connected": connected, "at": utcnow().isoformat()})
        if connected:
            self.dispatcher.wake()

    def _on_fence(self, number: int) -> None:
        """A presence fence came back through the broker, in order with the device messages before it."""
        self.presence.on_fence(number, utcnow())

    def ingest(self, topic: str, payload: bytes, retained: bool) -> None:
        """Route one device message; bad topics, payloads and unknown devices are counted and dropped."""
        now = utcnow()
        try:
            dt = parse_device_topic(topic)
        except TopicError:
            MQTT_REJECTED.labels("bad_topic").inc()
            return
        channel = dt.channel.value
        if not self.presence.knows(dt.device_id):
            MQTT_REJECTED.labels("unknown_device").inc()
            log.debug("message from unknown device %s on %s dropped", dt.device_id, topic)
            return
        try:
            if dt.channel is DeviceChannel.STATE:
                self.presence.on_state(dt.device_id, parse_message(StateMessage, payload), now, retained=retained)
            elif dt.channel is DeviceChannel.TELEMETRY:
                self.presence.on_telemetry(dt.device_id, telemetry := parse_message(Telemetry, payload), now)
                self.dispatcher.on_clock(dt.device_id, telemetry.at, now)
            elif dt.channel is DeviceChannel.ACK:
                self.dispatcher.on_ack(dt.device_id, parse_message(Ack, payload), now)
            else:
                MQTT_REJECTED.labels("bad_topic").inc()
                return
        except PayloadError as exc:
            MQTT_REJECTED.labels("bad_payload").inc()
            log.info("device %s sent a bad %s: %s", dt.device_id, channel, exc.reason)
            return
        _MQTT_IN[dt.channel].inc()
