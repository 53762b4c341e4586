"""End to end with a real agent: a bulletin placed through the API in a slot a few seconds ahead is sent at once
(the change wakes the sync), downloaded ahead, and starts on the device clock within 1 s of the slot time —
also when the agent's link is down at that moment (the ``started`` ack then arrives after it reconnects)."""

from __future__ import annotations

import asyncio
import math
import os
import random
import time as clock
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from device_agent import Agent, AgentConfig
from device_agent.backoff import Backoff
from device_agent.mqtt import parse_broker_url
from protocols import Ack, AckStatus, Keyring
from source_server.accounts.service import Role, create_user, issue_token
from source_server.broker import free_port
from source_server.bulletins import service as bulletins
from source_server.bulletins.service import BulletinInput, seed_categories
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.models import Delivery, Media
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from source_server.scheduling.models import ScheduleItem
from source_server.scheduling.timing import local_day, local_time
from source_server.serve import LiveServer, live_server
from tests.scheduling.support import A, who

pytestmark = pytest.mark.broker
LEAD_S = 4.0
"""How far ahead of now the slot starts."""


class Ceiling(random.Random):
    """A random source that always draws the top of the range: a reconnect waits the full backoff."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings.model_copy(update={"http_port": free_port()})) as srv:
        yield srv


async def until(cond: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = clock.monotonic() + timeout
    while not cond():
        if clock.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def prepare(srv: LiveServer) -> tuple[str, int]:
    """Areas, one speaker of commune A, an editor's token and an approved bulletin with 1.5 s of audio."""
    data = b"ID3" + os.urandom(4000)  # the null player never decodes it; the agent checks size and hash
    sha, _ = srv.runtime.media.put_bytes(data, "mp3")
    with srv.runtime.sessions.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        seed_categories(s)
        create_device(s, data=DeviceInput(id="spk-a0", kind="speaker", commune_code=A, village_code=f"{A}-01"))
        token = issue_token(s, user=create_user(s, username="editor-a", grants=[(Role.COMMUNE_EDITOR, A)]))
        s.add(Media(sha256=sha, size=len(data), duration_ms=1500, content_type="audio/mpeg"))
        s.flush()
        made = bulletins.create(s, principal=who("editor-a"), data=BulletinInput(
            title="Thông báo cắt điện", category_code="thong-bao", owner_area=A, target_type="commune",
            target_codes=[A], text="Thông báo.", media_sha256=sha))  # fmt: skip
        bulletins.submit(s, principal=who("editor-a"), bulletin_id=made.id)
        bulletins.approve(s, principal=who("approver-a"), bulletin_id=made.id, version=1)
        return token, made.id


def agent(srv: LiveServer, acks: list[Ack]) -> Agent:
    addr = parse_broker_url(srv.runtime.broker.url)
    signer = srv.runtime.signer
    return Agent(AgentConfig(
        device_id="spk-a0", password=None, keyring=Keyring({signer.kid: signer.public_b64()}),
        area_path=("64", A, f"{A}-01"), broker_host=addr.host, broker_port=addr.port, heartbeat_s=1, keepalive_s=5,
        backoff_base_s=0.2, on_ack=lambda _device, ack: acks.append(ack),
    ))  # fmt: skip


async def place_in_a_slot_soon(srv: LiveServer, token: str, bulletin_id: int) -> datetime:
    """A slot starting ``LEAD_S`` from now (whole seconds, local time) and the bulletin placed in it."""
    start = datetime.fromtimestamp(math.ceil(utcnow().timestamp() + LEAD_S), tz=utcnow().tzinfo)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=srv.url, headers=headers, timeout=10) as http:
        slot = await http.post(f"/api/v1/programmes/{A}/slots", json={
            "label": "Thử", "start_local": local_time(start).isoformat(), "duration_s": 60})  # fmt: skip
        assert slot.status_code == 201, slot.text
        placed = await http.post(f"/api/v1/programmes/{A}/items", json={
            "bulletin_id": bulletin_id, "slot_id": slot.json()["id"], "day": local_day(start).isoformat()})  # fmt: skip
        assert placed.status_code == 201, placed.text
    return start


def delivery(srv: LiveServer) -> str | None:
    """The status of the programme item's play command on the agent, as the server has recorded it."""
    with srv.runtime.sessions() as s:
        query = select(Delivery.status).join(ScheduleItem, ScheduleItem.command_id == Delivery.command_id)
        return s.scalar(query.where(Delivery.device_id == "spk-a0"))


def started(acks: list[Ack]) -> Ack | None:
    return next((a for a in acks if a.status is AckStatus.STARTED), None)


async def test_a_placed_bulletin_starts_on_the_agent_at_the_slot_time(server: LiveServer) -> None:
    token, bid = prepare(server)
    await server.runtime.presence.refresh_devices()
    acks: list[Ack] = []
    device = agent(server, acks)
    device.start()
    try:
        await device.wait_connected()
        await until(lambda: server.runtime.programme.is_leader, what="scheduler leadership")
        slot_start = await place_in_a_slot_soon(server, token, bid)
        await until(lambda: any(a.status is AckStatus.DOWNLOADED for a in acks), timeout=LEAD_S, what="sent ahead")
        await until(lambda: started(acks) is not None, timeout=LEAD_S + 5, what="started")
        ack = started(acks)
        assert ack is not None
        assert abs((ack.at - slot_start).total_seconds()) < 1.0, (ack.at, slot_start)
        await until(lambda: delivery(server) == "done", what="the server records the play as done")
    finally:
        await device.stop()


async def test_it_starts_on_time_while_the_agents_link_is_down(server: LiveServer) -> None:
    token, bid = prepare(server)
    await server.runtime.presence.refresh_devices()
    acks: list[Ack] = []
    device = agent(server, acks)
    device.start()
    try:
        await device.wait_connected()
        await until(lambda: server.runtime.programme.is_leader, what="scheduler leadership")
        slot_start = await place_in_a_slot_soon(server, token, bid)
        await until(lambda: any(a.status is AckStatus.DOWNLOADED for a in acks), timeout=LEAD_S, what="sent ahead")
        away = (slot_start - utcnow()).total_seconds() + 2.0
        device.backoff = Backoff(base_s=away, cap_s=away, rng=Ceiling())
        device.drop_link()  # gone until 2 s after the slot time
        await asyncio.sleep(max(0.0, (slot_start - utcnow()).total_seconds()) + 0.3)
        assert not device.connected and started(acks) is None  # it played offline; the ack waits for the link
        await until(lambda: started(acks) is not None, timeout=10, what="started ack after reconnecting")
        ack = started(acks)
        assert ack is not None
        assert abs((ack.at - slot_start).total_seconds()) < 1.0, (ack.at, slot_start)
        await until(lambda: delivery(server) == "done", what="the server records the play as done")
    finally:
        await device.stop()
