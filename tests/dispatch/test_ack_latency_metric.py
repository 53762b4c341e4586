"""The ack-latency histogram observed a batch at a time says exactly what one ``observe`` per ack said."""

from __future__ import annotations

import random

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from source_server.metrics import observe_many

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300)


def _exposition(registry: CollectorRegistry) -> list[str]:
    return [line for line in generate_latest(registry).decode().splitlines() if "_created" not in line]


def test_observe_many_gives_the_same_buckets_count_and_sum_as_one_observe_per_value() -> None:
    rng = random.Random(9)
    values = [rng.choice((0.01, 0.3, 2.0, 200.0)) * rng.random() * 2 for _ in range(3000)]
    values += [0.0, *BUCKETS, 301.0, 1e9]  # on every bound exactly (a bound includes its value) and beyond the last
    one, many = CollectorRegistry(), CollectorRegistry()
    h_one = Histogram("lat", "l", ["status"], buckets=BUCKETS, registry=one).labels("started")
    h_many = Histogram("lat", "l", ["status"], buckets=BUCKETS, registry=many).labels("started")
    for v in values:
        h_one.observe(v)
    observe_many(h_many, values[:1000])
    observe_many(h_many, values[1000:])
    observe_many(h_many, [])

    assert _exposition(many) == _exposition(one)
