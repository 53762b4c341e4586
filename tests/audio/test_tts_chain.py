"""The TTS chain: falls back from edge-tts (no network here) to espeak-ng, records why, joins sentences cleanly."""

from __future__ import annotations

import asyncio
import io
import math
import re
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from source_server.audio.exceptions import AllEnginesFailed, EngineFailed, TextRejected
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.audio.speech_join import join_speech
from source_server.audio.tts import TtsChain, TtsEngine, Voice
from source_server.audio.tts_edge import EdgeTtsEngine
from source_server.audio.tts_espeak import EspeakNgEngine
from source_server.audio.tts_setup import build_chain
from source_server.config import Settings
from tests.audio.audio_support import probe

NOTICE = [
    "Ủy ban nhân dân xã thông báo.",
    "Sáng mai bà con đến nhà văn hóa thôn để tiêm phòng cho gia súc.",
    "Xin cảm ơn bà con đã lắng nghe.",
]


def tone(seconds: float, rate: int = 22_050, frequency: float = 440.0, amplitude: float = 0.5) -> bytes:
    """A mono 16-bit WAV sine tone that starts and ends at full swing (a click if joined naively)."""
    frames = b"".join(
        struct.pack("<h", round(32767 * amplitude * math.cos(2 * math.pi * frequency * i / rate)))
        for i in range(round(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


class ToneEngine(TtsEngine):
    """A test engine: each sentence becomes a tone 0.1 s per word long; records how many ran at once."""

    name = "tone"
    voices = (Voice("tone-f", "female", "tone"), Voice("tone-m", "male", "tone"))

    def __init__(self, max_concurrency: int = 2) -> None:
        self.max_concurrency = max_concurrency
        self.running = 0
        self.peak = 0

    async def synthesize(self, text: str, voice: str) -> bytes:
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(0.02 * (5 - len(text.split()) % 5))  # finish out of order
        self.running -= 1
        return tone(0.1 * len(text.split()))


class BrokenEngine(TtsEngine):
    """A test engine that fails in a way no engine should (a bug), to show the chain still speaks."""

    name = "broken"
    voices = (Voice("b", "female", "broken"),)

    async def synthesize(self, text: str, voice: str) -> bytes:
        raise RuntimeError("boom")


async def test_without_network_edge_falls_back_to_espeak_and_the_reason_is_recorded(tmp_path: Path) -> None:
    chain = TtsChain([EdgeTtsEngine(connect_timeout_s=3), EspeakNgEngine()])
    speech = await chain.speak(" ".join(NOTICE), gender="female")
    assert (speech.engine, speech.voice, speech.sentences) == ("espeak", "vi+f3", 3)
    [edge] = speech.attempts
    assert (edge.engine, edge.voice, edge.skipped) == ("edge", "vi-VN-HoaiMyNeural", False)
    assert "edge-tts service" in edge.error
    record = speech.record()
    assert record["engine"] == "espeak" and record["voice"] == "vi+f3"
    assert record["fallbacks"] == [
        {"engine": "edge", "voice": "vi-VN-HoaiMyNeural", "error": edge.error, "skipped": False}
    ]
    found = probe(speech.audio.data, tmp_path)
    assert (found.sample_rate, found.channels) == (44_100, "mono")
    assert abs(found.integrated_lufs + 16) <= 1.0 and found.true_peak_dbtp <= -1.0


async def test_an_unreachable_engine_is_skipped_for_a_while_and_the_skip_is_recorded() -> None:
    now = [1000.0]
    chain = TtsChain([EdgeTtsEngine(connect_timeout_s=3), EspeakNgEngine()], cooldown_s=60, clock=lambda: now[0])
    first = await chain.speak(NOTICE[0], gender="male")
    assert first.voice == "vi+m3" and not first.attempts[0].skipped
    now[0] += 30
    second = await chain.speak(NOTICE[0], gender="male")
    assert second.attempts[0].skipped and second.attempts[0].error.startswith("skipped: unavailable 30 s ago")
    assert second.attempts[0].voice == "vi-VN-NamMinhNeural"
    now[0] += 31
    third = await chain.speak(NOTICE[0], gender="male")
    assert not third.attempts[0].skipped, "after the cool-down it is tried again"


async def test_a_chosen_voice_of_another_engine_keeps_its_gender() -> None:
    chain = TtsChain([EdgeTtsEngine(connect_timeout_s=3), EspeakNgEngine()])
    speech = await chain.speak(NOTICE[0], voice="vi-VN-NamMinhNeural")
    assert (speech.engine, speech.voice) == ("espeak", "vi+m3")
    assert speech.attempts[0].voice == "vi-VN-NamMinhNeural"
    south = await chain.speak(NOTICE[0], voice="vi-vn-x-south+f3")
    assert south.voice == "vi-vn-x-south+f3"


async def test_when_every_engine_fails_each_reason_is_given() -> None:
    chain = TtsChain([BrokenEngine(), EspeakNgEngine(binary="/nonexistent/espeak-ng")])
    with pytest.raises(AllEnginesFailed) as info:
        await chain.speak(NOTICE[0])
    broken, espeak = info.value.attempts
    assert broken.engine == "broken" and broken.error == "RuntimeError: boom"
    assert espeak.engine == "espeak" and "not installed" in espeak.error


async def test_a_failing_engine_does_not_stop_the_next_one() -> None:
    speech = await TtsChain([BrokenEngine(), ToneEngine()]).speak(NOTICE)
    assert speech.engine == "tone" and speech.attempts[0].error == "RuntimeError: boom"


async def test_empty_and_overlong_text_is_refused() -> None:
    chain = TtsChain([EspeakNgEngine()], max_chars=100)
    with pytest.raises(TextRejected) as empty:
        await chain.speak(" \n ")
    assert empty.value.reason == "empty"
    with pytest.raises(TextRejected) as long:
        await chain.speak(["Một câu rất dài. " * 10])
    assert long.value.reason == "too_long"


def _sounding_runs(mp3: bytes, seconds: float, tmp: Path) -> list[float]:
    """Lengths of the non-silent stretches of an encoded file, in order."""
    path = tmp / "runs.mp3"
    path.write_bytes(mp3)
    log = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path), "-af", "silencedetect=n=-45dB:d=0.2",
                          "-f", "null", "-"], capture_output=True, timeout=30).stderr.decode()  # fmt: skip
    starts = [0.0] + [float(x) for x in re.findall(r"silence_end: ([\d.]+)", log)]
    ends = [float(x) for x in re.findall(r"silence_start: ([\d.]+)", log)] + [seconds]
    return [round(e - s, 2) for s, e in zip(starts, ends, strict=False) if e > s]


