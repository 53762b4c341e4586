"""An emergency bulletin on air: it interrupts what plays on every targeted device, reports proof of play, and
stops everywhere with one action. Real server, real broker, real agents (simulated fleet), real speech."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from protocols import AckStatus
from source_server.accounts.models import User
from source_server.accounts.service import issue_token
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.broker import free_port
from source_server.config import Settings
from source_server.dispatch.models import Command
from source_server.serve import LiveServer, live_server
from tests.support.province import COMMUNE_A, COMMUNE_B, fleet_for, seed

pytestmark = pytest.mark.broker
A_SPEAKERS = ["spk-a0", "spk-a1", "spk-a2"]


async def until(cond: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def server(settings: Settings, fresh_broker_url: str) -> AsyncIterator[LiveServer]:
    """A live server with a broker of its own (the agents' retained states must not reach other tests)."""
    async with live_server(settings.model_copy(update={"http_port": free_port(), "mqtt_url": fresh_broker_url})) as srv:
        seed(srv)
        await srv.runtime.presence.refresh_devices()
        yield srv


def tokens(srv: LiveServer) -> dict[str, str]:
    with srv.runtime.sessions.begin() as db:
        users = db.scalars(select(User)).all()
        return {u.username: issue_token(db, user=u) for u in users}


def tone(path: Path, seconds: float) -> bytes:
    graph = f"sine=frequency=330:duration={seconds}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", graph, "-y", str(path)], check=True)
    return path.read_bytes()


async def test_an_emergency_interrupts_plays_everywhere_proves_it_and_stops_with_one_action(
    server: LiveServer, tmp_path: Path
) -> None:
    tok = tokens(server)
    fleet = fleet_for(server, [*A_SPEAKERS, "spk-b0"])
    await fleet.start()
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=60) as c:

        def auth(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tok[user]}"}

        try:
            await fleet.wait_connected(timeout=20)
            body = {"title": "Cảnh báo lũ quét", "category_code": "thien-tai", "priority": "emergency",
                    "owner_area": COMMUNE_A, "target_type": "commune", "target_codes": [COMMUNE_A],
                    "text": "Nước sông đang lên nhanh. Bà con khẩn trương di chuyển lên vùng cao."}  # fmt: skip
            bid = (await c.post("/bulletins", json=body, headers=auth("editor-a"))).json()["id"]
            refused = await c.post(f"/bulletins/{bid}/send-direct", json={}, headers=auth("editor-a"))
            assert refused.status_code == 403
            with server.runtime.sessions() as db:
                assert db.scalar(select(func.count()).select_from(Command).where(Command.bulletin_id == bid)) == 0

            # a normal item is playing on spk-a0 when the emergency comes
            files = {"file": ("nhac.wav", tone(tmp_path / "n.wav", 30.0), "audio/wav")}
            normal = await c.post("/broadcasts", data={"target_type": "device", "target": "spk-a0"}, files=files,
                                  headers=auth("operator"))  # fmt: skip
            assert normal.status_code == 201, normal.text
            normal_id = normal.json()["id"]
            await until(lambda: "started" in [s for s, _ in fleet.acks[normal_id]["spk-a0"]], what="normal item plays")

            sent = await c.post(f"/bulletins/{bid}/send-direct", json={"reason": "Lũ"}, headers=auth("approver-a"))
            assert sent.status_code == 200, sent.text
            assert sent.json()["state"] == "on_air" and sent.json()["tts_engine"] == "espeak"

            def started(device: str) -> bool:
                return any(s == AckStatus.STARTED.value for s, _ in fleet_acks(fleet, bid, device))

            await until(lambda: all(started(d) for d in A_SPEAKERS), what="every speaker of commune A starts")
            assert not fleet_acks(fleet, bid, "spk-b0")  # the other commune is not targeted
            assert "preempted" in [s for s, _ in fleet.acks[normal_id]["spk-a0"]]  # interrupted, to resume

            for _ in range(100):  # acks reach the database in batches
                proof = (await c.get(f"/bulletins/{bid}/proof", headers=auth("operator"))).json()
                if proof["counts"]["started"] + proof["counts"]["done"] >= 3:
                    break
                await asyncio.sleep(0.1)
            # the 6 speakers; the commune's board renders no audio (its kind's default): no delivery, no count
            assert proof["total"] == 6 and set(proof["by_commune"]) == {COMMUNE_A}
            assert set(proof["by_kind"]) == {"speaker"} and sum(proof["by_kind"]["speaker"].values()) == 6
            assert proof["counts"]["started"] + proof["counts"]["done"] == 3  # the three running agents
            assert proof["counts"]["pending"] == 3  # the speakers that are not connected never claimed anything
            assert (await c.get(f"/bulletins/{bid}/proof", headers=auth("viewer-b"))).status_code == 404

            stop = await c.post(f"/bulletins/{bid}/stop", headers=auth("approver-a"))
            assert stop.status_code == 200 and stop.json()["state"] == "done"
            assert stop.json()["decisions"][-1]["reason"] == "stopped"
            await until(
                lambda: all(any(s == "interrupted" for s, _ in fleet_acks(fleet, bid, d)) for d in A_SPEAKERS),
                what="every speaker stops (interrupted: it did not play to its end)",
            )
            again = await c.post(f"/bulletins/{bid}/stop", headers=auth("approver-a"))
            assert again.status_code == 409
            # the interrupted item resumes where it was
            await until(lambda: [s for s, _ in fleet.acks[normal_id]["spk-a0"]].count("started") == 2, what="resume")
        finally:
            await fleet.stop()
    assert COMMUNE_B  # the seeded province has two communes


def fleet_acks(fleet: object, bulletin_id: int, device: str) -> list[tuple[str, float]]:
    """Acks the device sent for any command of the bulletin (the fleet records them by command id)."""
    acks = fleet.acks
    out: list[tuple[str, float]] = []
    for per_device in acks.values():
        out.extend(per_device.get(device, []))
    return out
