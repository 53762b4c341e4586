"""A subscriber process that prints when the first message on a topic filter arrives (command on the wire)."""

from __future__ import annotations

import argparse
import json
import threading
import time

import paho.mqtt.client as mqtt


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--max-s", type=float, default=120)
    a = p.parse_args()
    subscribed, got = threading.Event(), threading.Event()
    arrival: list[float] = []

    def on_message(_c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        if not msg.retain and not arrival:
            arrival.append(time.time())
            got.set()

    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-observer")
    c.on_message = on_message
    c.on_subscribe = lambda *_: subscribed.set()
    c.on_connect = lambda cl, *_: cl.subscribe(a.topic, qos=1)
    c.connect(a.host, a.port, keepalive=60)
    c.loop_start()
    subscribed.wait(10)
    print(json.dumps({"ready": True}), flush=True)
    got.wait(a.max_s)
    print(json.dumps({"arrival": arrival[0] if arrival else None}), flush=True)
    c.disconnect()
    c.loop_stop()


if __name__ == "__main__":
    main()
