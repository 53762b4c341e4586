"""Jingle tests: tones of known pitch made by ffmpeg, and a look at which pitch plays when in an encoded file."""

from __future__ import annotations

import itertools
import subprocess
from array import array
from pathlib import Path

import httpx

from source_server.audio.ffmpeg import ffmpeg_exe
from tests.audio.audio_support import make
from tests.bulletins.support import Api

RATE = 44_100
INTRO_HZ, BODY_HZ, OUTRO_HZ = 1000, 300, 600


def tone(tmp: Path, hz: int, seconds: float, name: str = "") -> bytes:
    """A sine of ``hz`` for ``seconds`` as WAV bytes (a jingle or a recording of known pitch and length)."""
    return make(tmp / f"{name or hz}-{seconds}.wav", f"sine=frequency={hz}:sample_rate={RATE}", seconds)


def samples(data: bytes, tmp: Path) -> array[int]:
    """Decode any audio file to mono 16-bit samples at 44.1 kHz (ffmpeg itself, not the pipeline's code)."""
    src = tmp / "decode-me"
    src.write_bytes(data)
    pcm = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(src), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    out = array("h")
    out.frombytes(pcm)
    return out


def pitch(pcm: array[int], start_s: float, end_s: float) -> float:
    """The frequency of a pure tone between two times, from its zero crossings (two per period)."""
    part = pcm[int(start_s * RATE) : int(end_s * RATE)]
    crossings = sum(1 for a, b in itertools.pairwise(part) if (a < 0) != (b < 0))
    return crossings / 2 / (end_s - start_s)


def near(measured: float, hz: int) -> bool:
    """Within 5 % of ``hz``."""
    return abs(measured - hz) <= 0.05 * hz


async def jingle_call(api: Api, who: str, method: str, url: str = "", **kw: object) -> httpx.Response:
    """``/api/v1/jingles`` as ``who``."""
    headers = {"Authorization": f"Bearer {api.tokens[who]}"}
    return await api.client.request(method, "/api/v1/jingles" + url, headers=headers, **kw)  # type: ignore[arg-type]


async def upload(
    api: Api, who: str, data: bytes, *, name: str, kind: str, area: str, filename: str = "nhac.wav"
) -> httpx.Response:
    """Upload a jingle through the API."""
    form = {"name": name, "kind": kind, "owner_area": area}
    return await jingle_call(api, who, "POST", data=form, files={"file": (filename, data, "audio/wav")})
