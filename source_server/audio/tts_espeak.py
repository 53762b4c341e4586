"""espeak-ng, the offline engine: the system ``espeak-ng`` binary (Debian package, installed by scripts/setup.sh).

Why the binary and not the ``espeakng-loader`` wheel: the wheel ships only the shared library, so speaking needs a
ctypes binding of our own, and libespeak-ng keeps one global synthesiser per process (no concurrency); one
short-lived process per sentence is simple, isolated, and runs sentences on every core at once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from source_server.audio.exceptions import EngineFailed
from source_server.audio.tts import TtsEngine, Voice

__all__ = ["EspeakNgEngine"]


class EspeakNgEngine(TtsEngine):
    """Vietnamese voices of espeak-ng (northern, central and southern; female and male variants)."""

    name = "espeak"
    voices = (
        Voice("vi+f3", "female", "espeak-ng, giọng nữ miền Bắc"),
        Voice("vi+m3", "male", "espeak-ng, giọng nam miền Bắc"),
        Voice("vi-vn-x-central+f3", "female", "espeak-ng, giọng nữ miền Trung"),
        Voice("vi-vn-x-central+m3", "male", "espeak-ng, giọng nam miền Trung"),
        Voice("vi-vn-x-south+f3", "female", "espeak-ng, giọng nữ miền Nam"),
        Voice("vi-vn-x-south+m3", "male", "espeak-ng, giọng nam miền Nam"),
    )

    def __init__(self, *, binary: str | None = None, rate_wpm: int = 150, timeout_s: float = 60.0) -> None:
        self.binary = binary
        self.rate_wpm = rate_wpm
        self.timeout_s = timeout_s
        self.max_concurrency = os.cpu_count() or 1

    def _exe(self, voice: str) -> str:
        """The espeak-ng binary; EngineFailed (unavailable) when it is not installed."""
        exe = self.binary or shutil.which("espeak-ng")
        if not exe or not Path(exe).is_file():
            raise EngineFailed(self.name, voice, "espeak-ng is not installed (Debian: apt-get install espeak-ng)",
                               unavailable=True)  # fmt: skip
        return exe

    async def synthesize(self, text: str, voice: str) -> bytes:
        """A 16-bit mono WAV (22.05 kHz) of ``text``; the text goes through stdin, never the command line."""
        if self.find_voice(voice) is None:
            raise EngineFailed(self.name, voice, f"unknown voice {voice!r}")
        exe = self._exe(voice)
        with tempfile.TemporaryDirectory(prefix="nguon-espeak-") as tmp:
            out = Path(tmp) / "speech.wav"
            proc = await asyncio.create_subprocess_exec(
                exe, "-v", voice, "-s", str(self.rate_wpm), "-b", "1", "-w", str(out), "--stdin",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                async with asyncio.timeout(self.timeout_s):
                    _, err = await proc.communicate(text.encode("utf-8"))
            except TimeoutError:
                proc.kill()
                await proc.wait()
                raise EngineFailed(self.name, voice, f"took longer than {self.timeout_s:g} s") from None
            data = out.read_bytes() if out.is_file() else b""
        if proc.returncode != 0 or len(data) <= 44:
            why = err.decode(errors="replace").strip()[:200] or f"exit status {proc.returncode}, no audio"
            raise EngineFailed(self.name, voice, why)
        return data
