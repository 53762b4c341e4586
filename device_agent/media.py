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
    """Downloads with a shared httpx client, refusing bodies larger than announced.

    A dropped link or a server error is tried again (``attempts`` in all, ``backoff_s`` doubling between them):
    above all a pooled keep-alive connection the server closed while idle ("Server disconnected without sending a
    response"), which would otherwise fail the first download after a quiet spell on every device at once. A
    wrong size or hash, or a 4xx answer, is final at once.
    """

    def __init__(
        self, client: httpx.AsyncClient, timeout_s: float = 60.0, attempts: int = 3, backoff_s: float = 0.5
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.client, self.timeout_s, self.attempts, self.backoff_s = client, timeout_s, attempts, backoff_s

    async def fetch(self, media: MediaRef) -> bytes:
        """GET the URL and verify it, trying again after transient failures."""
        for attempt in range(1, self.attempts + 1):
            try:
                return verify(media, await self._get(media))
            except _Transient as exc:
                if attempt == self.attempts:
                    raise MediaError("download_error", f"{exc} (after {attempt} attempts)") from None
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _get(self, media: MediaRef) -> bytes:
        try:
            async with self.client.stream("GET", media.url, timeout=self.timeout_s) as resp:
                if resp.status_code >= 500:
                    raise _Transient(f"HTTP {resp.status_code} for {media.url}")
                if resp.status_code != 200:
                    raise MediaError("download_error", f"HTTP {resp.status_code} for {media.url}")
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > media.size:
                        raise MediaError("size_mismatch", f"{media.url} is larger than {media.size} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from None
        return b"".join(chunks)


class _Transient(Exception):
    """A download failure worth another try (link dropped, timeout, 5xx)."""


class SharedFetcher:
    """One download per sha256 in this process, shared by every device that asks (still verified).

    Each asking device waits on a future of its own, so a device that gives up (cancelled) never cancels the
    download the others wait for; plain futures rather than ``asyncio.shield`` keep that cheap for 10,000.
    """

    def __init__(self, inner: Fetcher) -> None:
        self.inner = inner
        self.downloads = 0
        self._done: dict[str, bytes] = {}
        self._waiting: dict[str, list[asyncio.Future[bytes]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def fetch(self, media: MediaRef) -> bytes:
        """The cached bytes, the result of a fetch in flight, or a new fetch."""
        if media.sha256 in self._done:
            return self._done[media.sha256]
        waiting = self._waiting.get(media.sha256)
        if waiting is None:
            waiting = self._waiting[media.sha256] = []
            task = asyncio.ensure_future(self._fetch(media))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        waiting.append(waiter)
        return await waiter

    async def _fetch(self, media: MediaRef) -> None:
        self.downloads += 1
        try:
            data = await self.inner.fetch(media)
        except asyncio.CancelledError:
            self._settle(media.sha256, None)
            raise
        except Exception as exc:
            self._settle(media.sha256, exc)
            return
        self._done[media.sha256] = data
        self._settle(media.sha256, data)

    def _settle(self, sha256: str, outcome: bytes | Exception | None) -> None:
        """Hand every waiter the bytes or the error (None: the download was cancelled, so are they)."""
        for waiter in self._waiting.pop(sha256, []):
            if waiter.done():
                continue
            if outcome is None:
                waiter.cancel()
            elif isinstance(outcome, Exception):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)
