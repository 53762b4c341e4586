"""Thousands of device agents in one asyncio process, with faults to order: flapping, deaths, slow or bad media,
clock skew, untrusted keys; and a record of every ack sent, for benchmarks.

Each simulated device renders into null sinks what its kind renders (``device_agent.renderers.default_renderers``):
a speaker announces ``["audio"]``, an e-board ``["text", "image", "video"]``, and each refuses a play of anything
else ``rejected``/``unsupported_content``, as a real one does."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import random
import resource
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import PrivateAttr

from device_agent import Agent, AgentConfig, HttpFetcher, KillMode, MediaError, SharedFetcher
from device_agent.media import Fetcher
from protocols import Ack, CommandPayload, CommandRejected, MediaRef, SigningKey, open_envelope
from protocols.models import CommandBody
from protocols.signing import Keyring
from simulators.layout import DeviceSpec

T = TypeVar("T")


def event_loop_runner() -> Callable[[Coroutine[Any, Any, T]], T]:
    """``uvloop.run`` when uvloop is installed (it comes with uvicorn[standard]), else ``asyncio.run``.

    Ten thousand agents in one process spend much of their time in the event loop's own bookkeeping
    (callbacks, futures, transports), which uvloop does in C.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


SIMULATION_GC_THRESHOLDS = (50_000, 20, 100)
"""gc thresholds for a process of thousands of simulated devices (CPython's defaults: 700, 10, 10)."""


def tune_gc_for_simulation() -> None:
    """Collect reference cycles far less often in a simulator process (call once, at its start).

    A broadcast makes every simulated device allocate a few dozen objects at once; with the default thresholds
    the collector then walks the young objects of all of them hundreds of times, and the full collections that
    follow (frequent after ``Fleet.park``, which leaves few "long-lived" objects to weigh against) paused a
    5,000-device process for 0.1–0.5 s in the middle of a fan-out. One device's own small heap would never
    pause like that. Refcounting still frees all non-cyclic garbage at once.
    """
    gc.set_threshold(*SIMULATION_GC_THRESHOLDS)


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class SlowFetcher:
    """A device on a poor link: waits ``delay_s`` before each download."""

    def __init__(self, inner: Fetcher, delay_s: float) -> None:
        self.inner, self.delay_s = inner, delay_s

    async def fetch(self, media: MediaRef) -> bytes:
        await asyncio.sleep(self.delay_s)
        return await self.inner.fetch(media)


class SharedPayload(CommandPayload):
    """An opened command shared by the simulated devices of a process: its body is parsed once, not twice per device
    (the same signed bytes give every device the same body; each still checks window, target, replay and type)."""

    _body: CommandBody | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, payload: CommandPayload) -> SharedPayload:
        """The same validated payload, as a shared one."""
        return cls.model_construct(_fields_set=payload.model_fields_set, **dict(payload))

    def parsed_body(self) -> CommandBody:
        """The body as its typed model, parsed on the first call (ValueError as ``CommandPayload.parsed_body``)."""
        body = self._body
        if body is None:
            body = self._body = super().parsed_body()
        return body


class SharedOpener:
    """Checks each distinct envelope's signature once per process and keyring.

    Every simulated device trusting the same keyring would reach the same answer for the same bytes; the
    per-device checks (time window, target, replay, type) still run in each agent. Without this, one core
    verifying 10,000 copies of one signature, one after the other, is what a fan-out benchmark would measure.
    The payload is a ``SharedPayload``: its body, too, is parsed once.
    """

    def __init__(self, keyring: Keyring, size: int = 256) -> None:
        self.keyring = keyring
        self.size = size
        self._seen: OrderedDict[bytes, CommandPayload | CommandRejected] = OrderedDict()

    def __call__(self, raw: bytes) -> CommandPayload:
        result = self._seen.get(raw)
        if result is None:
            try:
                result = SharedPayload.of(open_envelope(raw, self.keyring))
            except CommandRejected as exc:
                result = exc
            self._seen[raw] = result
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
        if isinstance(result, CommandRejected):
            raise CommandRejected(result.reason, result.detail, result.command_id)
        return result


