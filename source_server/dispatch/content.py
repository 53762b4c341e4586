"""What a ``play`` carries, built in one place: stored media of any allowed type, or a stream reference.

``play_body`` is the one builder of the play body (the programme sync, the emergency on-air path and the raw
broadcast route all call it). Stored media is typed by its bytes (``sniff``), never by what a client claims;
each allowed content type has one file extension, under which the store keeps it and the media route serves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from protocols import Capability, MediaRef, PlayBody, PreemptPolicy, StreamRef
from source_server.config import Settings
from source_server.fleet.kinds import required_capability

EXTENSIONS: dict[str, str] = {
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "text/plain": "txt",
}
"""Every content type the media store keeps, with the extension it is stored and served under."""

CONTENT_TYPES: dict[str, str] = {ext: ctype for ctype, ext in EXTENSIONS.items()}
"""Extension → content type (what the media route answers with)."""

SERVED_TYPES: dict[str, str] = {**CONTENT_TYPES, "txt": "text/plain; charset=utf-8"}
"""The ``Content-Type`` header for each extension (text is always UTF-8)."""

MAX_TEXT_BYTES = 64 * 1024
"""A text frame longer than this is refused (boards show a screenful, not a book)."""


class MediaLike(Protocol):
    """A stored media row as the play body needs it (``dispatch.models.Media``)."""

    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def duration_ms(self) -> int: ...
    @property
    def content_type(self) -> str: ...


class UnsupportedContent(ValueError):
    """Bytes of no content type the store keeps; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def extension(content_type: str) -> str:
    """The store's extension for a content type; UnsupportedContent for one it does not keep."""
    ext = EXTENSIONS.get(content_type.split(";", 1)[0].strip().lower())
    if ext is None:
        raise UnsupportedContent(f"content type {content_type!r} is not one the media store keeps")
    return ext


def _is_text(data: bytes) -> bool:
    if len(data) > MAX_TEXT_BYTES or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.strip() != "" and all(c.isprintable() or c in "\n\r\t" for c in text.lstrip("\ufeff"))


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: sync bits, a known version, a valid bitrate and sample rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


def sniff(data: bytes) -> str:
    """The content type of ``data`` read from its first bytes; UnsupportedContent when it is none we keep."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "audio/mpeg"
    if _is_text(data):
        return "text/plain"
    raise UnsupportedContent("the file is none of: MP3, Ogg, M4A, PNG, JPEG, WebP, MP4, WebM, UTF-8 text")


def media_url(settings: Settings, sha256: str, content_type: str = "audio/mpeg") -> str:
    """Where devices download a stored file (``/media/<sha256>.<ext>``; audio/mpeg stays ``.mp3``)."""
    return f"{settings.base_url}/media/{sha256}.{extension(content_type)}"


def media_ref(settings: Settings, media: MediaLike) -> MediaRef:
    """The reference a device downloads a stored file by."""
    return MediaRef(
        url=media_url(settings, media.sha256, media.content_type),
        sha256=media.sha256,
        size=media.size,
        duration_ms=media.duration_ms,
        content_type=media.content_type,
    )


def play_body(
    *,
    settings: Settings,
    media: MediaLike | None = None,
    stream: StreamRef | None = None,
    title: str = "",
    start_at: datetime | None = None,
    on_preempt: PreemptPolicy = PreemptPolicy.RESUME,
    volume: int | None = None,
) -> PlayBody:
    """The body of a ``play``: exactly one of stored ``media`` and a ``stream``; the title cut to 200 characters."""
    if (media is None) == (stream is None):
        raise ValueError("a play carries exactly one of media and stream")
    return PlayBody(
        media=media_ref(settings, media) if media is not None else None,
        stream=stream,
        title=title[:200],
        start_at=start_at,
        on_preempt=on_preempt,
        volume=volume,
    )


@dataclass(frozen=True)
class PlayFacts:
    """What a command records of its play in columns (proof and reports read these, not the envelope)."""

    content_kind: Capability
    start_at: datetime | None
    duration_ms: int | None


def play_facts(body: PlayBody) -> PlayFacts:
    """Content kind, start and duration of a play body; ValueError for a content type no device renders."""
    if body.media is not None:
        return PlayFacts(required_capability(body.media.content_type), body.start_at, body.media.duration_ms)
    assert body.stream is not None
    return PlayFacts(Capability.STREAM, body.start_at, body.stream.duration_ms)
