"""What a device renders content with: one small interface, a renderer per kind of content, and the device's set.

A ``play`` names its content by content type (``media.content_type``) or is a live ``stream``; the set picks the
renderer (PROTOCOL.md §4.4). Renderers:

- :class:`AudioRenderer` — stored audio through a :class:`~device_agent.player.Player` (ffplay, aplay, null sink);
- :class:`VideoRenderer` — stored video through a player that shows it (ffplay with a window, or the null sink);
- :class:`StreamRenderer` — a live HTTP stream (Icecast) through ffplay, or ffmpeg decoding to its null sink;
- :class:`FrameRenderer` — text frames and still images, written as the board's current frame into a directory
  its screen program reads (or kept in memory for a simulated board).

A renderer plays one item from ``item.offset_ms`` to its end; cancelling ``play`` stops it at once. The programme
(``playback.Programme``) keeps the position (offset + time played) for ``preempted``/``interrupted`` acks and
resumes an item from there, so the priority queue is the same whatever renders the content.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import Coroutine, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from device_agent.exceptions import RenderError
from device_agent.player import CommandPlayer, NullPlayer, Playable, Player, run_player
from protocols import Capability, DeviceKind, PlayBody, content_capability

OPEN_ENDED_MS = 7 * 24 * 3600 * 1000
"""The length given to a stream without ``duration_ms``: it plays until stopped or until its source ends."""


def base_type(content_type: str) -> str:
    """``type/subtype`` of a content type, lower case, parameters (``; charset=...``) left out."""
    return content_type.split(";", 1)[0].strip().lower()


def _matches(content_type: str, patterns: Iterable[str]) -> bool:
    ct = base_type(content_type)
    major = ct.split("/", 1)[0]
    return any(p == ct or (p.endswith("/*") and p[:-2] == major) for p in patterns)


class Renderer(Protocol):
    """Renders some content types: ``can_render`` says which, ``prepare`` checks an item before it is queued
    (RenderError: the play fails with that reason), ``play`` renders it from ``item.offset_ms`` to the end
    (cancelling it stops at once; the programme reports the position reached)."""

    capabilities: frozenset[Capability]

    def can_render(self, content_type: str) -> bool: ...

    def prepare(self, item: Playable) -> None: ...

    async def play(self, item: Playable) -> None: ...


class _PlayerRenderer:
    """Stored media of some content types played through a :class:`Player`."""

    capabilities: frozenset[Capability] = frozenset()
    types: tuple[str, ...] = ()

    def __init__(self, player: Player, types: Sequence[str] | None = None) -> None:
        self.player = player
        if types is not None:
            self.types = tuple(types)

    def can_render(self, content_type: str) -> bool:
        """True for the content types this renderer's player takes."""
        return _matches(content_type, self.types)

    def prepare(self, item: Playable) -> None:
        """Stored media only (a stream has its own renderer)."""
        if item.url is not None:
            raise RenderError("unsupported_content", "a stream is not stored media")

    def play(self, item: Playable) -> Coroutine[Any, Any, None]:
        """Play it through the player (cancel to stop); the player's own coroutine, no extra frame."""
        return self.player.play(item)


class AudioRenderer(_PlayerRenderer):
    """Stored audio (``audio/*``; ``audio/wav`` only through aplay) through the device's audio player."""

    capabilities = frozenset({Capability.AUDIO})
    types = ("audio/*",)


class VideoRenderer(_PlayerRenderer):
    """Stored video (``video/*``) through a player that shows it (``CommandPlayer("ffplay", display=True)``)."""

    capabilities = frozenset({Capability.VIDEO})
    types = ("video/*",)


