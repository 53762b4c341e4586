"""A broadcast end to end: API upload → one signed publish on the fan-out topic → real agents download,
verify, play and ack → a delivery report that never claims a device that did not ack."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from device_agent import Agent, AgentConfig
from device_agent.mqtt import parse_broker_url
from protocols import Keyring
from source_server.accounts.service import Role, create_user, issue_token
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.broker import free_port
from source_server.config import Settings
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from source_server.serve import LiveServer, live_server

pytestmark = pytest.mark.broker

COMMUNE_A, COMMUNE_B = "23563", "23575"


def tone_wav(path: Path, seconds: float = 0.6) -> bytes:
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}", "-y", str(path)],
        check=True,
    )
    return path.read_bytes()


async def until(cond: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    settings = settings.model_copy(update={"http_port": free_port()})
    async with live_server(settings) as srv:
        yield srv


def seed(srv: LiveServer) -> dict[str, str]:
    with srv.runtime.sessions.begin() as db:
        import_areas(db, SAMPLE_AREAS.read_bytes())
        villages = [f"{COMMUNE_A}-01", f"{COMMUNE_A}-01", f"{COMMUNE_A}-02", f"{COMMUNE_A}-02"]
        for i, village in enumerate(villages):
            create_device(
                db, data=DeviceInput(id=f"spk-a{i}", kind="speaker", commune_code=COMMUNE_A, village_code=village)
            )
        create_device(db, data=DeviceInput(id="spk-b0", kind="speaker", commune_code=COMMUNE_B))
        admin = create_user(db, username="admin", grants=[(Role.PROVINCE_ADMIN, "64")])
        editor_b = create_user(db, username="editor-b", grants=[(Role.COMMUNE_EDITOR, COMMUNE_B)])
        return {"admin": issue_token(db, user=admin), "editor_b": issue_token(db, user=editor_b)}


def agent(srv: LiveServer, device_id: str, village: str | None, commune: str = COMMUNE_A) -> Agent:
    addr = parse_broker_url(srv.runtime.broker.url)
    signer = srv.runtime.signer
    path = ("64", commune, village) if village else ("64", commune)
    cfg = AgentConfig(
        device_id=device_id,
        password=None,
        keyring=Keyring({signer.kid: signer.public_b64()}),
        area_path=path,
        broker_host=addr.host,
        broker_port=addr.port,
        heartbeat_s=1,
        keepalive_s=5,
        backoff_base_s=0.2,
    )
    return Agent(cfg)


async def test_a_commune_broadcast_reaches_every_agent_and_waits_for_the_offline_one(
    server: LiveServer, tmp_path: Path
) -> None:
    tokens = seed(server)
    await server.runtime.presence.refresh_devices()
    agents = [agent(server, "spk-a0", f"{COMMUNE_A}-01"), agent(server, "spk-a1", f"{COMMUNE_A}-01"),
              agent(server, "spk-a2", f"{COMMUNE_A}-02"), agent(server, "spk-b0", None, COMMUNE_B)]  # fmt: skip
    late = agent(server, "spk-a3", f"{COMMUNE_A}-02")
    for a in agents:
        a.start()
    presence = server.runtime.presence

    def status(d: str) -> str | None:
        view = presence.snapshot(d)
        return view.status if view else None

    try:
        await until(lambda: all(status(a.device_id) == "online" for a in agents), what="agents online")
        assert status("spk-a3") == "never_seen"
        audio = tone_wav(tmp_path / "tone.wav")
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            resp = await http.post(
                "/api/v1/broadcasts",
                headers=admin,
                data={"title": "Thông báo thử", "target_type": "commune", "target": COMMUNE_A, "priority": "emergency"},
                files={"file": ("tone.wav", audio, "audio/wav")},
            )
            assert resp.status_code == 201, resp.text
            created = resp.json()
            cid = created["id"]
            assert created["topics"] == [f"nguon/v1/area/64/{COMMUNE_A}/cmd"]  # one publish, the broker fans out
            assert created["devices"] == 4

            async def report() -> dict[str, int]:
                r = await http.get(f"/api/v1/broadcasts/{cid}", headers=admin)
                assert r.status_code == 200, r.text
                return {k: v for k, v in r.json()["report"]["counts"].items() if v}

            deadline = time.monotonic() + 20
            while (await report()).get("done", 0) < 3:
                assert time.monotonic() < deadline, await report()
                await asyncio.sleep(0.2)
            by_status = await report()
            assert by_status.get("done") == 3
            assert by_status.get("pending") == 1  # the offline device is not claimed

            late.start()  # comes online later: the server re-sends the same envelope
            deadline = time.monotonic() + 20
            while (await report()).get("done", 0) < 4:
                assert time.monotonic() < deadline, await report()
                await asyncio.sleep(0.2)

            # A commune editor of B cannot broadcast to A; nothing is created.
            before = (await http.get("/api/v1/broadcasts", headers=admin)).json()
            resp = await http.post(
                "/api/v1/broadcasts",
                headers={"Authorization": f"Bearer {tokens['editor_b']}"},
                data={
                    "title": "x",
                    "target_type": "commune",
                    "target": COMMUNE_A,
                    "priority": "normal",
                    "origin": "commune",
                },
                files={"file": ("tone.wav", audio, "audio/wav")},
            )
            assert resp.status_code in (403, 404), resp.text
            after = (await http.get("/api/v1/broadcasts", headers=admin)).json()
            assert after == before

            metrics = (await http.get("/metrics")).text
            assert 'nguon_devices{commune="23563",kind="speaker",status="online"} 4.0' in metrics
            assert "nguon_dispatch_ack_latency_seconds_bucket" in metrics
            home = await http.get("/")
            assert home.status_code == 307 and home.headers["location"] == "/ui/"  # the UI, behind a log-in
    finally:
        for a in [*agents, late]:
            await a.stop()
