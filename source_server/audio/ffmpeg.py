"""Running ffmpeg and reading what it measured: the one place that knows ffmpeg's command line and log format."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache

from source_server.audio.exceptions import AudioProcessingError

__all__ = [
    "Loudness",
    "declared_seconds",
    "ebur128",
    "ffmpeg_exe",
    "parse_loudness",
    "parse_loudness_all",
    "run_ffmpeg",
]

_INTEGRATED = re.compile(r"\bI:\s+(-?[\d.]+|-?inf|nan)\s+LUFS")
_PEAK = re.compile(r"Peak:\s+(-?[\d.]+|-?inf|nan)\s+dBFS")
_DURATION = re.compile(r"Duration:\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)")


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """System ffmpeg when on PATH, else the binary shipped by imageio-ffmpeg."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args`` (no stdin, output captured); AudioProcessingError when it overruns ``timeout``."""
    try:
        return subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AudioProcessingError(f"ffmpeg took longer than {timeout:.0f} s") from None


def run_piped(first: list[str], second: list[str], *, timeout: float) -> tuple[int, str, int, str]:
    """Run two ffmpeg processes at once, the first's stdout feeding the second's stdin (two cores, one wait).

    Returns both exit statuses and logs; AudioProcessingError (both killed) when they overrun ``timeout``.
    """
    base = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats"]
    with tempfile.TemporaryFile() as log1, tempfile.TemporaryFile() as log2:
        producer = subprocess.Popen([*base, *first], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log1)
        consumer = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostats", *second], stdin=producer.stdout, stderr=log2
        )
        assert producer.stdout is not None
        producer.stdout.close()  # the consumer holds the pipe now; the producer sees EPIPE if it dies
        deadline = time.monotonic() + timeout
        try:
            for proc in (producer, consumer):
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for proc in (producer, consumer):
                proc.kill()
                proc.wait()
            raise AudioProcessingError(f"ffmpeg took longer than {timeout:.0f} s") from None
        logs = []
        for log in (log1, log2):
            log.seek(0)
            logs.append(log.read().decode(errors="replace"))
    return producer.returncode, logs[0], consumer.returncode, logs[1]


@dataclass(frozen=True)
class Loudness:
    """One ebur128 measurement: integrated loudness (LUFS) and peak (dBFS; true or sample peak as asked)."""

    integrated_lufs: float
    peak_dbfs: float


def _number(text: str) -> float:
    """ffmpeg's numbers, including ``-inf``; NaN (nothing measured) counts as −inf."""
    value = float(text)
    return -math.inf if math.isnan(value) else value


def parse_loudness(stderr: str) -> Loudness:
    """The ebur128 filter's summary from ffmpeg's log (the last one when several ran)."""
    summaries = stderr.split("Summary:")
    if len(summaries) < 2:
        raise AudioProcessingError("ffmpeg printed no loudness summary")
    summary = summaries[-1]
    integrated = _INTEGRATED.search(summary)
    peak = _PEAK.search(summary)
    return Loudness(
        integrated_lufs=_number(integrated[1]) if integrated else -math.inf,
        peak_dbfs=_number(peak[1]) if peak else -math.inf,
    )


_INSTANCE = re.compile(r"\[Parsed_ebur128_(\d+) @ [^\]]+\] Summary:")


def parse_loudness_all(stderr: str) -> list[Loudness]:
    """Every ebur128 filter's final summary, in the order the filters appear in the graph."""
    found: dict[int, Loudness] = {}
    marks = list(_INSTANCE.finditer(stderr))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        text = stderr[mark.end() : following.start() if following else len(stderr)]
        found[int(mark[1])] = parse_loudness("Summary:" + text)  # later summaries of one instance win
    return [found[k] for k in sorted(found)]


def declared_seconds(stderr: str) -> float | None:
    """The duration the container declares, when it declares one."""
    if m := _DURATION.search(stderr):
        return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    return None


def ebur128(peak: str) -> str:
    """The ebur128 filter measuring integrated loudness and ``peak`` (``true``, ``sample`` or ``none``) quietly."""
    return f"ebur128=peak={peak}:framelog=verbose"
