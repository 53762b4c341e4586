"""edge-tts, the online engine: Microsoft's neural Vietnamese voices, through the ``edge-tts`` library.

In a closed provincial network it is never reachable, so it must fail fast (short connect timeout) and say why;
the chain then falls back to espeak-ng and skips edge-tts for a while.
"""

from __future__ import annotations

import asyncio
import re

from source_server.audio.exceptions import EngineFailed
from source_server.audio.tts import TtsEngine, Voice

__all__ = ["EdgeTtsEngine"]

_SSL_REPR = re.compile(r" ssl:(?:<[^>]*>|\S+)")
"""aiohttp puts the SSL context's repr in its connection errors; the bulletin's record does not need it."""


class EdgeTtsEngine(TtsEngine):
    """Neural voices vi-VN-HoaiMyNeural (female) and vi-VN-NamMinhNeural (male); returns MP3 (24 kHz mono)."""

    name = "edge"
    voices = (
        Voice("vi-VN-HoaiMyNeural", "female", "Hoài My (giọng nữ, trực tuyến)"),
        Voice("vi-VN-NamMinhNeural", "male", "Nam Minh (giọng nam, trực tuyến)"),
    )
    max_concurrency = 4

    def __init__(
        self, *, connect_timeout_s: float = 3.0, receive_timeout_s: float = 30.0, proxy: str | None = None
    ) -> None:
        self.connect_timeout_s = connect_timeout_s
        self.receive_timeout_s = receive_timeout_s
        self.proxy = proxy

    async def synthesize(self, text: str, voice: str) -> bytes:
        """MP3 bytes of ``text``; EngineFailed with ``unavailable`` when the service cannot be reached."""
        if self.find_voice(voice) is None:
            raise EngineFailed(self.name, voice, f"unknown voice {voice!r}")
        import aiohttp
        import edge_tts

        communicate = edge_tts.Communicate(
            text,
            voice,
            proxy=self.proxy,
            connect_timeout=max(1, round(self.connect_timeout_s)),
            receive_timeout=max(1, round(self.receive_timeout_s)),
        )
        chunks: list[bytes] = []
        loop = asyncio.get_running_loop()
        try:
            # The first message must come within the connect timeout (a black-holed network must not hold the
            # bulletin); after that, each one within the receive timeout.
            async with asyncio.timeout(self.connect_timeout_s) as deadline:
                async for chunk in communicate.stream():
                    deadline.reschedule(loop.time() + self.receive_timeout_s)
                    if chunk["type"] == "audio" and chunk.get("data"):
                        chunks.append(chunk["data"])
        except TimeoutError as exc:
            if chunks:
                raise EngineFailed(self.name, voice, "the edge-tts service stopped sending audio") from exc
            why = f"no answer from the edge-tts service within {self.connect_timeout_s:g} s"
            raise EngineFailed(self.name, voice, why, unavailable=True) from exc
        except (aiohttp.ClientError, OSError) as exc:
            why = _SSL_REPR.sub("", str(exc)) or type(exc).__name__
            raise EngineFailed(self.name, voice, f"cannot reach the edge-tts service: {why}", unavailable=True) from exc
        except edge_tts.exceptions.EdgeTTSException as exc:
            raise EngineFailed(self.name, voice, f"edge-tts refused: {type(exc).__name__}: {exc}") from exc
        if not chunks:
            raise EngineFailed(self.name, voice, "edge-tts sent no audio")
        return b"".join(chunks)
