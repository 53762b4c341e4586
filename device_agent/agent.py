"""The device agent: presence with a session counter, heartbeats, verified commands, acks, media and playback."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import logging
import random
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

import httpx

from device_agent.backoff import Backoff
from device_agent.cache import DirCache, MediaCache, MemoryCache
from device_agent.config import AgentConfig
from device_agent.exceptions import MediaError, MqttError, RenderError
from device_agent.media import Fetcher, HttpFetcher
from device_agent.mqtt import MqttClient, Will
from device_agent.playback import Item, Programme
from device_agent.player import NullPlayer, Playable
from device_agent.renderers import OPEN_ENDED_MS, Renderers, default_renderers
from device_agent.state import AgentState, Checkpoint
from protocols import (
    Ack,
    AckStatus,
    CommandPayload,
    CommandRejected,
    CommandType,
    DeviceChannel,
    DeviceIdentity,
    MediaRef,
    PlayBody,
    RebootBody,
    RejectReason,
    SetVolumeBody,
    StateMessage,
    StopBody,
    Telemetry,
    check_command,
    device_subscriptions,
    device_topic,
    dump,
    open_envelope,
)
from protocols.exceptions import UNKNOWN_COMMAND_ID
from protocols.topics import ID_PATTERN

log = logging.getLogger(__name__)
KillMode = Literal["abort", "freeze"]
_LAST_ACKS = 2000
_IMPLIED_BY_STARTED = frozenset({AckStatus.RECEIVED, AckStatus.DOWNLOADED})
_ENDS_PLAY = frozenset(
    {AckStatus.DONE, AckStatus.FAILED, AckStatus.PREEMPTED, AckStatus.INTERRUPTED, AckStatus.EXPIRED}
)
_RESUMABLE = frozenset({AckStatus.RECEIVED, AckStatus.DOWNLOADED, AckStatus.PREEMPTED})
_ID = re.compile(f"^{ID_PATTERN}$")
RESTART_REASON = "device_restart"
"""The reason of the ``interrupted`` a restarted device reports for what was playing when it died."""


def _unverified_id(raw: bytes) -> str:
    """The id an envelope that failed verification claims, when readable and valid, else ``unknown`` (R2)."""
    try:
        inner = json.loads(raw)["payload"]
        cid = json.loads(base64.urlsafe_b64decode(inner + "=" * (-len(inner) % 4)))["id"]
    except (ValueError, KeyError, TypeError):
        return UNKNOWN_COMMAND_ID
    return cid if isinstance(cid, str) and _ID.match(cid) else UNKNOWN_COMMAND_ID


class Agent:
    """One loudspeaker cluster or board: call ``start()``, then ``stop()`` (or ``kill()`` to simulate a death)."""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.device_id = config.device_id
        self._skew_s, self._skew = 0.0, timedelta(0)
        self.identity = DeviceIdentity(config.device_id, config.area_path, frozenset(config.groups))
        self.state = AgentState(config.state_dir)
        self.cache: MediaCache = (
            DirCache(config.cache_dir, config.cache_max_bytes)
            if config.cache_dir
            else MemoryCache(config.cache_max_bytes)
        )
        self.player = config.player or NullPlayer()
        self.renderers = Renderers(
            config.renderers
            if config.renderers is not None
            else default_renderers(
                config.kind, self.player, frame_dir=config.frame_dir, stream_player=config.stream_player
            ),
            config.capabilities,
        )
        self.volume = config.volume
        self.backoff = Backoff(config.backoff_base_s, config.backoff_cap_s)
        self.programme = Programme(player=self.renderers, now=self.now, emit=self._ack)
        self.session = 0
        self.connections = 0
        self.last_error: Exception | None = None
        self.topics = {c: device_topic(config.device_id, c) for c in DeviceChannel}
        self._subscriptions = device_subscriptions(config.device_id, config.area_path, tuple(config.groups))
        self._wanted = frozenset(self._subscriptions)
        self._outbox: deque[Ack] = deque(maxlen=config.ack_queue_max)
        """Acks not yet sent on this connection, oldest first."""
        self._unacked: list[Ack] = []
        """Acks sent and waiting for their PUBACK, in the order sent (at most ``config.ack_window``)."""
        self._holding = 0
        self._held: list[Ack] = []
        """Acks made while held (``_acks_together``), not yet sent."""
        self._last_ack: OrderedDict[str, Ack] = OrderedDict()
        self._client: MqttClient | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._own_http: httpx.AsyncClient | None = None
        self._fetcher: Fetcher | None = config.fetcher
        self._reboot_downtime = 0.0
        self._online = asyncio.Event()
        self._started = time.monotonic()
        self._open = config.opener or (lambda raw: open_envelope(raw, config.keyring))
        self._received = 0
        self._refusals = float(config.refused_acks_per_minute)
        self._refusals_at = time.monotonic()
        self._recovered = False
        self._checkpoints: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the agent holds a live broker connection it announced itself on."""
        return self._online.is_set() and self._client is not None and self._client.connected

    def now(self) -> datetime:
        """The device clock (host clock plus the configured skew)."""
        if self.config.clock_offset_s != self._skew_s:  # the skew as a timedelta, made again only if it changed
            self._skew_s, self._skew = self.config.clock_offset_s, timedelta(seconds=self.config.clock_offset_s)
        return datetime.now(UTC) + self._skew

    def start(self) -> None:
        """Begin connecting (and reconnecting) in the background; the first time, say what a restart cut short."""
        self._recover()
        if self.state.persistent and (self._checkpoints is None or self._checkpoints.done()):
            self._checkpoints = asyncio.create_task(self._checkpoint_loop(), name=f"checkpoint-{self.device_id}")
        if self._run_task is None or self._run_task.done():
            self._run_task = asyncio.create_task(self._run(), name=f"agent-{self.device_id}")

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait until online; TimeoutError (with the last connection error) otherwise."""
        try:
            await asyncio.wait_for(self._online.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.device_id} not connected after {timeout}s: {self.last_error}") from None

    async def stop(self) -> None:
        """Say offline (retained), DISCONNECT, silence the player and release resources."""
        await self._halt()
        client = self._client
        if client is not None and client.connected:
            with contextlib.suppress(MqttError):
                await self._goodbye(client)
        await self.programme.close()
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None

    async def kill(self, mode: KillMode = "abort") -> None:
        """Die without a word: ``abort`` drops the socket (the broker sends the Will at once), ``freeze`` leaves it
        half-open and silent (the broker notices only after 1.5 × keepalive)."""
        if mode not in ("abort", "freeze"):
            raise ValueError(f"kill mode must be abort or freeze, not {mode!r}")
        await self._halt()
        client = self._client
        if client is not None:
            client.freeze() if mode == "freeze" else client.abort()
        await self.programme.close()

    def revive(self) -> None:
        """Come back after ``kill``: drop any frozen socket and connect again."""
        if self._client is not None and self._client.frozen:
            self._client.abort()
        self.start()

    async def cut_link(self) -> None:
        """Lose the link and stay off it (no reconnecting) while the programme keeps playing on the device clock.

        A cluster whose 3G/4G link died: queued items still start on time, their acks wait for ``revive``.
        """
        task = self._run_task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._online.clear()
        if self._client is not None:
            self._client.abort()

    def drop_link(self) -> None:
        """Lose the connection abruptly (flapping); the agent reconnects with backoff."""
        if self._client is not None:
            self._client.abort()

    async def _halt(self) -> None:
        tasks = [t for t in (self._run_task, self._checkpoints, *self._jobs) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._online.clear()

    # -- connection ----------------------------------------------------------------------------------------

    async def _run(self) -> None:
        first = True
        while True:
            if not first:
                await asyncio.sleep(self._reboot_downtime + self.backoff.next())
                self._reboot_downtime = 0.0
            first = False
            try:
                await self._session()
            except (MqttError, OSError) as exc:
                self.last_error = exc
                log.info("%s: %s", self.device_id, exc)

    async def _session(self) -> None:
        cfg = self.config
        session = self.state.next_session()
        will = StateMessage(online=False, session=session)
        client = MqttClient(
            host=cfg.broker_host, port=cfg.broker_port, client_id=cfg.device_id,
            username=cfg.username or cfg.device_id, password=cfg.password, keepalive_s=cfg.keepalive_s,
            will=Will(self.topics[DeviceChannel.STATE], dump(will), qos=1, retain=True),
            on_message=self._on_message, tls=cfg.broker_tls, timeout_s=cfg.timeout_s,
        )  # fmt: skip
        self._client = client
        try:
            await client.connect()
            await client.subscribe([(t, 1) for t in self._subscriptions])
            self.session = session
            hb = int(cfg.heartbeat_s)
            online = StateMessage(
                online=True, session=session, at=self.now(), kind=cfg.kind, firmware=cfg.firmware,
                vendor=cfg.vendor, model=cfg.model, heartbeat_s=hb if 5 <= hb <= 3600 else None,
                capabilities=self.renderers.capabilities,
            )  # fmt: skip
            await client.publish(self.topics[DeviceChannel.STATE], dump(online), qos=1, retain=True)
        except BaseException:
            client.abort()
            raise
        self.connections += 1
        self.backoff.reset()
        self._online.set()
        heartbeat = asyncio.create_task(self._heartbeat(client))
        self._kick_drain()
        try:
            reason = await client.wait_closed()
        finally:
            self._online.clear()
            heartbeat.cancel()
        if reason is not None:
            self.last_error = reason

    async def _goodbye(self, client: MqttClient) -> None:
        """A clean exit: retained offline for this session, then DISCONNECT (which discards the Will)."""
        offline = StateMessage(online=False, session=self.session, at=self.now())
        await client.publish(self.topics[DeviceChannel.STATE], dump(offline), qos=1, retain=True)
        await client.disconnect()

    async def _heartbeat(self, client: MqttClient) -> None:
        period = self.config.heartbeat_s
        await asyncio.sleep(random.uniform(0, min(period, 5.0)))
        while client.connected:
            with contextlib.suppress(MqttError):
                await client.publish(self.topics[DeviceChannel.TELEMETRY], dump(self.telemetry()))
            await asyncio.sleep(period)

    def telemetry(self) -> Telemetry:
        """The heartbeat message as of now."""
        return Telemetry(
            session=self.session, at=self.now(), uptime_s=int(time.monotonic() - self._started), volume=self.volume,
            playing=self.programme.playing, cache_bytes=self.cache.total_bytes,
            clock_offset_ms=int(self.config.clock_offset_s * 1000), firmware=self.config.firmware,
        )  # fmt: skip

    # -- acks ------------------------------------------------------------------------------------------------

    def _ack(
        self,
        command_id: str,
        status: AckStatus,
        reason: str | None = None,
        position_ms: int | None = None,
        *,
        at: datetime | None = None,
        accepted: bool = True,
    ) -> None:
        """Queue an ack; of an ``accepted`` command it becomes the latest ack (re-sent for a copy, kept across
        restarts with a ``state_dir``)."""
        ack = Ack(
            command_id=command_id, status=status, at=at or self.now(), session=self.session or None, reason=reason,
            position_ms=position_ms,
        )  # fmt: skip
        if accepted:
            self._last_ack[command_id] = ack
            self._last_ack.move_to_end(command_id)
            while len(self._last_ack) > _LAST_ACKS:
                self._last_ack.popitem(last=False)
            held = self.state.held.get(command_id)
            if held is not None:
                self.state.hold(ack, held.exp)
            if self.state.persistent:
                self._track_play(command_id, status)
        if status is AckStatus.STARTED and self._holding:
            self._drop_implied(command_id)
        self._outbox.append(ack)
        if self._holding:
            self._held.append(ack)  # sent when the hold ends
        else:
            self._kick_drain()

    def _track_play(self, command_id: str, status: AckStatus) -> None:
        """Keep the play checkpoint in step: saved once a play has started, dropped when it ends."""
        if status is AckStatus.STARTED:
            asyncio.get_running_loop().call_soon(self._checkpoint)  # once the programme holds it as current
        elif status in _ENDS_PLAY:
            cp = self.state.checkpoint
            if cp is not None and cp.command_id == command_id:
                self.state.save_checkpoint(None)

    def _checkpoint(self) -> None:
        cur = self.programme.current
        if cur is not None:
            self.state.save_checkpoint(Checkpoint(cur.command_id, self.programme.position_ms(), self.now()))

    async def _checkpoint_loop(self) -> None:
        """Save how far the play in progress got every ``checkpoint_s``, link or no link."""
        while True:
            await asyncio.sleep(self.config.checkpoint_s)
            self._checkpoint()

    def _recover(self) -> None:
        """After a restart (R3): ``interrupted`` with its position for what was playing when the device died, the
        latest ack again for every command still held, and the unfinished plays queued again."""
        if self._recovered or not self.state.persistent:
            return
        self._recovered = True
        now, cp = self.now(), self.state.checkpoint
        self.state.save_checkpoint(None)
        for cid, held in list(self.state.held.items()):
            if held.exp < now and held.ack.status is not AckStatus.STARTED:
                continue
            self._last_ack[cid] = held.ack
            if held.ack.status is AckStatus.STARTED:
                mine = cp is not None and cp.command_id == cid
                position, at = (cp.position_ms, cp.at) if cp is not None and mine else (None, None)
                self._ack(cid, AckStatus.INTERRUPTED, RESTART_REASON, position, at=at)
                continue
            dropped = held.ack.status is AckStatus.PREEMPTED and held.ack.reason != "will_resume"
            if held.ack.status in _RESUMABLE and held.envelope is not None and held.exp >= now and not dropped:
                self._requeue(cid, held.envelope.encode())  # its acks (downloaded, started...) say where it stands
            else:
                self._outbox.append(held.ack)

    def _requeue(self, command_id: str, envelope: bytes) -> None:
        """Queue again an accepted play the device held when it stopped (its signature checked again)."""
        try:
            cmd = self._open(envelope)
            body = cmd.parsed_body()
        except (CommandRejected, ValueError) as exc:
            log.warning("%s: a held command no longer opens: %s", self.device_id, exc)
            self._ack(command_id, AckStatus.FAILED, "lost_on_restart")
            return
        if isinstance(body, PlayBody):
            self._received += 1
            if body.media is None:
                self._queue(cmd, body, self._received, None)
            else:
                self._spawn(self._fetch_and_queue(cmd, body.media, body, self._received))

    def _refuse_copy(self, claimed: str, reason: RejectReason) -> None:
        """Ack an unverified copy ``rejected`` under the id it claims, at most ``refused_acks_per_minute`` (R2).

        Never the latest ack of that id: the refusal says nothing of the command the id names."""
        rate = self.config.refused_acks_per_minute
        mono = time.monotonic()
        self._refusals = min(float(rate), self._refusals + (mono - self._refusals_at) * rate / 60)
        self._refusals_at = mono
        if self._refusals < 1:
            log.info("%s: refused copy %s (%s), not acked (rate limit)", self.device_id, claimed, reason.value)
            return
        self._refusals -= 1
        log.warning("%s: refused a copy claiming command %s: %s", self.device_id, claimed, reason.value)
        self._ack(claimed, AckStatus.REJECTED, reason.value, accepted=False)

    def _drop_implied(self, command_id: str) -> None:
        """A play that starts in the instant it arrived or finished downloading says only ``started``: the
        ``received`` and ``downloaded`` made in the same instant (still held) are implied by it (PROTOCOL.md §5)."""
        for ack in [a for a in self._held if a.command_id == command_id and a.status in _IMPLIED_BY_STARTED]:
            self._held.remove(ack)
            for i in range(len(self._outbox) - 1, -1, -1):
                if self._outbox[i] is ack:
                    del self._outbox[i]
                    break

    @contextlib.contextmanager
    def _acks_together(self) -> Iterator[None]:
        """Acks made inside are sent when it ends, in one write (``preempted``, ``started``...)."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            if not self._holding:
                self._held.clear()
            self._kick_drain()

    def _kick_drain(self) -> None:
        """Send queued acks at QoS 1, in order, while fewer than ``ack_window`` wait for their PUBACK.

        Done with callbacks rather than a task, so an ack leaves in the same write as the PUBACK of the command
        that caused it. When the link breaks, the acks still waiting go back to the head of the outbox, in order,
        for the next connection (the server takes a repeated ack as a no-op: states only move forward).
        """
        client = self._client
        if self._holding or not self._outbox or client is None or not self.connected:
            return
        with client.batched():
            while self._outbox and len(self._unacked) < self.config.ack_window:
                ack = self._outbox[0]
                try:
                    sent = client.publish_nowait(self.topics[DeviceChannel.ACK], dump(ack))
                except MqttError:
                    return
                self._outbox.popleft()
                self._unacked.append(ack)
                sent.add_done_callback(functools.partial(self._acked, ack))

    def _acked(self, ack: Ack, sent: asyncio.Future[bytes]) -> None:
        index = next((i for i, a in enumerate(self._unacked) if a is ack), None)
        if index is None:  # already put back by an earlier failure of the same connection
            return
        if sent.cancelled() or sent.exception() is not None:
            self._outbox.extendleft(reversed(self._unacked))  # the whole window goes back, in order
            self._unacked.clear()
            self._kick_drain()  # a no-op until the next connection is up
            return
        del self._unacked[index]
        if self.config.on_ack is not None:
            self.config.on_ack(self.device_id, ack)
        self._kick_drain()

    # -- commands --------------------------------------------------------------------------------------------

    def _on_message(self, topic: str, payload: bytes, retain: bool) -> None:
        if topic not in self._wanted:
            log.debug("%s: ignoring a message on %s (not one of our command topics)", self.device_id, topic)
            return
        with self._acks_together():  # what handling the command says leaves in one go
            self._handle_command(topic, payload)

    def _handle_command(self, topic: str, payload: bytes) -> None:
        now = self.now()
        try:
            cmd = check_command(
                self._open(payload), identity=self.identity, replay=self.state.replay, now=now,
                can_render=self.renderers.can_render,
            )  # fmt: skip
        except CommandRejected as exc:
            cid = exc.command_id
            if cid is None:  # failed before its signature was proven: proves nothing about the id it claims
                self._refuse_copy(_unverified_id(payload), exc.reason)
            elif exc.reason == RejectReason.REPLAY:  # verified, accepted before: never rejected (PROTOCOL.md §4.3)
                if cid in self._last_ack:
                    self._outbox.append(self._last_ack[cid])  # a duplicate: say again where it stands, do nothing
                    self._kick_drain()
            else:
                self._ack(cid, AckStatus.REJECTED, exc.reason.value, accepted=False)
            return
        self.state.save_replay(now)
        self._ack(cmd.id, AckStatus.RECEIVED)
        kind = CommandType(cmd.type)
        self.state.hold(self._last_ack[cmd.id], cmd.exp, payload.decode() if kind == CommandType.PLAY else None)
        self.HANDLERS[kind](self, cmd, cmd.parsed_body())

    # -- command handlers (one per type; ``check_command`` has parsed the body into the type's model) -----------

    def _on_play(self, cmd: CommandPayload, body: PlayBody) -> None:
        self._received += 1
        if body.media is None:  # a live stream: nothing to download
            self._queue(cmd, body, self._received, None)
            return
        data = self.cache.get(body.media.sha256)
        if data is None:
            self._spawn(self._fetch_and_queue(cmd, body.media, body, self._received))
        else:  # cached: queued (and started, when due) before the command's PUBACK leaves, all in one write
            self._queue(cmd, body, self._received, data)

    def _on_stop(self, cmd: CommandPayload, body: StopBody) -> None:
        stopped = self.programme.stop(body.command_id)
        self._ack(cmd.id, AckStatus.DONE, None if stopped else "nothing_to_stop")

    def _on_set_volume(self, cmd: CommandPayload, body: SetVolumeBody) -> None:
        self.volume = body.volume
        self._ack(cmd.id, AckStatus.DONE)

    def _on_reboot(self, cmd: CommandPayload, body: RebootBody) -> None:
        self._spawn(self._reboot(cmd.id, body.delay_s))

    HANDLERS: ClassVar[dict[CommandType, Callable[[Agent, CommandPayload, Any], None]]] = {
        CommandType.PLAY: _on_play,
        CommandType.STOP: _on_stop,
        CommandType.SET_VOLUME: _on_set_volume,
        CommandType.REBOOT: _on_reboot,
    }
    """Command type → handler, called with the body parsed into that type's model (``protocols.BODY_MODELS``)."""

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _fetch_and_queue(self, cmd: CommandPayload, media: MediaRef, body: PlayBody, seq: int) -> None:
        """Fetch, verify and cache the media, then queue the item for playback."""
        try:
            data = await self._get_fetcher().fetch(media)
            self.cache.put(media.sha256, data)
        except MediaError as exc:
            log.info("%s: media for %s: %s", self.device_id, cmd.id, exc)
            self._ack(cmd.id, AckStatus.FAILED, exc.reason)
            return
        except ValueError as exc:  # larger than the whole cache
            self._ack(cmd.id, AckStatus.FAILED, f"cache_too_small: {exc}"[:200])
            return
        with self._acks_together():
            self._queue(cmd, body, seq, data)

    def _queue(self, cmd: CommandPayload, body: PlayBody, seq: int, data: bytes | None) -> None:
        """The content is here (or is a stream): its renderer checks it, ack ``downloaded`` (stored media), and hand
        the item to the programme (which starts it if due)."""
        playable = self._playable(body, data)
        try:
            self.renderers.prepare(playable)
        except RenderError as exc:
            log.info("%s: content of %s: %s", self.device_id, cmd.id, exc)
            self._ack(cmd.id, AckStatus.FAILED, exc.reason)
            return
        if body.media is not None:
            self._ack(cmd.id, AckStatus.DOWNLOADED)
        self.programme.add(Item(command_id=cmd.id, priority=cmd.priority, policy=body.on_preempt, exp=cmd.exp,
                                playable=playable, start_at=body.start_at, seq=seq))  # fmt: skip

    def _playable(self, body: PlayBody, data: bytes | None) -> Playable:
        volume = body.volume if body.volume is not None else self.volume
        media, stream = body.media, body.stream
        if media is not None:
            return Playable(
                sha256=media.sha256, duration_ms=media.duration_ms, volume=volume, path=self.cache.path(media.sha256),
                data=data, content_type=media.content_type, title=body.title,
            )  # fmt: skip
        assert stream is not None  # a play carries exactly one of media and stream
        return Playable(
            sha256="", duration_ms=stream.duration_ms or OPEN_ENDED_MS, volume=volume, content_type=stream.content_type,
            url=stream.url, title=body.title,
        )  # fmt: skip

    def _get_fetcher(self) -> Fetcher:
        if self._fetcher is None:
            http = self.config.http
            if http is None:
                http = self._own_http = httpx.AsyncClient()
            self._fetcher = HttpFetcher(http)
        return self._fetcher

    async def _reboot(self, command_id: str, delay_s: int) -> None:
        """Simulated restart: ack done, wait, say offline, disconnect, come back after the downtime."""
        self._ack(command_id, AckStatus.DONE)
        await asyncio.sleep(delay_s)
        client = self._client
        if client is not None and client.connected:
            for _ in range(100):  # let the done ack leave first (up to 2 s)
                if not self._outbox and not self._unacked:
                    break
                await asyncio.sleep(0.02)
            with contextlib.suppress(MqttError):
                self._reboot_downtime = self.config.reboot_downtime_s
                await self._goodbye(client)