class FailingFetcher:
    """A device whose downloads always fail."""

    async def fetch(self, media: MediaRef) -> bytes:
        raise MediaError("download_error", f"simulated failure fetching {media.url}")


@dataclass
class FleetOptions:
    """Knobs of a simulated fleet; fractions are of the whole fleet, chosen at random (``seed``)."""

    broker_host: str
    broker_port: int
    server_keys: dict[str, str]
    """Trusted server public keys, kid → base64url."""
    broker_tls: bool = False
    heartbeat_s: float = 30.0
    keepalive_s: int = 60
    ramp_per_s: float = 1000.0
    """New connections started per second (0: all at once)."""
    password: str | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    flapping_fraction: float = 0.0
    flap_every_s: tuple[float, float] = (30.0, 120.0)
    slow_download_fraction: float = 0.0
    slow_download_s: float = 5.0
    failing_download_fraction: float = 0.0
    clock_skew_ms: int = 0
    """Each device's clock is off by a uniform amount in ±this."""
    bad_signature_fraction: float = 0.0
    cache_max_bytes: int = 64 * 1024 * 1024
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    seed: int | None = None
    on_ack: Callable[[str, Ack], None] | None = None

    def __post_init__(self) -> None:
        fractions = (self.flapping_fraction, self.slow_download_fraction, self.failing_download_fraction,
                     self.bad_signature_fraction)  # fmt: skip
        if any(not 0 <= f <= 1 for f in fractions) or sum(fractions[1:]) > 1:
            raise ValueError("fractions must be within 0..1 (bad signature + slow + failing at most 1 together)")
        if not self.server_keys:
            raise ValueError("a fleet needs at least one trusted server key")
        if self.ramp_per_s < 0 or self.clock_skew_ms < 0:
            raise ValueError("ramp_per_s and clock_skew_ms must not be negative")


