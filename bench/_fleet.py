"""The fleet simulator process of the benchmarks: N agents, driven by JSON lines on stdin, answering on stdout."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from typing import Any

from bench._common import specs
from simulators.fleet import Fleet, FleetOptions


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
        keepalive_s=args.keepalive, ramp_per_s=args.ramp, backoff_base_s=0.5, backoff_cap_s=10, seed=1,
    )  # fmt: skip
    fleet = Fleet(specs(args.devices), options)
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
            elif kind == "acks":
                _say(acks={d: v for d, v in fleet.acks.get(op["command_id"], {}).items()})
            else:
                _say(error=f"unknown op {kind}")
    finally:
        await fleet.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--devices", type=int, required=True)
    p.add_argument("--kid", required=True)
    p.add_argument("--pub", required=True)
    p.add_argument("--keepalive", type=int, default=10)
    p.add_argument("--heartbeat", type=float, default=30)
    p.add_argument("--ramp", type=float, default=1000)
    p.add_argument("--max-s", type=float, default=600)
    asyncio.run(main(p.parse_args()))
