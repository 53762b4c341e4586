"""The two real engines: espeak-ng speaks Vietnamese offline; edge-tts fails fast and says why when offline."""

from __future__ import annotations

import io
import socket
import time
import wave
from collections.abc import Iterator

import pytest

from source_server.audio.exceptions import EngineFailed
from source_server.audio.sentences import split_sentences
from source_server.audio.tts_edge import EdgeTtsEngine
from source_server.audio.tts_espeak import EspeakNgEngine

TEXT = "Xin chào bà con thôn Một."


def _wav_seconds(data: bytes) -> float:
    """Length of a WAV."""
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1
        return float(w.getnframes() / w.getframerate())


async def test_espeak_speaks_vietnamese_with_a_female_and_a_male_voice() -> None:
    engine = EspeakNgEngine()
    female, male = engine.voice_for("female"), engine.voice_for("male")
    assert (female.id, male.id) == ("vi+f3", "vi+m3")
    assert {v.language for v in engine.voices} == {"vi"}
    a = await engine.synthesize(TEXT, female.id)
    b = await engine.synthesize(TEXT, male.id)
    assert a[:4] == b"RIFF" and b[:4] == b"RIFF"
    assert 1.0 < _wav_seconds(a) < 5.0 and 1.0 < _wav_seconds(b) < 5.0
    assert a != b, "the variants are different voices"


async def test_espeak_reads_text_that_looks_like_options_from_stdin() -> None:
    data = await EspeakNgEngine().synthesize("--help -v en", "vi+f3")
    assert _wav_seconds(data) > 0.3


async def test_espeak_refuses_an_unknown_voice_and_a_missing_binary() -> None:
    with pytest.raises(EngineFailed, match="unknown voice") as unknown:
        await EspeakNgEngine().synthesize(TEXT, "en-us")
    assert not unknown.value.unavailable
    with pytest.raises(EngineFailed, match="not installed") as missing:
        await EspeakNgEngine(binary="/nonexistent/espeak-ng").synthesize(TEXT, "vi+f3")
    assert missing.value.unavailable and missing.value.engine == "espeak"


async def test_edge_tts_without_a_network_fails_fast_and_says_so() -> None:
    engine = EdgeTtsEngine(connect_timeout_s=3)
    assert [v.id for v in engine.voices] == ["vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"]
    start = time.monotonic()
    with pytest.raises(EngineFailed) as info:
        await engine.synthesize(TEXT, "vi-VN-HoaiMyNeural")
    assert time.monotonic() - start < 5
    assert info.value.unavailable and "edge-tts service" in info.value.reason
    assert "SSLContext" not in info.value.reason


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A local port that accepts connections and never answers (like a firewalled proxy)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


async def test_edge_tts_does_not_hang_on_a_network_that_never_answers(black_hole: int) -> None:
    engine = EdgeTtsEngine(connect_timeout_s=1, receive_timeout_s=60, proxy=f"http://127.0.0.1:{black_hole}")
    start = time.monotonic()
    with pytest.raises(EngineFailed, match="no answer from the edge-tts service within 1 s") as info:
        await engine.synthesize(TEXT, "vi-VN-NamMinhNeural")
    assert time.monotonic() - start < 4, "the connect timeout bounds the wait, not the receive timeout"
    assert info.value.unavailable


def test_the_interim_splitter_keeps_numbers_whole() -> None:
    text = "Toàn tỉnh có 4.911 cụm loa. Tỷ lệ kết nối đạt 81,4%! Đã xong chưa?\nDòng mới không dấu chấm"
    assert split_sentences(text) == [
        "Toàn tỉnh có 4.911 cụm loa.",
        "Tỷ lệ kết nối đạt 81,4%!",
        "Đã xong chưa?",
        "Dòng mới không dấu chấm",
    ]
    assert split_sentences("  \n \n") == []
