"""One fleet simulator process of the benchmarks: agents ``--first`` … ``--first + --devices - 1``, driven by JSON
lines on stdin, answering on stdout. ``bench._common.FleetProc`` runs one or several of these (``--procs``)."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import json
import sys
import threading
import time
from collections import defaultdict
from typing import Any

from bench._common import specs
from device_agent import AgentConfig
from device_agent.player import NullPlayer, Playable
from protocols import Ack, AckStatus, CommandPayload
from simulators.fleet import Fleet, FleetOptions, SharedOpener, event_loop_runner, tune_gc_for_simulation
from simulators.layout import DeviceSpec


class TimedPlayer(NullPlayer):
    """A silent sink that notes the true (host) time each device's player began each media (start accuracy)."""

    def __init__(self, device_id: str, began: dict[str, dict[str, float]]) -> None:
        super().__init__()
        self.device_id, self.began = device_id, began

    async def play(self, item: Playable) -> None:
        """Note ``time.time()`` at this (latest) start of this media on this device, then play it (sleep)."""
        self.began[item.sha256][self.device_id] = time.time()
        await super().play(item)

    def start(self, item: Playable) -> asyncio.Future[None]:
        """The same, as the timer the programme uses (``NullPlayer.start``)."""
        self.began[item.sha256][self.device_id] = time.time()
        return super().start(item)


class TimedFleet(Fleet):
    """A fleet that also notes when each device began handling each command (for the fan-out's timeline)."""

    def __init__(self, devices: list[DeviceSpec], options: FleetOptions) -> None:
        super().__init__(devices, options)
        self.handled: dict[str, dict[str, float]] = defaultdict(dict)
        """command id → device id → unix time the device's agent began handling the command."""
        self.all_received_cpu_s: dict[str, float] = {}
        """command id → this process's CPU time when its last device's ``received`` ack was acknowledged."""
        self._received: dict[str, int] = defaultdict(int)
        self._started: dict[str, int] = defaultdict(int)
        self.all_started_cpu_s: dict[str, float] = {}
        """command id → this process's CPU time when its last device's first ``started`` ack was acknowledged."""
        self.began: dict[str, dict[str, float]] = defaultdict(dict)
        """media sha256 → device id → unix (host, not device) time its player last started that media."""

    def _record(self, device_id: str, ack: Ack) -> None:
        super()._record(device_id, ack)
        if ack.status is AckStatus.RECEIVED:
            self._received[ack.command_id] += 1
            if self._received[ack.command_id] == len(self.devices):
                self.all_received_cpu_s[ack.command_id] = time.process_time()
        elif (
            ack.status is AckStatus.STARTED
            and [s for s, _ in self.acks[ack.command_id][device_id]].count("started") == 1
        ):
            self._started[ack.command_id] += 1  # devices with a first started for this command
            if self._started[ack.command_id] == len(self.devices):
                self.all_started_cpu_s[ack.command_id] = time.process_time()

    def _config(self, spec: DeviceSpec, keys: SharedOpener, wrong_keys: SharedOpener) -> AgentConfig:
        config = super()._config(spec, keys, wrong_keys)
        opener, handled, device_id = config.opener, self.handled, spec.device_id
        assert opener is not None

        def timed(raw: bytes) -> CommandPayload:
            t = time.time()
            payload = opener(raw)
            handled[payload.id][device_id] = t
            return payload

        return dataclasses.replace(config, opener=timed, player=TimedPlayer(device_id, self.began))

    def count(self, command_id: str, status: str, times: int = 1) -> int:
        """How many devices have acked ``status`` for ``command_id`` at least ``times`` times (PUBACK returned)."""
        return sum(1 for v in self.acks.get(command_id, {}).values() if sum(s == status for s, _ in v) >= times)


def _reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[dict[str, Any]]) -> None:
    for line in sys.stdin:
        if line.strip():
            loop.call_soon_threadsafe(queue.put_nowait, json.loads(line))
    loop.call_soon_threadsafe(queue.put_nowait, {"op": "stop"})


