"""The dispatcher wakes on a commit of outbox rows, from any code path: nobody has to "commit, then wake".

The whole runtime runs against the real database and broker. Its dispatcher's fallback poll is set to an hour, so
a command reaches the device within seconds only if the commit itself woke the dispatcher. First the failure this
guards against: with the commit signals stopped, a committed command sits in the outbox.
"""

from __future__ import annotations

import asyncio

import aiomqtt
import pytest

from device_agent.mqtt import parse_broker_url
from protocols import CommandType, Keyring, SetVolumeBody, Target, open_envelope
from source_server.dispatch.service import create_command
from source_server.runtime import Runtime

pytestmark = pytest.mark.broker
TOPIC = "nguon/v1/area/64/C2/cmd"


def _queue_volume(runtime: Runtime, volume: int) -> str:
    """Queue a command the way any module may: a transaction of its own, committed, and nothing else."""
    with runtime.sessions.begin() as db:
        return create_command(
            db, settings=runtime.settings, signer=runtime.signer, type=CommandType.SET_VOLUME,
            body=SetVolumeBody(volume=volume), target=Target(area=("64", "C2")), actor="test", ttl_s=600,
        ).id  # fmt: skip


async def test_a_committed_command_is_sent_without_a_manual_wake(settings, fleet, broker_url) -> None:
    url = parse_broker_url(broker_url)  # the configured broker, its own port
    runtime = Runtime(settings)
    await runtime.start()
    try:
        assert await runtime.mqtt.wait_connected(10)
        async with aiomqtt.Client(url.host, url.port, identifier="test-dev-C2") as device:
            await device.subscribe(TOPIC, qos=1)
            runtime.dispatcher.poll_s = 3600.0
            runtime.dispatcher.wake()  # the pass in flight ends and the loop waits again, now for an hour
            await asyncio.sleep(0.5)

            await runtime.signals.stop()
            unsent = await asyncio.to_thread(_queue_volume, runtime, 30)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(1.5):
                    await anext(device.messages)

            await runtime.signals.start()
            sent = await asyncio.to_thread(_queue_volume, runtime, 40)
            keys = Keyring({runtime.signer.kid: runtime.signer.public_b64()})
            got: list[str] = []
            async with asyncio.timeout(5):  # the one pass the commit woke sends both, oldest first
                while len(got) < 2:
                    message = await anext(device.messages)
                    got.append(open_envelope(message.payload, keys).id)  # type: ignore[arg-type]
    finally:
        await runtime.stop()
    assert got == [unsent, sent]
