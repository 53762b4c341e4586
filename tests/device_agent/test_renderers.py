"""Content through renderers, on a real broker and real HTTP servers: capabilities announced by kind, content a
device cannot render refused ``unsupported_content``, text frames written where a board's screen reads them, and a
live MP3 stream decoded by ffmpeg."""

from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from device_agent import (
    Agent,
    AudioRenderer,
    FrameRenderer,
    NullPlayer,
    Playable,
    Renderers,
    StreamRenderer,
    default_renderers,
)
from device_agent.exceptions import RenderError
from device_agent.renderers import FRAME_MANIFEST
from protocols import Capability, CommandType, DeviceKind, MediaRef, SigningKey, StreamRef
from tests.device_agent.support import MediaServer, Watcher, agent_config, cmd_topic, command, me, running

KEY = SigningKey.generate("k1")
FFMPEG = shutil.which("ffmpeg")


def as_type(ref: MediaRef, content_type: str) -> MediaRef:
    return ref.model_copy(update={"content_type": content_type})


def online_of(w: Watcher, device: str) -> dict[str, Any]:
    return next(json.loads(p) for d, p, _ in w.states if d == device and b'"online":true' in p)


# -- the renderer set, without a broker -------------------------------------------------------------------------


def test_every_command_type_has_a_handler() -> None:
    assert set(Agent.HANDLERS) == set(CommandType)


def test_default_renderers_by_kind_and_what_they_announce() -> None:
    speaker = Renderers(default_renderers(DeviceKind.SPEAKER, NullPlayer()))
    board = Renderers(default_renderers(DeviceKind.EBOARD, NullPlayer()))
    assert speaker.capabilities == (Capability.AUDIO,)
    assert board.capabilities == (Capability.TEXT, Capability.IMAGE, Capability.VIDEO)
    assert isinstance(speaker.for_content("audio/mpeg"), AudioRenderer)
    assert speaker.for_content("text/plain") is None and speaker.for_content("audio/mpeg", stream=True) is None
    assert isinstance(board.for_content("text/plain; charset=utf-8"), FrameRenderer)
    assert isinstance(board.for_content("image/png"), FrameRenderer)
    assert board.for_content("image/tiff") is None and board.for_content("application/pdf") is None
    # announcing less narrows what is accepted; announcing what no renderer renders is refused at once
    narrowed = Renderers(default_renderers(DeviceKind.EBOARD, NullPlayer()), announce=[Capability.TEXT])
    assert narrowed.capabilities == (Capability.TEXT,) and narrowed.for_content("image/png") is None
    with pytest.raises(ValueError, match="without a renderer for them: stream"):
        Renderers([AudioRenderer(NullPlayer())], announce=[Capability.AUDIO, Capability.STREAM])


def test_frame_renderer_refuses_bytes_that_are_not_their_type() -> None:
    frames = FrameRenderer()
    frames.prepare(Playable(sha256="a", duration_ms=1, data="Bão số 3".encode(), content_type="text/plain"))
    frames.prepare(Playable(sha256="b", duration_ms=1, data=b"\x89PNG\r\n\x1a\n...", content_type="image/png"))
    bad = [
        Playable(sha256="c", duration_ms=1, data=b"\xff\xfe bad", content_type="text/plain"),
        Playable(sha256="d", duration_ms=1, data=b"GIF89a...", content_type="image/png"),
        Playable(sha256="e", duration_ms=1, data=b"RIFF0000WAVE", content_type="image/webp"),
    ]
    for item in bad:
        with pytest.raises(RenderError) as err:
            frames.prepare(item)
        assert err.value.reason == "bad_content", item.content_type


# -- devices on the broker ----------------------------------------------------------------------------------------


@pytest.mark.broker
async def test_capabilities_are_announced_in_the_online_state_by_kind_and_by_configuration(broker_url: str) -> None:
    async with Watcher(broker_url) as w:
        async with running(agent_config(broker_url, KEY)) as speaker:
            await w.wait_for(lambda: any(d == speaker.device_id for d, _, _ in w.states))
        async with running(agent_config(broker_url, KEY, kind=DeviceKind.EBOARD)) as board:
            await w.wait_for(lambda: any(d == board.device_id for d, _, _ in w.states))
        cfg = agent_config(broker_url, KEY, kind=DeviceKind.EBOARD, capabilities=(Capability.TEXT,))
        async with running(cfg) as text_only:
            await w.wait_for(lambda: any(d == text_only.device_id for d, _, _ in w.states))
    assert online_of(w, speaker.device_id)["capabilities"] == ["audio"]
    assert online_of(w, board.device_id)["capabilities"] == ["text", "image", "video"]
    assert online_of(w, text_only.device_id)["capabilities"] == ["text"]