class StreamRenderer:
    """A live stream by URL: ``ffplay`` (the device's sound card), ``ffmpeg`` (decoded in real time to its null
    sink: a real connection, real decoding, no sound card) or ``null`` (sleeps its duration, for simulations).

    It plays for what is left of ``duration_ms`` when the play gives one, else until the source ends (``done``)
    or the play is stopped. A resumed stream joins the live source again (nothing to seek in)."""

    capabilities = frozenset({Capability.STREAM})

    def __init__(self, program: str = "ffplay", types: Sequence[str] = ("audio/*",)) -> None:
        if program not in ("ffplay", "ffmpeg", "null"):
            raise ValueError(f"stream player must be ffplay, ffmpeg or null, not {program!r}")
        self.program, self.types = program, tuple(types)
        self.path: str | None = None
        if program != "null":
            self.path = shutil.which(program)
            if self.path is None:
                raise FileNotFoundError(f"stream player program {program!r} is not on PATH")
        self.played: list[tuple[str, int]] = []
        """(url, offset_ms) of each play begun, for tests and diagnosis."""

    def can_render(self, content_type: str) -> bool:
        """True for the stream content types it decodes (audio by default)."""
        return _matches(content_type, self.types)

    def prepare(self, item: Playable) -> None:
        """A stream needs a URL its player can open (http or https)."""
        if item.url is None or not item.url.lower().startswith(("http://", "https://")):
            raise RenderError("unsupported_content", f"not an http(s) stream: {item.url!r}")

    def argv(self, item: Playable) -> list[str]:
        """The command line that plays ``item``'s stream (for what is left of its duration, if it has one)."""
        assert self.path is not None and item.url is not None
        left = None if item.duration_ms >= OPEN_ENDED_MS else max(0, item.duration_ms - item.offset_ms) / 1000
        limit = ["-t", f"{left:.3f}"] if left is not None else []
        if self.program == "ffplay":
            return [self.path, "-nodisp", "-autoexit", "-loglevel", "error", "-volume", str(item.volume), *limit,
                    item.url]  # fmt: skip
        return [self.path, "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", item.url, *limit, "-vn",
                "-f", "null", "-"]  # fmt: skip

    async def play(self, item: Playable) -> None:
        """Run the player until the stream (or its duration) ends; killed when cancelled; RuntimeError on failure."""
        assert item.url is not None
        self.played.append((item.url, item.offset_ms))
        if self.program == "null":
            left = item.duration_ms - item.offset_ms
            await asyncio.sleep(max(0, left) / 1000 if item.duration_ms < OPEN_ENDED_MS else OPEN_ENDED_MS / 1000)
            return
        await run_player(self.program, self.argv(item))


_IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/bmp": (b"BM",),
}
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/bmp": ".bmp",
               "image/webp": ".webp", "text/html": ".html"}  # fmt: skip
FRAME_MANIFEST = "current.json"
"""The file a board's screen program reads: what to show now (``file``, ``content_type``...) or ``file: null``."""


