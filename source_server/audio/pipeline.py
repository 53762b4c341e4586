"""One audio pipeline for every input: uploads, browser recordings, synthesised speech, jingles.

decode (ffmpeg → mono s16 WAV at 44.1 kHz, measured) → refuse what is unusable → per-part gain to the target →
optional intro/outro jingle crossfaded in → high-pass, compressor, make-up, true-peak limiter → MP3 → measure the
MP3 and correct if needed → sha256. The numbers and their reasons are in ``audio/config.py``.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from source_server.audio.config import DEFAULT_CONFIG, PipelineConfig
from source_server.audio.decode import Decoded, check_size, decode, safe_suffix
from source_server.audio.exceptions import AudioProcessingError, AudioRejected
from source_server.audio.ffmpeg import run_ffmpeg
from source_server.audio.render import render

__all__ = ["AudioRejected", "Jingle", "ProcessedAudio", "Source", "keep_source", "prepare_audio", "process_audio"]


@dataclass(frozen=True)
class Jingle:
    """An intro or outro sound: its bytes and a file name whose extension hints the format."""

    data: bytes
    filename: str


@dataclass(frozen=True)
class ProcessedAudio:
    """Audio ready for devices (MP3 bytes, duration, hash) and what the pipeline measured on the way."""

    data: bytes
    duration_ms: int
    sha256: str
    input_lufs: float
    """Integrated loudness of the input (of the main part when jingles were added)."""
    input_peak_dbfs: float
    """Sample peak of the input."""
    output_lufs: float
    """Integrated loudness of the encoded MP3."""
    output_true_peak_dbtp: float
    """True peak of the encoded MP3."""
    sample_rate: int
    bitrate_kbps: int
    content_type: str = "audio/mpeg"
    ext: str = "mp3"

    @property
    def size(self) -> int:
        """Size of the MP3 in bytes."""
        return len(self.data)

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return self.duration_ms / 1000


@dataclass(frozen=True)
class Source:
    """An accepted input kept for mixing later: lossless FLAC of the decoded audio (mono, device rate), unprocessed."""

    data: bytes
    duration_ms: int
    sha256: str
    ext: str = "flac"


def keep_source(data: bytes, filename: str, *, config: PipelineConfig = DEFAULT_CONFIG, max_seconds: float) -> Source:
    """Decode with every check (AudioRejected when unusable) and keep the result losslessly, before any loudness
    processing or MP3 coding, so it can be mixed into later audio without a second generation of lossy coding."""
    check_size(data, max_bytes=config.max_bytes)
    with tempfile.TemporaryDirectory(prefix="nguon-source-") as tmpdir:
        tmp = Path(tmpdir)
        src = tmp / f"input{safe_suffix(filename)}"
        src.write_bytes(data)
        decoded = decode(src, tmp / "decoded.wav", config=config, max_seconds=max_seconds)
        dst = tmp / "source.flac"
        proc = run_ffmpeg(
            ["-i", str(decoded.wav), "-map_metadata", "-1", "-c:a", "flac", "-flags:a", "+bitexact",
             "-fflags", "+bitexact", "-f", "flac", "-y", str(dst)],
            timeout=config.timeout_s,
        )  # fmt: skip
        if proc.returncode != 0 or not dst.is_file():
            raise AudioProcessingError(f"keeping the source failed: {proc.stderr.decode(errors='replace')[-300:]}")
        flac = dst.read_bytes()
    duration_ms = round(decoded.samples * 1000 / decoded.sample_rate)
    return Source(flac, duration_ms, hashlib.sha256(flac).hexdigest())


def _decode_jingle(jingle: Jingle, tmp: Path, name: str, config: PipelineConfig) -> Decoded:
    """Decode a jingle with the same checks as the bulletin itself, under the jingle length limit."""
    check_size(jingle.data, max_bytes=config.max_bytes)
    src = tmp / f"{name}{safe_suffix(jingle.filename)}"
    src.write_bytes(jingle.data)
    return decode(src, tmp / f"{name}-decoded.wav", config=config, max_seconds=config.jingle_max_seconds)


def process_audio(
    data: bytes,
    filename: str,
    *,
    config: PipelineConfig = DEFAULT_CONFIG,
    intro: Jingle | None = None,
    outro: Jingle | None = None,
) -> ProcessedAudio:
    """Turn any common audio file into the device format at the target loudness; AudioRejected when unusable."""
    check_size(data, max_bytes=config.max_bytes)
    with tempfile.TemporaryDirectory(prefix="nguon-audio-") as tmpdir:
        tmp = Path(tmpdir)
        src = tmp / f"input{safe_suffix(filename)}"
        src.write_bytes(data)
        body = decode(src, tmp / "decoded.wav", config=config, max_seconds=config.max_seconds)
        src.unlink()
        parts = [body]
        if intro is not None:
            parts.insert(0, _decode_jingle(intro, tmp, "intro", config))
        if outro is not None:
            parts.append(_decode_jingle(outro, tmp, "outro", config))
        out = render(parts, tmp / "out.mp3", config=config)
    return ProcessedAudio(
        data=out.mp3,
        duration_ms=round(out.samples * 1000 / config.sample_rate),
        sha256=hashlib.sha256(out.mp3).hexdigest(),
        input_lufs=body.loudness.integrated_lufs,
        input_peak_dbfs=body.loudness.peak_dbfs,
        output_lufs=out.output.integrated_lufs,
        output_true_peak_dbtp=out.output.peak_dbfs,
        sample_rate=config.sample_rate,
        bitrate_kbps=config.bitrate_kbps,
    )


def prepare_audio(
    data: bytes,
    filename: str,
    *,
    max_bytes: int,
    max_seconds: float,
    timeout: float = DEFAULT_CONFIG.timeout_s,
    intro: Jingle | None = None,
    outro: Jingle | None = None,
) -> ProcessedAudio:
    """Drop-in for ``dispatch.audio.prepare_audio``: same arguments and fields, plus the loudness measurements."""
    config = PipelineConfig(max_bytes=max_bytes, max_seconds=max_seconds, timeout_s=timeout)
    return process_audio(data, filename, config=config, intro=intro, outro=outro)
