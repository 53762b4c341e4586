"""Helpers for the audio tests: real files made by ffmpeg and espeak-ng, and an independent look at the output."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from source_server.audio.ffmpeg import ffmpeg_exe


def ffmpeg(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg quietly; fail the test if it fails."""
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, check=True, timeout=60
    )


def make(path: Path, source: str, seconds: float, *args: str) -> bytes:
    """Render a lavfi ``source`` for ``seconds`` into ``path`` (output options ``args``); returns the bytes."""
    ffmpeg("-f", "lavfi", "-i", source, "-t", f"{seconds}", *args, "-y", str(path))
    return path.read_bytes()


def speech_wav(path: Path, text: str, voice: str = "vi+m3") -> Path:
    """Vietnamese speech by espeak-ng into ``path`` (WAV)."""
    subprocess.run(["espeak-ng", "-v", voice, "-b", "1", "-w", str(path), "--stdin"], input=text.encode(),
                   check=True, capture_output=True, timeout=30)  # fmt: skip
    return path


def convert(src: Path, dst: Path, *args: str) -> bytes:
    """Convert ``src`` into ``dst`` with output options ``args``; returns the bytes."""
    ffmpeg("-i", str(src), *args, "-y", str(dst))
    return dst.read_bytes()


SPEECH = (
    "Thông báo của Ủy ban nhân dân xã. Sáng mai, từ bảy giờ đến mười một giờ, "
    "bà con đến nhà văn hóa thôn để tiêm phòng cho gia súc."
)


@dataclass(frozen=True)
class Probe:
    """What ffmpeg says about an encoded file, measured without the pipeline's own code."""

    codec: str
    sample_rate: int
    channels: str
    bitrate_kbps: int
    seconds: float
    integrated_lufs: float
    true_peak_dbtp: float


_STREAM = re.compile(r"Audio: (\w+)[^,]*, (\d+) Hz, (\w+), \w+, (\d+) kb/s")


def probe(data: bytes, tmp: Path) -> Probe:
    """Stream format from ffmpeg's header, length from decoding every sample, loudness from the loudnorm filter.

    loudnorm is a separate BS.1770 implementation from the ebur128 filter the pipeline uses, so the check is not
    the code checking itself.
    """
    path = tmp / "probe.mp3"
    path.write_bytes(data)
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, timeout=30)
    stream = _STREAM.search(info.stderr.decode())
    assert stream, info.stderr.decode()
    pcm = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True, timeout=60)  # fmt: skip
    loud = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af",
                           "loudnorm=print_format=json", "-f", "null", "-"], capture_output=True, check=True,
                          timeout=60)  # fmt: skip
    report = json.loads(re.findall(r"\{[^{}]*\}", loud.stderr.decode())[-1])
    rate = int(stream[2])
    return Probe(
        codec=stream[1],
        sample_rate=rate,
        channels=stream[3],
        bitrate_kbps=int(stream[4]),
        seconds=len(pcm.stdout) / 2 / rate,
        integrated_lufs=float(report["input_i"]),
        true_peak_dbtp=float(report["input_tp"]),
    )
