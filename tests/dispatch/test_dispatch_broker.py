"""End to end through a real broker: the dispatcher's publish reaches a subscribed device unchanged."""

from __future__ import annotations

import asyncio

import aiomqtt
import pytest

from device_agent.mqtt import parse_broker_url
from protocols import Keyring, Target, open_envelope
from source_server.dispatch.service import create_broadcast
from source_server.dispatch.tasks import Dispatcher

pytestmark = pytest.mark.broker


class AiomqttPublisher:
    """The publishing interface of the server's MQTT client, forwarded to a real aiomqtt client."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.connected = True

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        await self.client.publish(topic, payload, qos=qos, retain=retain)


async def test_a_commune_broadcast_reaches_a_subscriber(db, settings, signer, store, media, fleet, broker_url) -> None:
    url = parse_broker_url(broker_url)  # the configured broker, its own port
    host, port = url.host, url.port
    async with (
        aiomqtt.Client(host, port, identifier="test-device-d-V21-0") as device,
        aiomqtt.Client(host, port, identifier="test-server-dispatch") as server,
    ):
        await device.subscribe("nguon/v1/area/64/C2/cmd", qos=1)
        with db.begin() as s:
            command = create_broadcast(
                s, settings=settings, signer=signer, media=media, target=Target(area=("64", "C2")), actor="op"
            )
        dispatcher = Dispatcher(sessions=db, settings=settings, mqtt=AiomqttPublisher(server), signer=signer,
                                media=store)  # fmt: skip
        await dispatcher.start()
        try:
            async with asyncio.timeout(5):
                message = await anext(device.messages)
        finally:
            await dispatcher.stop()
    assert str(message.topic) == "nguon/v1/area/64/C2/cmd"
    assert message.payload == command.envelope.encode()
    payload = open_envelope(message.payload, Keyring({"k1": signer.public_b64()}))  # type: ignore[arg-type]
    assert payload.id == command.id
