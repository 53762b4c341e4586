"""Unusable audio is refused with a specific reason (as data) and nothing is produced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import source_server.audio.decode as decode_module
from source_server.audio.config import PipelineConfig
from source_server.audio.exceptions import (
    AudioRejected,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    RejectReason,
    SilentAudio,
    TooLarge,
    TooLong,
    TooShort,
)
from source_server.audio.pipeline import Jingle, process_audio
from tests.audio.audio_support import SPEECH, convert, make, speech_wav

LIMITS = PipelineConfig(max_bytes=2_000_000, max_seconds=10.0)


def _refused(data: bytes, name: str) -> AudioRejected:
    """The refusal process_audio raises for ``data``."""
    with pytest.raises(AudioRejected) as info:
        process_audio(data, name, config=LIMITS)
    return info.value


def test_empty_and_oversized_files_are_refused_before_any_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_ffmpeg(*args: object, **kwargs: object) -> None:
        raise AssertionError("ffmpeg must not run for a file refused by its size")

    monkeypatch.setattr(decode_module, "run_ffmpeg", no_ffmpeg)
    empty = _refused(b"", "a.mp3")
    assert isinstance(empty, EmptyAudio) and empty.reason is RejectReason.EMPTY
    big = _refused(os.urandom(LIMITS.max_bytes + 1), "big.mp3")
    assert isinstance(big, TooLarge) and big.reason is RejectReason.TOO_LARGE
    assert (big.size, big.limit) == (LIMITS.max_bytes + 1, LIMITS.max_bytes)
    assert "over the 2000000-byte limit" in str(big)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("random.mp3", os.urandom(200_000)),
        ("random.wav", os.urandom(100_000)),
        ("notice.mp3", "Thông báo: đây là văn bản, không phải âm thanh.\n".encode() * 50),
    ],
)
def test_random_bytes_and_text_are_not_audio(name: str, data: bytes) -> None:
    refused = _refused(data, name)
    assert isinstance(refused, NotAudio) and refused.reason is RejectReason.NOT_AUDIO, refused
    assert refused.detail


def test_a_video_without_sound_is_not_audio(tmp_path: Path) -> None:
    video = make(tmp_path / "v.mkv", "testsrc=size=64x48:rate=5", 1.0, "-c:v", "ffv1")
    refused = _refused(video, "v.mkv")
    assert isinstance(refused, NotAudio) and "no audio stream" in refused.detail


@pytest.mark.parametrize(("name", "args"), [("cut.mp3", ("-c:a", "libmp3lame")), ("cut.webm", ("-c:a", "libopus"))])
def test_truncated_files_are_corrupt_with_what_was_decoded(tmp_path: Path, name: str, args: tuple[str, ...]) -> None:
    full = make(tmp_path / name, "sine=frequency=440", 4.0, *args)
    refused = _refused(full[: len(full) // 2], name)
    assert isinstance(refused, CorruptAudio) and refused.reason is RejectReason.CORRUPT, refused
    assert "truncated" in refused.detail
    assert refused.decoded_s is not None and 1.0 < refused.decoded_s < 3.0


def test_an_m4a_cut_before_its_index_is_corrupt(tmp_path: Path) -> None:
    full = make(tmp_path / "a.m4a", "sine=frequency=440", 3.0, "-c:a", "aac")  # ffmpeg writes the index last
    refused = _refused(full[: len(full) * 3 // 4], "a.m4a")
    assert isinstance(refused, CorruptAudio) and "incomplete" in refused.detail


def test_silence_is_refused_with_its_measurements(tmp_path: Path) -> None:
    silent = make(tmp_path / "s.wav", "anullsrc=r=22050:cl=mono", 2.0)
    refused = _refused(silent, "s.wav")
    assert isinstance(refused, SilentAudio) and refused.reason is RejectReason.SILENT
    assert refused.loudness_lufs <= -70 and refused.peak_dbfs == float("-inf")
    hiss = make(tmp_path / "h.wav", "anoisesrc=color=pink:amplitude=0.0005", 2.0)  # about −70 dBFS
    faint = _refused(hiss, "h.wav")
    assert isinstance(faint, SilentAudio) and faint.loudness_lufs < LIMITS.silence_lufs


def test_too_long_and_too_short(tmp_path: Path) -> None:
    long = make(tmp_path / "l.mp3", "sine=frequency=440:sample_rate=8000", 12.0, "-b:a", "16k")
    refused = _refused(long, "l.mp3")
    assert isinstance(refused, TooLong) and refused.limit_s == 10.0 and refused.reason is RejectReason.TOO_LONG
    short = make(tmp_path / "sh.wav", "sine=frequency=440", 0.1)
    tiny = _refused(short, "sh.wav")
    assert isinstance(tiny, TooShort) and tiny.seconds == pytest.approx(0.1, abs=0.01)


def test_a_bad_jingle_is_refused_too(tmp_path: Path) -> None:
    body = speech_wav(tmp_path / "b.wav", SPEECH)
    data = convert(body, tmp_path / "b.mp3", "-c:a", "libmp3lame")
    with pytest.raises(NotAudio):
        process_audio(data, "b.mp3", config=LIMITS, intro=Jingle(b"not a jingle" * 100, "intro.mp3"))
    long = make(tmp_path / "j.wav", "sine=frequency=440", LIMITS.jingle_max_seconds + 2)
    with pytest.raises(TooLong):
        process_audio(data, "b.mp3", config=PipelineConfig(), outro=Jingle(long, "j.wav"))
