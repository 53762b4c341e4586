"""Start accuracy: scheduled plays on skewed device clocks, 10 % of devices off their link well before the slot.

Each error is the TRUE (host) time a device's player started the item minus the slot time; the device decides by
its own clock (host ± ``--skew-ms``), so a perfect device is off by its skew and nothing else.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench._common import FleetProc, bench_server, emit, finish_args, parser, stats, wait_until
from bench.emergency import tone


def summary(errors: list[float]) -> dict[str, Any]:
    """p50/p95/p99/max of |error| and the share within 1 s; the signed median too."""
    if not errors:
        return {"n": 0}
    absolute = stats([abs(e) for e in errors])
    within = sum(1 for e in errors if abs(e) <= 1.0) / len(errors)
    return {**absolute, "signed_median": round(sorted(errors)[len(errors) // 2], 3), "within_1s": round(within, 4)}


async def run(args: Any) -> None:
    a = finish_args(args)
    async with bench_server(a) as bench:
        n = bench.n
        fleet = await FleetProc.start(bench, keepalive_s=10, heartbeat_s=30, max_s=a.timeout * 3 + a.lead * 2 + 120,
                                      skew_ms=a.skew_ms)  # fmt: skip
        try:

            def online() -> int:
                return sum(1 for d in bench.ids if bench.runtime.presence.snapshot(d).status == "online")

            if await wait_until(lambda: online() == n, a.timeout, poll_s=0.2) is None:
                emit(phase="connect", error="not all online", online=online())
                return
            await asyncio.sleep(1)
            await fleet.call(op="park")
            headers = {"Authorization": f"Bearer {bench.token}"}
            first_slot = time.time() + a.lead
            slots = [first_slot + i * a.gap for i in range(a.items)]
            sent: list[tuple[str, str, float]] = []  # (command id, media sha256, slot unix time)
            async with httpx.AsyncClient(base_url=bench.srv.url, timeout=60) as http:
                for i, slot in enumerate(slots):
                    at = datetime.fromtimestamp(slot, UTC).isoformat()
                    resp = await http.post(
                        "/api/v1/broadcasts", headers=headers,
                        data={"title": f"Bản tin {i + 1}", "target_type": "province", "target": "64", "start_at": at},
                        files={"file": ("tone.wav", tone(a.duration, 500 + 100 * i), "audio/wav")},
                    )  # fmt: skip
                    resp.raise_for_status()
                    body = resp.json()
                    sent.append((body["id"], body["media_sha256"], slot))
            posted_s = time.time()

            async def everywhere(cid: str, status: str) -> bool:
                deadline = time.monotonic() + a.timeout
                while time.monotonic() < deadline:
                    if (await fleet.call(op="count", command_id=cid, status=status))["count"] >= n:
                        return True
                    await asyncio.sleep(0.5)
                return False

            for cid, _, _ in sent:  # every device has the item and its audio before any link is cut
                if not await everywhere(cid, "downloaded"):
                    emit(phase="prefetch", error=f"not every device downloaded {cid}")
                    return
            cut_ids = sorted(random.Random(7).sample(bench.ids, round(n * a.cut_fraction)))
            cut_at = (await fleet.call(op="cut", ids=cut_ids))["t"]
            await asyncio.sleep(max(0.0, first_slot - time.time()))
            # the server's view at the first slot: every cut device must be shown offline (its Will went out)
            cut_shown_online = sum(1 for d in cut_ids if bench.runtime.presence.snapshot(d).status == "online")
            wait = slots[-1] + a.duration + 3 - time.time()
            await asyncio.sleep(max(0.0, wait))
            linked: list[float] = []
            unlinked: list[float] = []
            missing = 0
            cut_set = set(cut_ids)
            per_item = []
            for cid, sha, slot in sent:
                reply = await fleet.call(op="began", sha256=sha)
                began = reply["began"]
                missing += n - len(began)
                errs_l = [t - slot for d, t in began.items() if d not in cut_set]
                errs_u = [t - slot for d, t in began.items() if d in cut_set]
                linked += errs_l
                unlinked += errs_u
                # what the device's clock said at its start: the timer's own error, skew removed
                own = [t + reply["skew"][d] - slot for d, t in began.items()]
                per_item.append({"command_id": cid, "started": len(began), "device_clock_error_s": stats(own)})
            fleet_revive = await fleet.call(op="revive", ids=cut_ids)
            acked = None
            if await wait_until(lambda: online() == n, 60, poll_s=0.5) is not None:
                await asyncio.sleep(2)
                acked = min([(await fleet.call(op="count", command_id=cid, status="started"))["count"]
                             for cid, _, _ in sent])  # fmt: skip
            emit(phase="start_accuracy", devices=n, skew_ms=a.skew_ms, items=a.items, cut_devices=len(cut_ids), cut_shown_online_at_first_slot=cut_shown_online,
                 lead_s=a.lead, link_cut_before_first_slot_s=round(first_slot - cut_at, 1),
                 posted_before_first_slot_s=round(first_slot - posted_s, 1), missing_starts=missing,
                 all=summary(linked + unlinked), linked=summary(linked), unlinked=summary(unlinked),
                 per_item=per_item, revived=fleet_revive.get("revived"),
                 started_acks_after_revive_min_per_item=acked)  # fmt: skip
        finally:
            await fleet.stop()


def main() -> None:
    p = parser(__doc__ or "")
    p.set_defaults(devices=1000)  # the figure is about 1,000 clusters
    p.add_argument("--skew-ms", type=int, default=200, help="device clocks within ± this")
    p.add_argument("--lead", type=float, default=40.0, help="first slot this many seconds after the posts begin")
    p.add_argument("--items", type=int, default=3, help="scheduled items (one per slot)")
    p.add_argument("--gap", type=float, default=8.0, help="seconds between slots")
    p.add_argument("--duration", type=float, default=2.0, help="seconds of each item's audio")
    p.add_argument("--cut-fraction", type=float, default=0.1, help="share of devices whose link is cut")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
