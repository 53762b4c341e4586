"""Test media and the kit's own small HTTP server for it: real MP3 tones (ffmpeg), and a copy whose hash is wrong."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import math
import shutil
import struct
import subprocess
import time
import wave
from dataclasses import dataclass, field


def tone_wav(seconds: float, *, hz: float = 440.0, rate: int = 16000) -> bytes:
    """A mono 16-bit sine tone as WAV bytes (standard library only)."""
    frames = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * i / rate))) for i in range(frames))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples)
    return buf.getvalue()


def ffmpeg_path() -> str | None:
    """System ffmpeg, else the one shipped with imageio-ffmpeg, else None."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def encode_mp3(wav: bytes) -> bytes | None:
    """The WAV encoded as MP3 by ffmpeg, or None when ffmpeg is missing or fails."""
    exe = ffmpeg_path()
    if exe is None:
        return None
    args = [exe, "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0", "-codec:a", "libmp3lame"]
    try:
        done = subprocess.run([*args, "-b:a", "32k", "-f", "mp3", "pipe:1"], input=wav, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


@dataclass(frozen=True)
class Media:
    """One test file as a ``play`` body's ``media`` needs it (``url`` filled by the server)."""

    name: str
    data: bytes
    duration_ms: int
    content_type: str

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()


def make_tone(name: str, seconds: float, hz: float) -> Media:
    """A tone of ``seconds``: MP3 when ffmpeg is at hand, else the WAV itself."""
    wav = tone_wav(seconds, hz=hz)
    mp3 = encode_mp3(wav)
    if mp3 is not None:
        return Media(f"{name}.mp3", mp3, int(seconds * 1000), "audio/mpeg")
    return Media(f"{name}.wav", wav, int(seconds * 1000), "audio/wav")


def corrupted(media: Media, name: str) -> Media:
    """Same size, one byte changed: what a device must refuse with ``hash_mismatch``."""
    data = bytearray(media.data)
    data[len(data) // 2] ^= 0xFF
    return Media(name, bytes(data), media.duration_ms, media.content_type)


@dataclass
class MediaServer:
    """Serves files by name over HTTP/1.1 (one request per connection) and records each GET."""

    host: str = "127.0.0.1"
    public_host: str | None = None
    """The address put in URLs (the device must reach it); ``host`` when None."""
    files: dict[str, bytes] = field(default_factory=dict)
    hits: list[tuple[str, float]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def url(self, name: str) -> str:
        """The URL a device downloads ``name`` from."""
        return f"http://{self.public_host or self.host}:{self.port}/media/{name}"

    def media_ref(self, media: Media, *, serve_as: Media | None = None) -> dict[str, object]:
        """A ``media`` object for a play body; ``serve_as`` serves other bytes at the URL (wrong hash)."""
        served = serve_as or media
        self.files[served.name] = served.data
        return {
            "url": self.url(served.name), "sha256": media.sha256, "size": len(media.data),
            "duration_ms": media.duration_ms, "content_type": media.content_type,
        }  # fmt: skip

    def got(self, name: str) -> bool:
        """True once someone downloaded ``name``."""
        return any(path.endswith(f"/{name}") for path, _ in self.hits)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            method, path = ([*head.split(b"\r\n", 1)[0].decode("latin-1").split(" "), "", ""])[:2]
            self.hits.append((path, time.time()))
            data = self.files.get(path.rsplit("/", 1)[-1]) if path.startswith("/media/") else None
            if method not in ("GET", "HEAD") or data is None:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            else:
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                )
                if method == "GET":
                    writer.write(data)
            await writer.drain()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