class FrameRenderer:
    """Text frames (``text/*``, UTF-8 unless the type names another charset) and still images (PNG, JPEG, GIF,
    BMP, WebP) shown for their ``duration_ms``.

    With a ``directory`` (the board's screen program reads it) the frame is written there as ``<sha256><ext>``
    and ``current.json`` says what to show — ``{"file", "content_type", "sha256", "title", "since", "until"}`` —
    both replaced atomically; when the frame's time is over (or it is stopped or preempted) ``current.json``
    says ``{"file": null}`` again and the frame file is removed. Without one the current frame is kept in memory
    (a simulated board). ``prepare`` refuses text that does not decode and an image whose bytes are not of its
    type (``failed``, reason ``bad_content``).
    """

    capabilities = frozenset({Capability.TEXT, Capability.IMAGE})
    types = ("text/*", "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp")

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.current: Playable | None = None
        self.shown: list[tuple[str, int]] = []
        """(sha256, offset_ms) of each frame shown, for tests and diagnosis."""
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self._manifest({"file": None, "since": _now()})

    def can_render(self, content_type: str) -> bool:
        """Text of any subtype, and the image formats a board's screen shows."""
        return _matches(content_type, self.types)

    def prepare(self, item: Playable) -> None:
        """Check the frame's bytes are what its type says (RenderError ``bad_content`` otherwise)."""
        if item.url is not None:
            raise RenderError("unsupported_content", "a frame is stored media, not a stream")
        data = _bytes(item)
        ct = base_type(item.content_type)
        if ct.startswith("text/"):
            try:
                data.decode(_charset(item.content_type))
            except (UnicodeDecodeError, LookupError) as exc:
                raise RenderError("bad_content", f"{ct} that does not decode: {exc}") from None
        elif ct == "image/webp":
            if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
                raise RenderError("bad_content", "not a WebP image")
        elif not data.startswith(_IMAGE_MAGIC.get(ct, (b"",))):
            raise RenderError("bad_content", f"the bytes are not {ct}")

    async def play(self, item: Playable) -> None:
        """Show the frame for the rest of its duration, then blank the screen (also when cancelled)."""
        self.shown.append((item.sha256, item.offset_ms))
        left_s = max(0, item.duration_ms - item.offset_ms) / 1000
        self.current = item
        file = self._show(item, left_s)
        try:
            await asyncio.sleep(left_s)
        finally:
            self.current = None
            self._blank(file)

    def _show(self, item: Playable, left_s: float) -> Path | None:
        if self.directory is None:
            return None
        ct = base_type(item.content_type)
        file = self.directory / f"{item.sha256}{_EXTENSIONS.get(ct, '.txt' if ct.startswith('text/') else '.img')}"
        _write_atomically(file, _bytes(item))
        since = datetime.now(UTC)
        self._manifest({
            "file": file.name, "content_type": item.content_type, "sha256": item.sha256, "title": item.title,
            "since": since.isoformat(), "until": (since + timedelta(seconds=left_s)).isoformat(),
        })  # fmt: skip
        return file

    def _blank(self, file: Path | None) -> None:
        if self.directory is None or file is None:
            return
        self._manifest({"file": None, "since": _now()})
        with contextlib.suppress(OSError):
            file.unlink()

    def _manifest(self, data: dict[str, object]) -> None:
        assert self.directory is not None
        _write_atomically(self.directory / FRAME_MANIFEST, json.dumps(data, ensure_ascii=False).encode())


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def _bytes(item: Playable) -> bytes:
    if item.data is not None:
        return item.data
    if item.path is not None:
        return item.path.read_bytes()
    raise RenderError("bad_content", "nothing to show: neither a file nor bytes")


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Renderers:
    """The device's renderers, chosen by content: what it announces (``capabilities``), whether it can render a
    play (``can_render``), and the one :class:`Player` the programme plays every item through.

    ``announce`` narrows what the device says it renders (and so accepts); None announces every capability of
    its renderers. A capability announced without a renderer for it is refused (ValueError).
    """

    def __init__(self, renderers: Sequence[Renderer], announce: Iterable[Capability] | None = None) -> None:
        self.renderers = tuple(renderers)
        offered = {c for r in self.renderers for c in r.capabilities}
        wanted = set(offered if announce is None else announce)
        missing = wanted - offered
        if missing:
            names = ", ".join(sorted(c.value for c in missing))
            raise ValueError(f"capabilities announced without a renderer for them: {names}")
        self.capabilities: tuple[Capability, ...] = tuple(c for c in Capability if c in wanted)
        """What the device announces in its online state, in the protocol's order."""
        self._chosen: dict[tuple[str, bool], Renderer | None] = {}

    def for_content(self, content_type: str, *, stream: bool = False) -> Renderer | None:
        """The renderer for this content (announced capabilities only), or None."""
        key = (content_type, stream)
        if key not in self._chosen:
            cap = content_capability(content_type, stream=stream)
            found = None
            if cap is not None and cap in self.capabilities:
                found = next((r for r in self.renderers if cap in r.capabilities and r.can_render(content_type)), None)
            self._chosen[key] = found
        return self._chosen[key]

    def can_render(self, body: PlayBody) -> bool:
        """True when some renderer takes this play's content (the check behind ``unsupported_content``)."""
        return self.for_content(body.content_type, stream=body.stream is not None) is not None

    def prepare(self, item: Playable) -> None:
        """The chosen renderer's check of an item before it is queued (RenderError otherwise)."""
        self._renderer(item).prepare(item)

    def play(self, item: Playable) -> Coroutine[Any, Any, None]:
        """Render ``item`` with its renderer (the programme's player): that renderer's own coroutine, so the set
        adds no frame to a simulated fleet's ten thousand plays."""
        return self._renderer(item).play(item)

    def _renderer(self, item: Playable) -> Renderer:
        renderer = self.for_content(item.content_type, stream=item.url is not None)
        if renderer is None:
            raise RenderError("unsupported_content", f"no renderer for {item.content_type}")
        return renderer


def default_renderers(
    kind: DeviceKind, player: Player, *, frame_dir: Path | None = None, stream_player: str | None = None
) -> list[Renderer]:
    """What a device of ``kind`` renders with when not told otherwise.

    A speaker: its audio ``player``, plus live streams when it plays through ffplay (which opens an HTTP stream
    as it opens a file) or when ``stream_player`` names one. An e-board: text frames and images
    (:class:`FrameRenderer` into ``frame_dir``) and video through ffplay's window, or the null sink when its
    ``player`` is the null sink (a simulated board).
    """
    program = player.program if isinstance(player, CommandPlayer) else None
    if kind == DeviceKind.EBOARD:
        out: list[Renderer] = [FrameRenderer(frame_dir)]
        if isinstance(player, NullPlayer):
            out.append(VideoRenderer(player))
        elif program == "ffplay":
            out.append(VideoRenderer(CommandPlayer("ffplay", display=True)))
    else:
        types = ("audio/wav", "audio/x-wav", "audio/wave") if program == "aplay" else None
        out = [AudioRenderer(player, types)]
    stream = stream_player or ("ffplay" if program == "ffplay" and kind == DeviceKind.SPEAKER else None)
    if stream is not None:
        out.append(StreamRenderer(stream))
    return out
