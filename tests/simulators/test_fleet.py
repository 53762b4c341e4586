"""The fleet simulator on a real broker: hundreds of agents online, shared downloads, faults, deaths, the CLI."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from device_agent import parse_broker_url
from protocols import DeviceKind, SigningKey, Target
from simulators import Fleet, FleetOptions, generate_layout, read_passwords
from simulators.cli import app as simulate_app
from tests.device_agent.support import MediaServer, Watcher, command, media_server, new_id, play_body

pytestmark = pytest.mark.broker
KEY = SigningKey.generate("k1")


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with media_server() as server:
        yield server


def options(broker_url: str, **kw: object) -> FleetOptions:
    addr = parse_broker_url(broker_url)
    kw.setdefault("ramp_per_s", 0)
    kw.setdefault("backoff_base_s", 0.2)
    kw.setdefault("backoff_cap_s", 1.0)
    return FleetOptions(broker_host=addr.host, broker_port=addr.port, server_keys={KEY.kid: KEY.public_b64()}, **kw)


def _online(w: Watcher, prefix: str) -> set[str]:
    return {d for d, p, _ in w.states if d.startswith(prefix) and p and json.loads(p)["online"]}


async def test_two_hundred_agents_connect_and_all_publish_online(broker_url: str) -> None:
    prefix = new_id("f")
    fleet = Fleet(generate_layout(200, prefix=prefix), options(broker_url, ramp_per_s=2000))
    async with Watcher(broker_url) as w:
        await fleet.start()
        try:
            await fleet.wait_connected(timeout=20)
            await w.wait_for(lambda: len(_online(w, prefix)) == 200, timeout=10)
            assert fleet.connected_count() == 200
        finally:
            await fleet.stop()
        await w.wait_for(
            lambda: sum(1 for d, p, _ in w.states if d.startswith(prefix) and b'"online":false' in p) == 200
        )


async def test_commune_broadcast_with_shared_download_bad_keys_and_failing_media(
    broker_url: str, media: MediaServer
) -> None:
    prefix = new_id("g")
    devices = generate_layout(40, prefix=prefix, communes=["26001"], per_commune=40)
    fleet = Fleet(devices, options(broker_url, bad_signature_fraction=0.1, failing_download_fraction=0.1,
                                   clock_skew_ms=2000, seed=3))  # fmt: skip
    ref = media.add(b"commune bulletin" * 200, duration_ms=200)
    cid, env = command(KEY, "play", play_body(ref), target=Target(area=("64", "26001")))
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        async with Watcher(broker_url) as w:
            await w.publish("nguon/v1/area/64/26001/cmd", env)
            await w.wait_for(lambda: len({d for d, a in w.acks if a.command_id == cid and a.status.terminal}) == 40)
    finally:
        await fleet.stop()
    final = {d: a for d, a in w.acks if a.command_id == cid}
    by_outcome = Counter((a.status.value, a.reason) for a in final.values())
    assert by_outcome == {("done", None): 32, ("rejected", "bad_signature"): 4, ("failed", "download_error"): 4}
    assert {d for d, a in final.items() if a.status.value == "rejected"} == fleet.bad_signature
    assert sum(media.hits.values()) == 1 and fleet.fetcher is not None and fleet.fetcher.downloads == 1
    # the observation hook saw every ack leave, in order, with timestamps
    record = fleet.acks[cid]
    assert len(record) == 40
    ok = next(d for d in record if d not in fleet.bad_signature | fleet.failing)
    assert [s for s, _ in record[ok]] == ["received", "started", "done"]  # started implies downloaded
    times = [t for _, t in record[ok]]
    # playing takes 0.2 s; each time is when the ack's PUBACK came back, so allow for broker jitter
    assert times == sorted(times) and times[-1] - times[0] >= 0.1


async def test_kill_and_revive(broker_url: str) -> None:
    prefix = new_id("k")
    fleet = Fleet(generate_layout(20, prefix=prefix), options(broker_url))
    victims = [f"{prefix}-{i:05d}" for i in range(5)]
    await fleet.start()
    try:
        await fleet.wait_connected(timeout=20)
        async with Watcher(broker_url) as w:
            await fleet.kill(victims, "abort")
            await w.wait_for(
                lambda: {d for d, p, _ in w.states if d.startswith(prefix) and b'"online":false' in p} == set(victims)
            )
            assert fleet.connected_count() == 15
            await asyncio.sleep(0.5)
            assert fleet.connected_count() == 15  # dead stays dead: no reconnect without revive
            fleet.revive(victims)
            await fleet.wait_connected(timeout=10)
    finally:
        await fleet.stop()
    with pytest.raises(ValueError, match="unique"):
        Fleet(generate_layout(2, prefix="x") * 2, options(broker_url))
    with pytest.raises(ValueError, match="fractions"):
        options(broker_url, flapping_fraction=1.5)


async def test_flapping_devices_come_back(broker_url: str) -> None:
    prefix = new_id("fl")
    fleet = Fleet(
        generate_layout(10, prefix=prefix), options(broker_url, flapping_fraction=0.5, flap_every_s=(0.2, 0.4))
    )
    await fleet.start()
    try:
        await asyncio.sleep(1.5)
        await fleet.wait_connected(timeout=10)
    finally:
        await fleet.stop()
    reconnects = {i: a.connections for i, a in fleet.agents.items()}
    assert all(reconnects[i] >= 2 for i in fleet.flapping) and len(fleet.flapping) == 5
    assert all(reconnects[i] == 1 for i in set(reconnects) - fleet.flapping)


def test_layout_and_passwords(tmp_path: Path) -> None:
    specs = generate_layout(80, prefix="p", communes=["26001", "26002"], per_commune=36, villages=3)
    assert [s.area_path for s in specs[:2]] == [("64", "26001", "01"), ("64", "26001", "02")]
    assert specs[36].area_path[1] == "26002" and specs[72].area_path[1] == "26001"
    assert len({s.device_id for s in specs}) == 80
    with pytest.raises(Exception, match="area code"):
        generate_layout(1, communes=["bad/code"])
    csv = tmp_path / "p.csv"
    csv.write_text("device_id,password\np-00000,s3cret\n")
    assert read_passwords(csv) == {"p-00000": "s3cret"}
    csv.write_text("lonely\n")
    with pytest.raises(ValueError, match="device_id,password"):
        read_passwords(csv)


def test_simulate_cli_connects_and_reports(broker_url: str) -> None:
    result = CliRunner().invoke(simulate_app, [
        "--count", "30", "--broker-url", broker_url, "--server-key", f"k1={KEY.public_b64()}", "--ramp", "0",
        "--duration", "0.5", "--prefix", new_id("cli"), "--json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["devices"] == 30 and report["connected"] == 30 and report["connect_all_s"] < 10
    bad = CliRunner().invoke(simulate_app, ["--count", "3", "--broker-url", broker_url, "--server-key", "k1=nope"])
    assert bad.exit_code == 2 and "not a 32-byte Ed25519 public key" in bad.output


async def test_speakers_and_boards_announce_their_kinds_capabilities_and_refuse_what_they_cannot_render(
    broker_url: str, media: MediaServer
) -> None:
    prefix = new_id("k")
    speakers = generate_layout(6, prefix=f"{prefix}-spk", communes=["26003"], per_commune=6)
    boards = generate_layout(4, prefix=f"{prefix}-brd", communes=["26003"], per_commune=4, kind=DeviceKind.EBOARD)
    fleet = Fleet(speakers + boards, options(broker_url))
    sound = media.add(b"ID3 commune bulletin" * 100, duration_ms=200)
    frame = media.add("Thông báo: cắt điện từ 8 giờ".encode(), duration_ms=200).model_copy(
        update={"content_type": "text/plain"}
    )
    async with Watcher(broker_url) as w:
        await fleet.start()
        try:
            await fleet.wait_connected(timeout=20)
            await w.wait_for(lambda: len(_online(w, prefix)) == 10)
            cids = []
            for ref in (sound, frame):
                cid, env = command(KEY, "play", play_body(ref), target=Target(area=("64", "26003")))
                await w.publish("nguon/v1/area/64/26003/cmd", env)
                cids.append(cid)
            await w.wait_for(
                lambda: all(len({d for d, a in w.acks if a.command_id == c and a.status.terminal}) == 10 for c in cids)
            )
        finally:
            await fleet.stop()
    announced = {
        d: tuple(json.loads(p)["capabilities"]) for d, p, _ in w.states if d.startswith(prefix) and b'"online":t' in p
    }
    assert Counter(announced.values()) == {("audio",): 6, ("text", "image", "video"): 4}
    for cid, plays_on in zip(cids, ("spk", "brd"), strict=True):
        final = {d: (a.status.value, a.reason) for d, a in w.acks if a.command_id == cid and a.status.terminal}
        assert {d for d, s in final.items() if s == ("done", None)} == {d for d in final if f"-{plays_on}-" in d}
        assert Counter(final.values())[("rejected", "unsupported_content")] == (4 if plays_on == "spk" else 6)
    assert sum(media.hits.values()) == 2  # each content fetched once, only for the devices that render it
