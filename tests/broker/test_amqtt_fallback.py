"""The amqtt fallback (where Mosquitto cannot be installed): it starts, says plainly what it lacks, carries a play."""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from device_agent import Agent, AgentConfig
from device_agent.mqtt import parse_broker_url
from protocols import Keyring
from source_server.accounts.service import Role, create_user, issue_token
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.broker import AMQTT_WARNING, EmbeddedBroker, free_port
from source_server.config import Settings
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from source_server.serve import LiveServer, live_server

# amqtt leaves client transports to the garbage collector (see tests/conftest.py): collected here, not later.
pytestmark = [
    pytest.mark.broker,
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]

COMMUNE = "23563"


async def until(cond: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def server(
    tmp_path: Path, db_url: str, db: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> AsyncIterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        mqtt_url=None,
        embedded_broker="amqtt",
        http_port=free_port(),
        heartbeat_s=1,
        presence_flush_s=0.05,
    )
    with caplog.at_level(logging.WARNING, logger="source_server.broker"):
        async with live_server(settings) as srv:
            yield srv
    gc.collect()


async def test_amqtt_starts_with_a_warning_and_carries_a_play_end_to_end(
    server: LiveServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    rt = server.runtime
    assert isinstance(rt.broker, EmbeddedBroker) and rt.broker.kind == "amqtt"
    warned = [
        r for r in caplog.get_records("setup") if r.levelno == logging.WARNING and r.getMessage() == AMQTT_WARNING
    ]
    assert len(warned) == 1
    for lack in ("no passwords and no ACL", "keepalive", "retained", "5,000"):
        assert lack in AMQTT_WARNING
    assert not (rt.settings.data_dir / "mosquitto").exists()

    with rt.sessions.begin() as db:
        import_areas(db, SAMPLE_AREAS.read_bytes())
        create_device(db, data=DeviceInput(id="spk-f", kind="speaker", commune_code=COMMUNE))
        token = issue_token(db, user=create_user(db, username="admin", grants=[(Role.PROVINCE_ADMIN, "64")]))
    await rt.presence.refresh_devices()
    addr = parse_broker_url(rt.broker.url)
    agent = Agent(
        AgentConfig(
            device_id="spk-f",
            password=None,
            keyring=Keyring({rt.signer.kid: rt.signer.public_b64()}),
            area_path=("64", COMMUNE),
            broker_host=addr.host,
            broker_port=addr.port,
            heartbeat_s=1,
            keepalive_s=5,
            backoff_base_s=0.2,
        )
    )
    agent.start()
    try:
        await until(lambda: (v := rt.presence.snapshot("spk-f")) is not None and v.status == "online", what="online")
        wav = tmp_path / "tone.wav"
        subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=660:duration=0.5", "-y",
                        str(wav)], check=True)  # fmt: skip
        admin = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            resp = await http.post(
                "/api/v1/broadcasts",
                headers=admin,
                data={"title": "Thử", "target_type": "commune", "target": COMMUNE, "priority": "emergency"},
                files={"file": ("tone.wav", wav.read_bytes(), "audio/wav")},
            )
            assert resp.status_code == 201, resp.text
            cid = resp.json()["id"]
            deadline = time.monotonic() + 20
            while True:
                counts = (await http.get(f"/api/v1/broadcasts/{cid}", headers=admin)).json()["report"]["counts"]
                if counts.get("done") == 1:
                    break
                assert time.monotonic() < deadline, counts
                await asyncio.sleep(0.2)
    finally:
        await agent.stop()
