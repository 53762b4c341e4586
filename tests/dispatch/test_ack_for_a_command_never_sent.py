"""An ack for a command the device was never sent changes nothing: no delivery, no time, no sign of life.

On a broker that enforces no ACL anyone can publish on a device's ack topic; the server refuses what it can tell
is wrong (issue 9): such an ack is counted (``ack_unknown_command``) and dropped before it touches anything.
The failure this guards against: the runtime used to refresh the device's presence on every ack before the
dispatcher looked the command up, so junk acks kept a dead device "online" (or brought a stale one back).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from protocols import Ack, AckStatus, StateMessage, Target, device_topic, dump
from source_server.db import utcnow
from source_server.dispatch.models import Delivery
from source_server.dispatch.service import create_broadcast
from source_server.metrics import REGISTRY
from source_server.runtime import Runtime


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _deliveries(db) -> list[tuple[str, str, str, datetime | None, datetime | None]]:
    with db() as s:
        q = select(Delivery.command_id, Delivery.device_id, Delivery.status, Delivery.received_at, Delivery.updated_at)
        return sorted(tuple(r) for r in s.execute(q))  # type: ignore[misc]


async def test_an_ack_for_a_command_never_sent_creates_and_refreshes_nothing(
    db, settings, signer, store, media, fleet
) -> None:
    with db.begin() as s:
        cid = create_broadcast(
            s, settings=settings, signer=signer, media=media, target=Target(area=("64", "C1")), actor="op", title="t"
        ).id
    runtime = Runtime(settings.model_copy(update={"inactivity_timeout_s": 10}))  # its real ingest path, not started
    tracker, dispatcher = runtime.presence, runtime.dispatcher
    await tracker.load()
    t0 = utcnow()
    tracker.on_broker_connection(True, t0 - timedelta(seconds=60))
    for device_id in ("d-V21-0", "d-V11-0"):
        tracker.on_state(device_id, StateMessage(online=True, session=1), t0 - timedelta(seconds=30), retained=False)
    tracker.sweep(t0)
    assert tracker.snapshot("d-V21-0").status == tracker.snapshot("d-V11-0").status == "stale"

    def ack(device_id: str, command_id: str, status: AckStatus) -> None:
        payload = dump(Ack(command_id=command_id, status=status, at=utcnow()))
        runtime.ingest(device_topic(device_id, "ack"), payload, False)

    before_rows = _deliveries(db)
    rejected = _sample("nguon_mqtt_rejected_total", {"reason": "ack_unknown_command"})
    latency = _sample("nguon_dispatch_ack_latency_seconds_count", {"status": "done"})
    # d-V21-0 (commune C2) was never sent ``cid``; and nobody was ever sent 01NOSUCHCOMMAND.
    for command_id in (cid, "01NOSUCHCOMMAND"):
        for status in (AckStatus.RECEIVED, AckStatus.DONE):
            ack("d-V21-0", command_id, status)
    await dispatcher.flush_acks()

    assert _deliveries(db) == before_rows, "no delivery created, no time or status touched"
    assert _sample("nguon_mqtt_rejected_total", {"reason": "ack_unknown_command"}) == rejected + 4
    assert _sample("nguon_dispatch_ack_latency_seconds_count", {"status": "done"}) == latency
    view = tracker.snapshot("d-V21-0")
    assert view is not None and view.status == "stale" and view.last_seen == t0 - timedelta(seconds=30)

    # The same ack from a device that was sent the command is news, and a sign of life.
    ack("d-V11-0", cid, AckStatus.DONE)
    await dispatcher.flush_acks()
    assert tracker.snapshot("d-V11-0").status == "online"
    with db() as s:
        assert s.get(Delivery, (cid, "d-V11-0")).status == "done"
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.device_id == "d-V21-0")) == 0
    runtime.engine.dispose()
