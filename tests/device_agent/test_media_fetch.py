"""Downloads survive a dropped keep-alive connection or a 5xx, and stop at once on a 4xx or a wrong hash.

Guards against the failure seen on 10,000 simulated clusters: after a quiet spell the server had closed the idle
pooled connection, the first download on it failed with "Server disconnected without sending a response", and
every device acked the item ``failed`` instead of fetching it again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from device_agent.exceptions import MediaError
from device_agent.media import HttpFetcher
from protocols import MediaRef

DATA = b"ID3 bulletin" * 500

Answer = Callable[[int], bytes | None]
"""Given the request number (1, 2, ...), the raw HTTP response to send, or None to hang up without one."""


@asynccontextmanager
async def http_server(answer: Answer) -> AsyncIterator[tuple[str, list[int]]]:
    """A raw HTTP/1.1 server on a free port (keep-alive), answering each request as ``answer`` says."""
    requests: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                requests.append(len(requests) + 1)
                response = answer(len(requests))
                if response is None:
                    return  # hang up without a word, as a server closing an idle keep-alive link does
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/media/x.mp3", requests
    finally:
        server.close()
        await server.wait_closed()


def ok(body: bytes = DATA) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def status(code: int) -> bytes:
    return b"HTTP/1.1 %d Oops\r\nContent-Length: 0\r\n\r\n" % code


def ref(url: str) -> MediaRef:
    return MediaRef(url=url, sha256=hashlib.sha256(DATA).hexdigest(), size=len(DATA), duration_ms=1000)


async def test_a_connection_dropped_without_a_response_is_fetched_again() -> None:
    async with http_server(lambda n: None if n == 1 else ok()) as (url, requests), httpx.AsyncClient() as http:
        assert await HttpFetcher(http, backoff_s=0.01).fetch(ref(url)) == DATA
    assert len(requests) == 2


async def test_a_server_error_is_tried_again_then_reported_with_the_count() -> None:
    async with http_server(lambda n: status(503)) as (url, requests), httpx.AsyncClient() as http:
        with pytest.raises(MediaError, match=r"HTTP 503 .*after 3 attempts") as caught:
            await HttpFetcher(http, attempts=3, backoff_s=0.01).fetch(ref(url))
    assert caught.value.reason == "download_error" and len(requests) == 3


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(status(404), "download_error"), (ok(b"x" * len(DATA)), "hash_mismatch"), (ok(DATA + b"!"), "size_mismatch")],
)
async def test_a_missing_or_wrong_file_fails_at_once(answer: bytes, reason: str) -> None:
    async with http_server(lambda n: answer) as (url, requests), httpx.AsyncClient() as http:
        with pytest.raises(MediaError) as caught:
            await HttpFetcher(http, backoff_s=0.01).fetch(ref(url))
    assert caught.value.reason == reason and len(requests) == 1


async def test_attempts_below_one_are_refused() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="attempts"):
            HttpFetcher(http, attempts=0)
