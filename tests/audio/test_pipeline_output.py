"""The audio pipeline on real files: every common format comes out as the device format at the loudness target."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from source_server.audio.config import DEFAULT_CONFIG, PipelineConfig
from source_server.audio.pipeline import Jingle, prepare_audio, process_audio
from tests.audio.audio_support import SPEECH, convert, make, probe, speech_wav

TARGET = DEFAULT_CONFIG.target_lufs
PEAK_LIMIT = DEFAULT_CONFIG.true_peak_dbtp


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 8 s of Vietnamese speech from espeak-ng (22.05 kHz mono WAV)."""
    return speech_wav(tmp_path_factory.mktemp("speech") / "speech.wav", SPEECH)


def _assert_device_format(data: bytes, tmp: Path, seconds: float, tolerance: float = 0.06) -> None:
    """Mono 44.1 kHz 64 kbit/s MP3 of about ``seconds``, at −16 LUFS ± 1 LU and a true peak under −1 dBTP."""
    found = probe(data, tmp)
    assert (found.codec, found.sample_rate, found.channels, found.bitrate_kbps) == ("mp3", 44_100, "mono", 64)
    assert found.seconds == pytest.approx(seconds, abs=tolerance)
    assert abs(found.integrated_lufs - TARGET) <= 1.0, found
    assert found.true_peak_dbtp <= PEAK_LIMIT, found


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("speech.mp3", ("-ac", "2", "-ar", "48000", "-c:a", "libmp3lame", "-b:a", "128k")),
        ("speech.m4a", ("-c:a", "aac", "-b:a", "96k")),
        ("speech.ogg", ("-c:a", "libopus", "-b:a", "32k")),
        ("speech.webm", ("-c:a", "libopus", "-b:a", "24k")),  # what a browser's MediaRecorder sends
        ("speech.flac", ("-c:a", "flac",)),
        ("speech.wav", ("-ac", "2", "-ar", "16000")),
    ],
)  # fmt: skip
def test_every_common_format_becomes_the_device_format_at_the_target(
    tmp_path: Path, speech: Path, name: str, args: tuple[str, ...]
) -> None:
    data = convert(speech, tmp_path / name, *args)
    out = process_audio(data, name)
    source_seconds = probe(convert(speech, tmp_path / "ref.mp3", "-c:a", "libmp3lame"), tmp_path).seconds
    _assert_device_format(out.data, tmp_path, out.seconds)
    assert out.seconds == pytest.approx(source_seconds, abs=0.08), "the pipeline neither cuts nor pads"
    assert out.sha256 == hashlib.sha256(out.data).hexdigest()
    assert (out.content_type, out.ext, out.size) == ("audio/mpeg", "mp3", len(out.data))
    assert abs(out.output_lufs - TARGET) <= 0.5 and out.output_true_peak_dbtp <= PEAK_LIMIT
    assert out.input_lufs < -18, "espeak-ng speaks at about −20 LUFS: the input measure is the input's"


def test_a_quiet_recording_and_a_loud_one_come_out_equally_loud(tmp_path: Path, speech: Path) -> None:
    quiet = convert(speech, tmp_path / "quiet.wav", "-af", "volume=-24dB")
    loud = convert(speech, tmp_path / "loud.wav", "-af", "volume=12dB")  # clipped: peaks hit full scale
    q, lo = process_audio(quiet, "quiet.wav"), process_audio(loud, "loud.wav")
    assert q.input_lufs < -40 and lo.input_lufs > -12
    for out in (q, lo):
        _assert_device_format(out.data, tmp_path, out.seconds)
    assert abs(q.output_lufs - lo.output_lufs) <= 0.6


def test_a_tone_keeps_its_length_and_the_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    wav = make(tmp_path / "tone.wav", "sine=frequency=440:sample_rate=48000", 2.5)
    first = process_audio(wav, "tone.wav")
    _assert_device_format(first.data, tmp_path, 2.5, tolerance=0.03)
    assert first.duration_ms == pytest.approx(2500, abs=30)
    assert first.input_peak_dbfs == pytest.approx(-18.1, abs=0.5)  # lavfi's sine is at 1/8 of full scale
    again = process_audio(wav, "tone.wav")
    assert again.sha256 == first.sha256, "same input, same bytes: the media store keeps one file"


def test_intro_and_outro_jingles_are_crossfaded_in(tmp_path: Path, speech: Path) -> None:
    body = convert(speech, tmp_path / "body.mp3", "-c:a", "libmp3lame")
    body_s = probe(body, tmp_path).seconds
    chime = make(tmp_path / "chime.wav", "sine=frequency=880:sample_rate=44100", 1.0, "-af", "volume=-20dB")
    gong = make(tmp_path / "gong.ogg", "sine=frequency=330", 1.5, "-c:a", "libvorbis")
    plain = process_audio(body, "body.mp3")
    framed = process_audio(body, "body.mp3", intro=Jingle(chime, "chime.wav"), outro=Jingle(gong, "gong.ogg"))
    fade = DEFAULT_CONFIG.crossfade_ms / 1000
    assert framed.seconds == pytest.approx(plain.seconds + 1.0 + 1.5 - 2 * fade, abs=0.03)
    assert plain.seconds == pytest.approx(body_s, abs=0.08)
    _assert_device_format(framed.data, tmp_path, framed.seconds)
    assert framed.sha256 != plain.sha256


def test_prepare_audio_keeps_the_dispatch_intake_signature(tmp_path: Path) -> None:
    wav = make(tmp_path / "t.wav", "sine=frequency=660", 1.0)
    out = prepare_audio(wav, "t.wav", max_bytes=5_000_000, max_seconds=10)
    assert 950 <= out.duration_ms <= 1050 and out.content_type == "audio/mpeg" and out.size == len(out.data)


def test_the_targets_are_configurable(tmp_path: Path, speech: Path) -> None:
    config = PipelineConfig(target_lufs=-20.0, true_peak_dbtp=-3.0)
    out = process_audio(speech.read_bytes(), "speech.wav", config=config)
    found = probe(out.data, tmp_path)
    assert abs(found.integrated_lufs + 20.0) <= 1.0 and found.true_peak_dbtp <= -3.0
