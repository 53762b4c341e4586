"""Audio intake with real ffmpeg: decode anything, check it, encode the device format (mono MP3, 64 kbit/s CBR)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from source_server.dispatch.exceptions import AudioRejected

__all__ = ["AudioRejected", "PreparedAudio", "ffmpeg_exe", "prepare_audio"]

SAMPLE_RATE = 44_100
BITRATE = "64k"
MIN_SECONDS = 0.2
SILENCE_DB = -60.0
"""A file whose loudest sample is below this (dBFS) is silence."""
FFMPEG_TIMEOUT_S = 300.0

_MONO = f"aresample={SAMPLE_RATE},aformat=sample_fmts=s16:sample_rates={SAMPLE_RATE}:channel_layouts=mono"
_N_SAMPLES = re.compile(r"n_samples:\s*(\d+)")
_MAX_VOLUME = re.compile(r"max_volume:\s*(-?inf|-?[\d.]+)\s*dB")
_DURATION = re.compile(r"Duration:\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class PreparedAudio:
    """Audio ready for devices: MP3 bytes, their duration and hash."""

    data: bytes
    duration_ms: int
    sha256: str
    content_type: str = "audio/mpeg"

    @property
    def size(self) -> int:
        """Size of the MP3 in bytes."""
        return len(self.data)


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """System ffmpeg when on PATH, else the binary shipped by imageio-ffmpeg."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg; AudioRejected when it takes longer than ``timeout``."""
    try:
        return subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AudioRejected(f"decoding took longer than {timeout:.0f} s") from None


def _ffmpeg_error(stderr: str) -> str:
    """The most telling line of a failed ffmpeg run."""
    if "matches no streams" in stderr or "does not contain any stream" in stderr:
        return "the file has no audio stream"
    if "Invalid data found" in stderr:
        return "not an audio file ffmpeg can read (invalid data)"
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    # ffmpeg builds differ in wording; a failure to open the input names the input file itself.
    opened = [ln for ln in lines if "/input" in ln and ln.rsplit(": ", 1)[-1] != ln]
    if opened:
        return f"not an audio file ffmpeg can read ({opened[-1].rsplit(': ', 1)[-1]})"
    return f"ffmpeg could not decode it: {lines[-1][:160] if lines else 'unknown error'}"


def _analyse_and_encode(src: Path, dst: Path, max_seconds: float, timeout: float) -> tuple[int, float, float | None]:
    """One ffmpeg run, one decode, two outputs: the checks' figures and the mono MP3 in ``dst``.

    Returns (mono samples at SAMPLE_RATE, peak dBFS, duration the container declares). Both outputs stop
    after ``max_seconds + 1`` s: a longer file is refused anyway, so an accepted file is never cut.
    """
    limit = f"{max_seconds + 1:.3f}"
    proc = _run(
        ["-i", str(src),
         "-map", "0:a:0", "-t", limit, "-af", _MONO + ",volumedetect", "-f", "null", "-",
         "-map", "0:a:0", "-t", limit, "-map_metadata", "-1", "-ac", "1", "-ar", str(SAMPLE_RATE),
         "-c:a", "libmp3lame", "-b:a", BITRATE, "-fflags", "+bitexact", "-flags:a", "+bitexact",
         "-id3v2_version", "0", "-f", "mp3", "-y", str(dst)],
        timeout,
    )  # fmt: skip
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise AudioRejected(_ffmpeg_error(err))
    samples = max((int(n) for n in _N_SAMPLES.findall(err)), default=0)
    peaks = _MAX_VOLUME.findall(err)
    peak = float(peaks[-1]) if peaks else float("-inf")
    declared = None
    if m := _DURATION.search(err):
        declared = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    return samples, peak, declared


def prepare_audio(
    data: bytes, filename: str, *, max_bytes: int, max_seconds: float, timeout: float = FFMPEG_TIMEOUT_S
) -> PreparedAudio:
    """Check and convert an upload to the device format; AudioRejected (nothing kept) when unusable."""
    if not data:
        raise AudioRejected("the file is empty")
    if len(data) > max_bytes:
        raise AudioRejected(f"the file is {len(data)} bytes, over the {max_bytes}-byte limit")
    suffix = Path(filename or "").suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    with tempfile.TemporaryDirectory(prefix="nguon-audio-") as tmp:
        src, dst = Path(tmp) / f"input{suffix}", Path(tmp) / "out.mp3"
        src.write_bytes(data)
        samples, peak, declared = _analyse_and_encode(src, dst, max_seconds, timeout)
        seconds = samples / SAMPLE_RATE
        if samples == 0:
            raise AudioRejected("no audio could be decoded (corrupt or not audio)")
        if seconds > max_seconds:
            raise AudioRejected(f"too long: over {max_seconds:g} s")
        if seconds < MIN_SECONDS:
            raise AudioRejected(f"too short: {seconds:.2f} s (minimum {MIN_SECONDS} s)")
        if declared is not None and seconds < declared - max(0.5, 0.05 * declared):
            raise AudioRejected(f"truncated or corrupt: {seconds:.1f} s decoded of {declared:.1f} s declared")
        if peak <= SILENCE_DB:
            raise AudioRejected("the audio is silent")
        mp3 = dst.read_bytes()
    return PreparedAudio(data=mp3, duration_ms=round(seconds * 1000), sha256=hashlib.sha256(mp3).hexdigest())
