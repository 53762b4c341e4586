"""Audio intake with real ffmpeg: what devices get, and what is refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from source_server.dispatch.audio import AudioRejected, ffmpeg_exe, prepare_audio

LIMITS = {"max_bytes": 5_000_000, "max_seconds": 10}


def _render(tmp: Path, name: str, source: str, seconds: float, *args: str) -> bytes:
    from tests.dispatch.helpers import make_audio

    return make_audio(tmp / name, source, seconds, *args)


def _probe(data: bytes, tmp: Path) -> str:
    path = tmp / "probe.mp3"
    path.write_bytes(data)
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, timeout=30)
    return proc.stderr.decode()


def test_a_wav_tone_becomes_mono_mp3_with_its_duration(tmp_path: Path) -> None:
    wav = _render(tmp_path, "tone.wav", "sine=frequency=440:sample_rate=48000", 1.5, "-ac", "2")
    audio = prepare_audio(wav, "tone.wav", **LIMITS)
    assert audio.content_type == "audio/mpeg"
    assert 1450 <= audio.duration_ms <= 1550
    info = _probe(audio.data, tmp_path)
    assert "Audio: mp3" in info and "44100 Hz, mono" in info and "64 kb/s" in info
    again = prepare_audio(wav, "tone.wav", **LIMITS)
    assert again.sha256 == audio.sha256, "same input, same bytes: the store deduplicates"


def test_an_mp3_is_accepted(tmp_path: Path) -> None:
    mp3 = _render(tmp_path, "t.mp3", "sine=frequency=660", 1.0, "-c:a", "libmp3lame", "-b:a", "128k")
    assert 950 <= prepare_audio(mp3, "t.mp3", **LIMITS).duration_ms <= 1050


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("empty", "empty"),
        ("text", "not an audio file"),
        ("truncated", "truncated"),
        ("silent", "silent"),
        ("long", "too long"),
        ("short", "too short"),
        ("large", "limit"),
    ],
)
def test_unusable_audio_is_rejected_with_a_reason(tmp_path: Path, case: str, reason: str) -> None:
    name = "upload.mp3"
    if case == "empty":
        data = b""
    elif case == "text":
        data = "Thông báo: đây là văn bản, không phải âm thanh.\n".encode() * 20
    elif case == "truncated":
        full = _render(tmp_path, "full.mp3", "sine=frequency=440", 4.0, "-c:a", "libmp3lame", "-b:a", "64k")
        data = full[: len(full) // 2]
    elif case == "silent":
        data = _render(tmp_path, "s.wav", "anullsrc=r=22050:cl=mono", 2.0)
        name = "s.wav"
    elif case == "long":
        data = _render(tmp_path, "l.mp3", "sine=frequency=440:sample_rate=8000", 12.0, "-b:a", "16k")
    elif case == "short":
        data = _render(tmp_path, "sh.wav", "sine=frequency=440", 0.1)
        name = "sh.wav"
    else:
        data = b"\x00" * (LIMITS["max_bytes"] + 1)
    with pytest.raises(AudioRejected, match=reason) as info:
        prepare_audio(data, name, **LIMITS)
    assert reason in info.value.reason


def test_a_file_without_audio_stream_is_rejected(tmp_path: Path) -> None:
    from tests.dispatch.helpers import make_audio

    video = make_audio(tmp_path / "v.mkv", "testsrc=size=64x48:rate=5", 1.0, "-c:v", "ffv1")
    with pytest.raises(AudioRejected, match="no audio stream"):
        prepare_audio(video, "v.mkv", **LIMITS)
