"""Capabilities end to end over the real broker: a board announcing only ``text`` in its online state is stored as
such, gets no audio play (no message on its own topic, no delivery, its refusal of the area copy changes
nothing), gets the text frame it can show, and the reports count it apart from the loudspeakers."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from csv import DictReader
from datetime import UTC, datetime
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from device_agent.mqtt import parse_broker_url
from protocols import DeviceChannel, area_cmd_topic, device_topic
from protocols.signing import unb64url
from source_server.accounts.service import Role, create_user, issue_token
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.broker import free_port
from source_server.config import Settings
from source_server.dispatch.models import Delivery
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.models import Device
from source_server.fleet.service import DeviceInput, create_device
from source_server.serve import LiveServer, live_server

pytestmark = pytest.mark.broker
COMMUNE = "23563"
SPEAKER, BOARD = "spk-cap", "brd-cap"


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings.model_copy(update={"http_port": free_port()})) as srv:
        yield srv


async def until(cond: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class RawDevice:
    """A bare MQTT device: announces a state, records every message on its topics, acks what it is told to."""

    def __init__(self, srv: LiveServer, device_id: str, capabilities: list[str] | None) -> None:
        self.id, self.got = device_id, list[tuple[str, dict[str, object]]]()
        addr = parse_broker_url(srv.runtime.broker.url)
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=device_id)
        state = {"online": True, "session": 1, "kind": "eboard" if device_id == BOARD else "speaker"}
        if capabilities is not None:
            state["capabilities"] = capabilities
        self.state_topic = device_topic(device_id, DeviceChannel.STATE)
        self.client.will_set(self.state_topic, json.dumps({"online": False, "session": 1}), qos=1, retain=True)
        self.client.on_message = lambda _c, _u, m: self.got.append((m.topic, json.loads(m.payload)))
        self.client.connect(addr.host, addr.port)
        own = device_topic(device_id, DeviceChannel.CMD)
        for topic in (own, area_cmd_topic(("64",)), area_cmd_topic(("64", COMMUNE))):
            self.client.subscribe(topic, qos=1)
        self.client.publish(self.state_topic, json.dumps(state), qos=1, retain=True)
        self.client.loop_start()

    def on(self, topic: str) -> list[dict[str, object]]:
        return [m for t, m in self.got if t == topic]

    def ack(self, command_id: str, status: str, reason: str | None = None) -> None:
        ack = {"command_id": command_id, "status": status, "at": datetime.now(UTC).isoformat(), "session": 1}
        if reason:
            ack["reason"] = reason
        self.client.publish(device_topic(self.id, DeviceChannel.ACK), json.dumps(ack), qos=1)

    def close(self) -> None:
        self.client.publish(self.state_topic, b"", qos=1, retain=True).wait_for_publish(5)  # leave nothing retained
        self.client.loop_stop()
        self.client.disconnect()


def _deliveries(srv: LiveServer, command_id: str) -> dict[str, str]:
    with srv.runtime.sessions() as db:
        rows = db.query(Delivery.device_id, Delivery.status).filter(Delivery.command_id == command_id)
        return dict(rows.all())  # type: ignore[arg-type]


def _envelope_ids(device: RawDevice, topic: str) -> list[str]:
    return [json.loads(unb64url(str(m["payload"])))["id"] for m in device.on(topic)]


async def test_a_text_only_board_gets_no_audio_play_and_counts_apart(server: LiveServer, tmp_path: Path) -> None:
    with server.runtime.sessions.begin() as db:
        import_areas(db, SAMPLE_AREAS.read_bytes())
        create_device(db, data=DeviceInput(id=SPEAKER, kind="speaker", commune_code=COMMUNE))
        create_device(db, data=DeviceInput(id=BOARD, kind="eboard", commune_code=COMMUNE))
        token = issue_token(db, user=create_user(db, username="op-cap", grants=[(Role.PROVINCE_OPERATOR, "64")]))
    await server.runtime.presence.refresh_devices()
    wav = tmp_path / "tone.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-y", str(wav)],
                   check=True)  # fmt: skip
    speaker, board = RawDevice(server, SPEAKER, None), RawDevice(server, BOARD, ["text"])
    auth = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as c:

            def announced() -> str | None:
                with server.runtime.sessions() as db:
                    device = db.get(Device, BOARD)
                    return device.capabilities if device is not None else None

            await until(lambda: announced() == "text", what="the board's announced capabilities are stored")
            shown = (await c.get(f"/devices/{BOARD}", headers=auth)).json()
            assert (shown["capabilities"], shown["renders"]) == (["text"], ["text"])
            assert (await c.get(f"/devices/{SPEAKER}", headers=auth)).json()["renders"] == ["audio"]

            async def post(target_type: str, target: str, name: str, data: bytes, **fields: str) -> dict[str, object]:
                form = {"title": "Thông báo", "target_type": target_type, "target": target, **fields}
                r = await c.post("/broadcasts", headers=auth, data=form, files={"file": (name, data)})
                assert r.status_code == 201, r.text
                return dict(r.json())

            area = area_cmd_topic(("64", COMMUNE))
            audio = await post("commune", COMMUNE, "tone.wav", wav.read_bytes())
            assert audio["devices"] == 1 and _deliveries(server, str(audio["id"])) == {SPEAKER: "pending"}
            await until(lambda: audio["id"] in _envelope_ids(speaker, area), what="the speaker receives the audio play")
            # The board is on the commune's topic too; it refuses what it cannot render, and that creates nothing.
            board.ack(str(audio["id"]), "rejected", "unsupported_content")
            listed = await post("device", f"{SPEAKER},{BOARD}", "tone.wav", wav.read_bytes())
            assert listed["topics"] == [device_topic(SPEAKER, DeviceChannel.CMD)]
            speaker_own = device_topic(SPEAKER, DeviceChannel.CMD)
            await until(lambda: listed["id"] in _envelope_ids(speaker, speaker_own), what="the speaker's own copy")
            text = await post("commune", COMMUNE, "tb.txt", "Cắt điện 8h–11h thứ Bảy.".encode(), duration_s="20")
            assert text["devices"] == 1 and _deliveries(server, str(text["id"])) == {BOARD: "pending"}
            await until(lambda: text["id"] in _envelope_ids(board, area), what="the board receives the text frame")
            await asyncio.sleep(0.5)
            assert board.on(device_topic(BOARD, DeviceChannel.CMD)) == []  # nothing was ever sent to the board alone
            assert _deliveries(server, str(audio["id"])) == {SPEAKER: "pending"}  # its refusal made no delivery
            assert BOARD not in _deliveries(server, str(listed["id"]))

            speaker.ack(str(audio["id"]), "done")
            board.ack(str(text["id"]), "done")
            await until(lambda: _deliveries(server, str(text["id"])) == {BOARD: "done"}, what="the board's ack")
            await until(lambda: _deliveries(server, str(audio["id"])) == {SPEAKER: "done"}, what="the speaker's ack")
            report = (await c.get(f"/broadcasts/{text['id']}", headers=auth)).json()
            assert report["content_kind"] == "text" and report["report"]["by_kind"] == {"eboard": {"done": 1}}
            stats = (await c.get("/reports/broadcasts", headers=auth)).json()
            [row] = [r for r in stats["communes"] if r["code"] == COMMUNE]
            assert (row["bulletins"], row["plays_done"], row["minutes_on_air"]) == (1, 1, 0.0)  # the loudspeaker's
            assert row["by_kind"]["speaker"]["plays_done"] == 1 and row["by_kind"]["speaker"]["bulletins"] == 1
            board_row = row["by_kind"]["eboard"]
            assert (board_row["bulletins"], board_row["plays_done"], board_row["minutes_on_air"]) == (1, 1, 0.3)
            assert (board_row["devices_total"], row["by_kind"]["speaker"]["devices_total"]) == (1, 1)
            csv = (await c.get("/reports/broadcasts?format=csv", headers=auth)).text
            [line] = [r for r in DictReader(io.StringIO(csv.lstrip("\ufeff"))) if r["code"] == COMMUNE]
            assert (line["bulletins"], line["speaker_plays_done"], line["eboard_plays_done"]) == ("1", "1", "1")
    finally:
        speaker.close()
        board.close()