async def test_sentences_are_synthesised_concurrently_and_joined_in_order(tmp_path: Path) -> None:
    engine = ToneEngine(max_concurrency=2)
    sentences = ["một", "một hai ba", "một hai", "một hai ba bốn"]
    speech = await TtsChain([engine], sentence_gap_ms=400).speak(sentences)
    assert engine.peak == 2, "as many at once as the engine allows, no more"
    assert _sounding_runs(speech.audio.data, speech.audio.seconds, tmp_path) == pytest.approx(
        [0.1, 0.3, 0.2, 0.4], abs=0.04
    )
    assert speech.audio.seconds == pytest.approx(1.0 + 3 * 0.4, abs=0.05)


async def test_a_long_text_is_one_file_about_as_long_as_its_sentences_spoken_apart() -> None:
    chain = TtsChain([EspeakNgEngine()], sentence_gap_ms=350)
    whole = await chain.speak("\n".join(NOTICE))
    apart = [await chain.speak([s]) for s in NOTICE]
    expected = sum(s.audio.seconds for s in apart) + 0.35 * (len(NOTICE) - 1)
    assert whole.sentences == 3
    assert whole.audio.seconds == pytest.approx(expected, rel=0.03)


def test_joins_are_click_free_true_silence_between_pieces_faded_to_zero() -> None:
    joined = join_speech([tone(0.3), tone(0.3, rate=24_000)], gap_ms=200, timeout=30)
    with wave.open(io.BytesIO(joined)) as w:
        rate = w.getframerate()
        samples = struct.unpack(f"<{w.getnframes()}h", w.readframes(w.getnframes()))
    assert rate == 24_000 and len(samples) == pytest.approx(0.8 * rate, abs=rate * 0.01)
    first_end, second_start = round(0.3 * rate), round(0.5 * rate)
    assert abs(samples[0]) < 200 and abs(samples[-1]) < 200, "faded in and out"
    assert max(abs(s) for s in samples[first_end - 2 : first_end]) < 600
    assert set(samples[first_end + 5 : second_start - 5]) == {0}, "the gap is digital silence"
    assert max(abs(s) for s in samples[: round(0.1 * rate)]) > 15_000, "the piece itself is untouched"


async def test_the_chain_comes_from_nguon_tts_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NGUON_TTS_ENGINES", "espeak")
    assert [e.name for e in build_chain().engines] == ["espeak"]
    assert [e.name for e in build_chain(Settings(tts_engines="edge, espeak")).engines] == ["edge", "espeak"]
    with pytest.raises(ValueError, match="unknown TTS engine"):
        build_chain(Settings(tts_engines="espeak,google"))
    with pytest.raises(EngineFailed):
        await EspeakNgEngine().synthesize("x", "nope")