def _say(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


async def main(args: argparse.Namespace) -> None:
    options = FleetOptions(
        broker_host=args.host, broker_port=args.port, server_keys={args.kid: args.pub}, heartbeat_s=args.heartbeat,
        keepalive_s=args.keepalive, ramp_per_s=args.ramp, backoff_base_s=0.5, backoff_cap_s=args.backoff_cap, seed=1 + args.first,
        clock_skew_ms=args.skew_ms,
    )  # fmt: skip
    fleet = TimedFleet(specs(args.first + args.devices)[args.first :], options)
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    threading.Thread(target=_reader, args=(asyncio.get_running_loop(), queue), daemon=True).start()
    deadline = time.monotonic() + args.max_s
    await fleet.start()
    try:
        while True:
            try:
                op = await asyncio.wait_for(queue.get(), max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                return  # bounded: stop by itself
            kind = op["op"]
            if kind == "stop":
                return
            if kind == "status":
                _say(connected=fleet.connected_count(), connections=sum(a.connections for a in fleet.agents.values()),
                     t=time.time())  # fmt: skip
            elif kind == "kill":
                t = time.time()
                await fleet.kill(op["ids"], mode=op.get("mode", "freeze"))
                _say(killed=len(op["ids"]), t=t)
            elif kind == "cut":  # links lost for good, programmes keep playing (Fleet.cut)
                t = time.time()
                await fleet.cut(op["ids"])
                _say(cut=len(op["ids"]), t=t)
            elif kind == "revive":
                fleet.revive(op["ids"])
                _say(revived=len(op["ids"]))
            elif kind == "count":  # devices with ``status`` acked at least ``times`` times for a command
                _say(count=fleet.count(op["command_id"], op["status"], op.get("times", 1)))
            elif kind == "began":  # true start times of a media, and each device's clock offset
                began = fleet.began.get(op["sha256"], {})
                _say(began=began, skew={d: fleet.agents[d].config.clock_offset_s for d in began})
            elif kind == "park":  # every device is connected: the steady state a broadcast finds
                fleet.park()
                _say(parked=True)
            elif kind == "received":  # cheap progress poll: how many devices have acked ``received``
                _say(received=fleet._received.get(op["command_id"], 0))
            elif kind == "acks":
                cid = op["command_id"]
                _say(acks=fleet.acks.get(cid, {}), handled=fleet.handled.get(cid, {}),
                     cpu_s=fleet.all_received_cpu_s.get(cid, time.process_time()),
                     started_cpu_s=fleet.all_started_cpu_s.get(cid, time.process_time()))  # fmt: skip
            elif kind == "cpu":
                _say(cpu_s=time.process_time())
            elif kind == "profile":  # CPU profile of the next ``seconds``, written to ``path`` (pstats)
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                _say(profiling=True)

                def dump(profile: cProfile.Profile = profile, path: str = op["path"]) -> None:
                    profile.disable()
                    profile.dump_stats(path)

                asyncio.get_running_loop().call_later(op["seconds"], dump)  # other ops go on meanwhile
            else:
                _say(error=f"unknown op {kind}")
    finally:
        await fleet.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--devices", type=int, required=True, help="how many agents this process runs")
    p.add_argument("--first", type=int, default=0, help="index of this process's first device")
    p.add_argument("--kid", required=True)
    p.add_argument("--pub", required=True)
    p.add_argument("--keepalive", type=int, default=10)
    p.add_argument("--heartbeat", type=float, default=30)
    p.add_argument("--ramp", type=float, default=1000, help="new connections per second (this process)")
    p.add_argument("--max-s", type=float, default=600)
    p.add_argument("--skew-ms", type=int, default=0, help="each device clock off by a uniform amount in ±this")
    p.add_argument("--backoff-cap", type=float, default=10, help="longest reconnect backoff (s; the protocol's is 60)")
    tune_gc_for_simulation()
    event_loop_runner()(main(p.parse_args()))
