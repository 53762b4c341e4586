"""A raw MQTT publisher process: N state messages or N acks, QoS 1, as fast as the broker takes them."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt

from bench._common import device_id


def payloads(kind: str, n: int, command_id: str) -> list[tuple[str, bytes]]:
    at = datetime.now(UTC).isoformat()
    out = []
    for i in range(n):
        d = device_id(i)
        if kind == "state":
            body = {"online": True, "session": 1, "at": at, "kind": "speaker", "firmware": "bench-1"}
        else:
            body = {"command_id": command_id, "status": "received", "at": at, "session": 1}
        out.append((f"nguon/v1/dev/{d}/{kind}", json.dumps(body).encode()))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--kind", choices=("state", "ack"), required=True)
    p.add_argument("--devices", type=int, required=True)
    p.add_argument("--command-id", default="")
    p.add_argument("--max-s", type=float, default=120)
    a = p.parse_args()
    msgs = payloads(a.kind, a.devices, a.command_id)
    done = threading.Event()
    acked = 0

    def on_publish(_c: object, _u: object, _mid: int, _rc: object, _p: object) -> None:
        nonlocal acked
        acked += 1
        if acked == len(msgs):
            done.set()

    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{a.kind}")
    c.max_inflight_messages_set(1000)
    c.on_publish = on_publish
    c.connect(a.host, a.port, keepalive=60)
    c.loop_start()
    t_first = time.time()
    for topic, body in msgs:
        c.publish(topic, body, qos=1)
    t_handed = time.time()
    ok = done.wait(a.max_s)
    t_last = time.time()
    c.disconnect()
    c.loop_stop()
    print(json.dumps({"first": t_first, "handed": t_handed, "last_puback": t_last, "pubacks": acked, "ok": ok}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
