"""First pass of the pipeline: decode any input to mono PCM WAV at the device rate, measure it, refuse what is unusable."""

from __future__ import annotations

import re
import wave
from dataclasses import dataclass
from pathlib import Path

from source_server.audio.config import PipelineConfig
from source_server.audio.exceptions import (
    AudioRejected,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    SilentAudio,
    TooLarge,
    TooLong,
    TooShort,
)
from source_server.audio.ffmpeg import Loudness, declared_seconds, ebur128, parse_loudness, run_ffmpeg

__all__ = ["Decoded", "check_size", "decode", "safe_suffix"]

_DECODE_ERRORS = re.compile(r"Error while decoding stream|Packet corrupt|Invalid data found when processing input")
_MAX_DECODE_ERRORS = 2
"""A damaged frame or two still plays; more than this is a broken file."""


@dataclass(frozen=True)
class Decoded:
    """A decoded input: mono 16-bit WAV at the device rate, its length and its measured input loudness."""

    wav: Path
    samples: int
    sample_rate: int
    loudness: Loudness
    """Integrated loudness and *sample* peak of the input (true peak is measured on the output only)."""

    @property
    def seconds(self) -> float:
        """Duration of the decoded audio."""
        return self.samples / self.sample_rate


def check_size(data: bytes, *, max_bytes: int) -> None:
    """Refuse empty and oversized inputs before any decoding work."""
    if not data:
        raise EmptyAudio()
    if len(data) > max_bytes:
        raise TooLarge(len(data), max_bytes)


def safe_suffix(filename: str) -> str:
    """The file's extension when it looks like one (ffmpeg uses it as a format hint), else nothing."""
    suffix = Path(filename or "").suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def _open_error(stderr: str, src: Path) -> str | None:
    """ffmpeg's complaint about opening the input itself (``<path>: <why>``), if any."""
    for line in stderr.splitlines():
        if line.startswith(f"{src}: "):
            return line[len(f"{src}: ") :].strip()
    return None


def _failure(stderr: str, src: Path) -> AudioRejected:
    """Turn a failed decode into the most specific refusal."""
    if "matches no streams" in stderr or "does not contain any stream" in stderr:
        return NotAudio("the file has no audio stream")
    if "misdetection possible" in stderr:
        return NotAudio("not a recognisable audio format")
    if "moov atom not found" in stderr:
        return CorruptAudio("the file is incomplete: its index ('moov atom') is missing, as after a cut-off upload")
    if (why := _open_error(stderr, src)) is not None:
        return NotAudio(f"not an audio file ffmpeg can read ({why})")
    if "Audio:" in stderr:
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        return CorruptAudio(f"the audio could not be decoded: {lines[-1][:160] if lines else 'unknown error'}")
    return NotAudio("no audio stream ffmpeg can read")


def decode(src: Path, dst: Path, *, config: PipelineConfig, max_seconds: float) -> Decoded:
    """Decode ``src`` into ``dst`` (mono s16 WAV) and measure it; an AudioRejected subclass when unusable."""
    rate = config.sample_rate
    graph = (
        f"[0:a:0]aresample={rate},aformat=sample_fmts=s16:sample_rates={rate}:channel_layouts=mono,asplit[w][m];"
        f"[m]{ebur128('sample')},anullsink"
    )
    proc = run_ffmpeg(
        ["-t", f"{max_seconds + 1:.3f}", "-i", str(src), "-filter_complex", graph, "-map", "[w]",
         "-map_metadata", "-1", "-c:a", "pcm_s16le", "-f", "wav", "-y", str(dst)],
        timeout=config.timeout_s,
    )  # fmt: skip
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 or not dst.is_file():
        raise _failure(err, src)
    if "misdetection possible" in err:
        raise NotAudio("not a recognisable audio format")
    with wave.open(str(dst), "rb") as w:
        samples = w.getnframes()
    decoded = Decoded(wav=dst, samples=samples, sample_rate=rate, loudness=parse_loudness(err))
    _check(decoded, err, config=config, max_seconds=max_seconds)
    return decoded


def _check(decoded: Decoded, stderr: str, *, config: PipelineConfig, max_seconds: float) -> None:
    """Refuse decoded audio that is empty, too long, broken off, too short or silent (in that order)."""
    seconds = decoded.seconds
    if decoded.samples == 0:
        raise (
            CorruptAudio("no audio could be decoded", decoded_s=0.0)
            if "Audio:" in stderr
            else NotAudio("no audio stream ffmpeg can read")
        )
    if seconds > max_seconds:
        raise TooLong(max_seconds)
    declared = declared_seconds(stderr)
    if declared is not None and seconds < declared - max(0.5, 0.05 * declared):
        raise CorruptAudio(
            f"truncated: {seconds:.1f} s decoded of {declared:.1f} s declared", decoded_s=seconds, declared_s=declared
        )
    mapped = stderr.split("Stream mapping:", 1)[-1]
    if "File ended prematurely" in mapped:
        raise CorruptAudio(f"truncated: the file ends abruptly after {seconds:.1f} s", decoded_s=seconds)
    if len(_DECODE_ERRORS.findall(mapped)) > _MAX_DECODE_ERRORS:
        raise CorruptAudio(f"corrupt: decoding errors after {seconds:.1f} s", decoded_s=seconds, declared_s=declared)
    if seconds < config.min_seconds:
        raise TooShort(seconds, config.min_seconds)
    level = decoded.loudness
    if level.integrated_lufs < config.silence_lufs or level.peak_dbfs < config.silence_peak_dbfs:
        raise SilentAudio(level.integrated_lufs, level.peak_dbfs)