@pytest.mark.broker
async def test_content_a_device_cannot_render_is_rejected_unsupported_content_and_never_fetched(
    broker_url: str, media: MediaServer
) -> None:
    text = as_type(media.add("Thông báo cắt điện".encode(), duration_ms=200), "text/plain")
    audio = media.add(b"ID3 bulletin" * 50, duration_ms=200)
    stream = {"stream": StreamRef(url=f"{media.base}/live.mp3").model_dump(mode="json")}
    player = NullPlayer()
    async with Watcher(broker_url) as w:
        async with running(agent_config(broker_url, KEY, player=player)) as speaker:
            frame_id, frame = command(KEY, "play", {"media": text.model_dump(mode="json")}, target=me(speaker))
            stream_id, live = command(KEY, "play", stream, target=me(speaker))
            for env in (frame, live, frame):  # the same frame twice: refused again, never taken as a replay
                await w.publish(cmd_topic(speaker.device_id), env)
            await w.wait_for(lambda: len(w.statuses(frame_id)) == 2 and bool(w.statuses(stream_id)))
        board_cfg = agent_config(broker_url, KEY, kind=DeviceKind.EBOARD)
        async with running(board_cfg) as board:
            audio_id, sound = command(KEY, "play", {"media": audio.model_dump(mode="json")}, target=me(board))
            await w.publish(cmd_topic(board.device_id), sound)
            await w.wait_for(lambda: bool(w.statuses(audio_id)))
            await asyncio.sleep(0.3)
    assert [(a.status.value, a.reason) for a in w.acks_of(frame_id)] == [("rejected", "unsupported_content")] * 2
    assert [(a.status.value, a.reason) for a in w.acks_of(stream_id)] == [("rejected", "unsupported_content")]
    assert [(a.status.value, a.reason) for a in w.acks_of(audio_id)] == [("rejected", "unsupported_content")]
    assert player.played == [] and media.hits == {}


@pytest.mark.broker
async def test_a_board_writes_a_text_frame_where_its_screen_reads_it_then_blanks(
    broker_url: str, media: MediaServer, tmp_path: Path
) -> None:
    text = "Lịch tiêm chủng: sáng thứ Hai tại trạm y tế xã".encode()
    ref = as_type(media.add(text, duration_ms=600), "text/plain; charset=utf-8")
    bad = as_type(media.add(b"\xc3\x28 not utf-8", duration_ms=600), "text/plain")
    screen = tmp_path / "screen"
    cfg = agent_config(broker_url, KEY, kind=DeviceKind.EBOARD, frame_dir=screen)
    async with Watcher(broker_url) as w, running(cfg) as board:
        assert json.loads((screen / FRAME_MANIFEST).read_text())["file"] is None  # a blank screen to begin with
        cid, env = command(KEY, "play", {"media": ref.model_dump(mode="json"), "title": "Tiêm chủng"}, target=me(board))
        await w.publish(cmd_topic(board.device_id), env)
        await w.wait_for(lambda: "started" in w.statuses(cid))
        shown = json.loads((screen / FRAME_MANIFEST).read_text())
        assert (screen / shown["file"]).read_bytes() == text
        assert shown["sha256"] == ref.sha256 and shown["title"] == "Tiêm chủng"
        assert shown["content_type"] == "text/plain; charset=utf-8"
        await w.wait_for(lambda: "done" in w.statuses(cid))
        after = json.loads((screen / FRAME_MANIFEST).read_text())
        assert after["file"] is None and not (screen / shown["file"]).exists()
        bad_id, bad_env = command(KEY, "play", {"media": bad.model_dump(mode="json")}, target=me(board))
        await w.publish(cmd_topic(board.device_id), bad_env)
        await w.wait_for(lambda: "failed" in w.statuses(bad_id))
    assert w.statuses(cid) == ["received", "started", "done"]
    assert [(a.status.value, a.reason) for a in w.acks_of(bad_id)] == [("received", None), ("failed", "bad_content")]