class Fleet:
    """N agents sharing one loop, one HTTP client and one download per sha256."""

    def __init__(self, devices: Sequence[DeviceSpec], options: FleetOptions) -> None:
        ids = [d.device_id for d in devices]
        if len(set(ids)) != len(ids):
            raise ValueError("device ids in a fleet must be unique")
        self.devices = list(devices)
        self.options = options
        self.agents: dict[str, Agent] = {}
        self.acks: dict[str, dict[str, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
        """command id → device id → [(status, unix time the ack left)], for benchmarks."""
        rng = random.Random(options.seed)
        self._rng = rng

        pool = rng.sample(ids, len(ids))

        def pick(fraction: float) -> set[str]:
            """Devices for one fault, disjoint from the other faults' (a device has one fault at most)."""
            n = round(fraction * len(ids))
            taken = set(pool[:n])
            del pool[:n]
            return taken

        self.flapping = set(rng.sample(ids, round(options.flapping_fraction * len(ids))))  # may also have a fault
        self.bad_signature = pick(options.bad_signature_fraction)
        self.failing = pick(options.failing_download_fraction)
        self.slow = pick(options.slow_download_fraction)
        self.http: httpx.AsyncClient | None = None
        self.fetcher: SharedFetcher | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.started_at = 0.0

    def _record(self, device_id: str, ack: Ack) -> None:
        self.acks[ack.command_id][device_id].append((ack.status.value, time.time()))
        if self.options.on_ack is not None:
            self.options.on_ack(device_id, ack)

    def _config(self, spec: DeviceSpec, keys: SharedOpener, wrong_keys: SharedOpener) -> AgentConfig:
        o = self.options
        assert self.fetcher is not None and self.http is not None
        fetcher: Fetcher = self.fetcher
        if spec.device_id in self.failing:
            fetcher = FailingFetcher()
        elif spec.device_id in self.slow:
            fetcher = SlowFetcher(self.fetcher, o.slow_download_s)
        skew = self._rng.uniform(-o.clock_skew_ms, o.clock_skew_ms) / 1000 if o.clock_skew_ms else 0.0
        return AgentConfig(
            device_id=spec.device_id, password=spec.password or o.passwords.get(spec.device_id) or o.password,
            keyring=(opener := wrong_keys if spec.device_id in self.bad_signature else keys).keyring, opener=opener,
            area_path=spec.area_path, kind=spec.kind,
            groups=spec.groups, broker_host=o.broker_host, broker_port=o.broker_port, broker_tls=o.broker_tls,
            heartbeat_s=o.heartbeat_s, keepalive_s=o.keepalive_s, cache_max_bytes=o.cache_max_bytes,
            clock_offset_s=skew, http=self.http, fetcher=fetcher, backoff_base_s=o.backoff_base_s,
            backoff_cap_s=o.backoff_cap_s, on_ack=self._record, vendor="nguon-sim", model="fleet",
        )  # fmt: skip

    async def start(self) -> None:
        """Create every agent and start them at the ramp rate (returns once all are started, not connected)."""
        raise_fd_limit()
        self.started_at = time.monotonic()
        # httpx loads its async network backend on the first download; a real box has long since loaded its
        # code, so do it now rather than in the middle of the first broadcast.
        with contextlib.suppress(ImportError):
            importlib.import_module("anyio._backends._asyncio")
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self.http = httpx.AsyncClient(limits=limits, timeout=60)
        self.fetcher = SharedFetcher(HttpFetcher(self.http))
        # devices with a "bad signature" trust a key of the right id but the wrong value: they reject everything
        good = SharedOpener(Keyring(self.options.server_keys))
        wrong = SharedOpener(Keyring({kid: SigningKey.generate(kid).public_b64() for kid in self.options.server_keys}))
        for spec in self.devices:
            self.agents[spec.device_id] = Agent(self._config(spec, good, wrong))
        rate = self.options.ramp_per_s
        for n, agent in enumerate(self.agents.values()):
            agent.start()
            if rate and n % 50 == 49:
                await asyncio.sleep(max(0.0, self.started_at + (n + 1) / rate - time.monotonic()))
        self.park()
        for device_id in self.flapping:
            self._tasks.append(asyncio.create_task(self._flap(self.agents[device_id])))

    @staticmethod
    def park() -> None:
        """Move every object alive now into the permanent GC generation, out of every later collection's walk.

        Thousands of long-lived agents (and, once connected, their links) make each full collection walk them all:
        measured on a 10k-device fan-out, full collections paused the process for up to 0.5 s. A real device's heap
        is tiny; this keeps the simulator from adding pauses that belong to nobody. Done at ``start`` and again
        once every agent is connected (``wait_connected``).
        """
        gc.collect()
        gc.freeze()

    async def _flap(self, agent: Agent) -> None:
        low, high = self.options.flap_every_s
        while True:
            await asyncio.sleep(self._rng.uniform(low, high))
            agent.drop_link()

    def connected_count(self) -> int:
        """How many agents hold a live, announced connection now."""
        return sum(1 for a in self.agents.values() if a.connected)

    async def wait_connected(self, count: int | None = None, timeout: float = 60.0, poll_s: float = 0.05) -> float:
        """Wait until ``count`` (default all) are connected, then ``park``; returns seconds since ``start``.

        TimeoutError otherwise.
        """
        want = len(self.agents) if count is None else count
        deadline = time.monotonic() + timeout
        while self.connected_count() < want:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.connected_count()}/{want} connected after {timeout}s")
            await asyncio.sleep(poll_s)
        elapsed = time.monotonic() - self.started_at
        self.park()
        return elapsed

    async def kill(self, ids: Sequence[str], mode: KillMode = "abort") -> None:
        """Kill these devices: ``abort`` drops the socket, ``freeze`` leaves it half-open and silent."""
        await asyncio.gather(*(self.agents[i].kill(mode) for i in ids))

    async def cut(self, ids: Sequence[str]) -> None:
        """Cut these devices' links for good (``Agent.cut_link``): their programmes keep playing; ``revive`` ends it."""
        await asyncio.gather(*(self.agents[i].cut_link() for i in ids))

    def revive(self, ids: Sequence[str]) -> None:
        """Bring killed devices back."""
        for i in ids:
            self.agents[i].revive()

    async def stop(self) -> None:
        """Stop every agent cleanly (offline, DISCONNECT) and release the HTTP client."""
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        agents = list(self.agents.values())
        for i in range(0, len(agents), 500):
            await asyncio.gather(*(a.stop() for a in agents[i : i + 500]))
        if self.http is not None:
            await self.http.aclose()
            self.http = None
