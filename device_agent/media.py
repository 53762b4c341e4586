"""Fetch media by reference over HTTP(S) and check it against its size and sha256."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Protocol

import httpx

from device_agent.exceptions import MediaError
from protocols import MediaRef


class Fetcher(Protocol):
    """Returns the verified bytes of a media reference, or raises MediaError."""

    async def fetch(self, media: MediaRef) -> bytes: ...


def verify(media: MediaRef, data: bytes) -> bytes:
    """``data`` if it matches the reference's size and sha256, else MediaError."""
    if len(data) != media.size:
        raise MediaError("size_mismatch", f"got {len(data)} bytes, expected {media.size}")
    if hashlib.sha256(data).hexdigest() != media.sha256:
        raise MediaError("hash_mismatch", f"content of {media.url} does not hash to {media.sha256[:12]}…")
    return data


class HttpFetcher:
    """Downloads with a shared httpx client, refusing bodies larger than announced."""

    def __init__(self, client: httpx.AsyncClient, timeout_s: float = 60.0) -> None:
        self.client, self.timeout_s = client, timeout_s

    async def fetch(self, media: MediaRef) -> bytes:
        """GET the URL and verify it."""
        try:
            async with self.client.stream("GET", media.url, timeout=self.timeout_s) as resp:
                if resp.status_code != 200:
                    raise MediaError("download_error", f"HTTP {resp.status_code} for {media.url}")
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > media.size:
                        raise MediaError("size_mismatch", f"{media.url} is larger than {media.size} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise MediaError("download_error", f"{type(exc).__name__}: {exc}") from None
        return verify(media, b"".join(chunks))


class SharedFetcher:
    """One download per sha256 in this process, shared by every device that asks (still verified)."""

    def __init__(self, inner: Fetcher) -> None:
        self.inner = inner
        self.downloads = 0
        self._done: dict[str, bytes] = {}
        self._inflight: dict[str, asyncio.Future[bytes]] = {}

    async def fetch(self, media: MediaRef) -> bytes:
        """The cached bytes, the result of a fetch in flight, or a new fetch."""
        if media.sha256 in self._done:
            return self._done[media.sha256]
        fut = self._inflight.get(media.sha256)
        if fut is None:
            fut = asyncio.ensure_future(self._fetch(media))
            self._inflight[media.sha256] = fut
        return await asyncio.shield(fut)

    async def _fetch(self, media: MediaRef) -> bytes:
        try:
            self.downloads += 1
            data = await self.inner.fetch(media)
            self._done[media.sha256] = data
            return data
        finally:
            self._inflight.pop(media.sha256, None)
