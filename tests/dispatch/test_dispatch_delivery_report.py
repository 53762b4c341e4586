"""Delivery reports: counts per state and commune, device pages, and not_reached only after expiry."""

from __future__ import annotations

from datetime import timedelta

from protocols import Ack, AckStatus, Target
from source_server.db import utcnow
from source_server.dispatch.acks import AckIn, apply_acks
from source_server.dispatch.report import delivery_report
from source_server.dispatch.service import create_broadcast


def _setup(db, settings, signer, media) -> str:
    with db.begin() as s:
        cid = create_broadcast(
            s, settings=settings, signer=signer, media=media, target=Target(area=("64",)), actor="op", ttl_s=600
        ).id
    now = utcnow()
    acks = [
        AckIn("d-V11-0", Ack(command_id=cid, status=AckStatus.DONE, at=now), now),
        AckIn("d-V11-1", Ack(command_id=cid, status=AckStatus.STARTED, at=now), now),
        AckIn("d-V12-0", Ack(command_id=cid, status=AckStatus.FAILED, at=now, reason="download: timeout"), now),
        AckIn("d-V21-0", Ack(command_id=cid, status=AckStatus.REJECTED, at=now, reason="expired"), now),
    ]
    with db.begin() as s:
        apply_acks(s, acks)
    return cid


def test_report_counts_per_status_and_commune(db, settings, signer, media, fleet) -> None:
    cid = _setup(db, settings, signer, media)
    with db() as s:
        report = delivery_report(s, command_id=cid)
    assert report is not None and not report.expired and report.total == 6
    nonzero = {k: v for k, v in report.counts.items() if v}
    assert nonzero == {"done": 1, "started": 1, "failed": 1, "rejected": 1, "pending": 2}
    assert report.by_commune == {
        "C1": {"done": 1, "started": 1, "failed": 1, "pending": 1},
        "C2": {"rejected": 1, "pending": 1},
    }
    rows = {r.device_id: r for r in report.devices.items}
    assert rows["d-V12-0"].reason == "download: timeout" and rows["d-V21-0"].reason == "expired"
    assert rows["d-V12-1"].status == "pending" and rows["d-V12-1"].received_at is None


def test_pending_becomes_not_reached_after_expiry_and_pages_filter(db, settings, signer, media, fleet) -> None:
    cid = _setup(db, settings, signer, media)
    later = utcnow() + timedelta(hours=1)
    with db() as s:
        report = delivery_report(s, command_id=cid, now=later, status="not_reached", page_size=1)
        scoped = delivery_report(s, command_id=cid, now=later, communes={"C2"})
        assert delivery_report(s, command_id="nope") is None
    assert report is not None and report.expired
    assert report.counts["not_reached"] == 2 and report.counts["pending"] == 0 and report.counts["done"] == 1
    assert report.devices.total == 2 and [r.device_id for r in report.devices.items] == ["d-V12-1"]
    assert report.devices.items[0].status == "not_reached"
    assert scoped is not None and scoped.total == 2 and set(scoped.by_commune) == {"C2"}
    with db() as s:
        before = delivery_report(s, command_id=cid, status="not_reached")
    assert before is not None and before.devices.total == 0 and before.counts["pending"] == 2