# -- a live stream, decoded for real ------------------------------------------------------------------------------


@contextmanager
def stream_server(mp3: bytes, *, endless: bool) -> Iterator[tuple[str, list[str]]]:
    """Serves ``mp3`` as a live stream at /live.mp3 (no length, ``audio/mpeg``, as Icecast does); ``endless``
    sends it again and again until the listener leaves."""
    gets: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            gets.append(self.path)
            if self.path != "/live.mp3":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("icy-name", "Dai xa")
            self.end_headers()
            try:
                while True:
                    for i in range(0, len(mp3), 4096):
                        self.wfile.write(mp3[i : i + 4096])
                        time.sleep(0.01)
                    if not endless:
                        return
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, *args: Any) -> None:
            return None

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/live.mp3", gets
    finally:
        httpd.shutdown()
        httpd.server_close()


def tone_mp3(seconds: float) -> bytes:
    assert FFMPEG is not None
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-b:a", "32k", "-f", "mp3", "pipe:1"], capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    return done.stdout


@pytest.mark.broker
@pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is missing (the Debian package ffmpeg)")
async def test_a_speaker_plays_a_live_stream_through_ffmpeg_and_stop_ends_an_open_ended_one(broker_url: str) -> None:
    streams = StreamRenderer("ffmpeg")
    renderers = [AudioRenderer(NullPlayer()), streams]
    with stream_server(tone_mp3(4), endless=True) as (url, gets):
        async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, renderers=renderers)) as agent:
            timed_id, timed = command(KEY, "play", {"stream": {"url": url, "duration_ms": 1000}}, target=me(agent))
            began = time.monotonic()
            await w.publish(cmd_topic(agent.device_id), timed)
            await w.wait_for(lambda: "done" in w.statuses(timed_id), timeout=10)
            took = time.monotonic() - began
            live_id, live = command(KEY, "play", {"stream": {"url": url}}, target=me(agent))
            await w.publish(cmd_topic(agent.device_id), live)
            await w.wait_for(lambda: "started" in w.statuses(live_id))
            await asyncio.sleep(1.0)
            assert agent.programme.playing == live_id  # an open-ended stream plays on until stopped
            _, stop = command(KEY, "stop", {"command_id": live_id}, target=me(agent))
            await w.publish(cmd_topic(agent.device_id), stop)
            await w.wait_for(lambda: "interrupted" in w.statuses(live_id))
        assert online_of(w, agent.device_id)["capabilities"] == ["audio", "stream"]
    assert w.statuses(timed_id) == ["started", "done"]  # nothing to download: started implies received
    assert 1.0 <= took < 5.0, took  # ffmpeg decoded it in real time for its duration, then stopped
    assert gets == ["/live.mp3", "/live.mp3"] and [u for u, _ in streams.played] == [url, url]
    stopped = w.acks_of(live_id)[-1]
    assert (stopped.reason, stopped.position_ms is not None and stopped.position_ms >= 900) == ("stopped", True)


@pytest.mark.broker
@pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is missing (the Debian package ffmpeg)")
async def test_a_stream_that_cannot_be_opened_ends_interrupted_with_the_players_error(broker_url: str) -> None:
    renderers = [AudioRenderer(NullPlayer()), StreamRenderer("ffmpeg")]
    with stream_server(b"", endless=False) as (url, gets):
        missing = url.replace("/live.mp3", "/gone.mp3")
        async with Watcher(broker_url) as w, running(agent_config(broker_url, KEY, renderers=renderers)) as agent:
            cid, env = command(KEY, "play", {"stream": {"url": missing, "duration_ms": 1000}}, target=me(agent))
            await w.publish(cmd_topic(agent.device_id), env)
            await w.wait_for(lambda: "interrupted" in w.statuses(cid), timeout=10)
    last = w.acks_of(cid)[-1]
    assert last.reason is not None and last.reason.startswith("player_error: ffmpeg exited")
    assert gets == ["/gone.mp3"]
