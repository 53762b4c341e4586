"""Presence API over a real database: scope filtering, filters, summary speed, history, uptime, alarms, websocket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
import uvicorn
import websockets
from fastapi import FastAPI
from sqlalchemy import insert, select

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import Role, create_user, issue_token
from source_server.broker import free_port
from source_server.config import Settings
from source_server.db import session_scope, utcnow
from source_server.events import EventHub
from source_server.fleet.models import Alarm, Area, Device, DeviceEvent, Presence
from source_server.fleet.presence_api import router

T = utcnow().replace(microsecond=0)


def make_app(db) -> tuple[FastAPI, EventHub]:
    """The presence router on a bare app whose runtime exposes only what the router uses: sessions and hub."""
    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    hub = EventHub()
    app.state.runtime = SimpleNamespace(sessions=db, hub=hub, settings=Settings())  # settings: NGUON_TRUSTED_PROXIES
    return app, hub


@pytest.fixture
async def api(db) -> AsyncIterator[tuple[httpx.AsyncClient, EventHub]]:
    app, hub = make_app(db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, hub


def seed(db) -> dict[str, str]:
    """Province p with communes c1 (2 speakers + 1 board) and c2 (1 speaker); tokens for three users."""
    with session_scope(db) as s:
        s.add(Area(code="p", name="Gia Lai", level="province"))
        s.flush()
        s.add_all(
            [
                Area(code="c1", name="Xã Ia Grai", level="commune", parent_code="p"),
                Area(code="c2", name="Phường Pleiku", level="commune", parent_code="p"),
            ]
        )
        s.flush()
        s.add(Area(code="v1", name="Thôn 1", level="village", parent_code="c1"))
        s.add_all(
            [
                Device(
                    id="s1",
                    kind="speaker",
                    name="Cụm loa chợ",
                    vendor="acme",
                    province_code="p",
                    commune_code="c1",
                    village_code="v1",
                ),
                Device(
                    id="s2", kind="speaker", name="Cụm loa trường", vendor="other", province_code="p", commune_code="c1"
                ),
                Device(id="b1", kind="eboard", name="Bảng tin UBND", province_code="p", commune_code="c1"),
                Device(id="s3", kind="speaker", name="Cụm loa phường", province_code="p", commune_code="c2"),
            ]
        )
        s.flush()
        s.add_all(
            [
                Presence(device_id="s1", status="online", session=3, since=T, last_seen=T, firmware="1.2"),
                Presence(device_id="s2", status="offline", session=1, since=T),
                Presence(device_id="s3", status="stale", session=9, since=T),
            ]
        )
        tokens = {}
        for name, grants in {
            "province": [(Role.PROVINCE_OPERATOR, "p")],
            "commune1": [(Role.COMMUNE_EDITOR, "c1")],
            "viewer2": [(Role.VIEWER, "c2")],
        }.items():
            tokens[name] = issue_token(s, user=create_user(s, username=name, grants=grants))
    return tokens


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_device_list_is_scoped_and_filtered(db, api) -> None:
    client, _ = api
    tok = seed(db)
    assert (await client.get("/api/v1/devices")).status_code == 401
    ids = lambda r: [d["id"] for d in r.json()["items"]]  # noqa: E731
    all_ = await client.get("/api/v1/devices", headers=h(tok["province"]))
    assert all_.status_code == 200 and ids(all_) == ["b1", "s1", "s2", "s3"] and all_.json()["total"] == 4
    s1 = all_.json()["items"][1]
    assert (s1["status"], s1["session"], s1["firmware"], s1["village_code"]) == ("online", 3, "1.2", "v1")
    assert all_.json()["items"][0]["status"] == "never_seen"
    assert ids(await client.get("/api/v1/devices", headers=h(tok["commune1"]))) == ["b1", "s1", "s2"]
    assert ids(await client.get("/api/v1/devices", headers=h(tok["viewer2"]))) == ["s3"]
    p = h(tok["province"])
    assert ids(await client.get("/api/v1/devices?status=offline", headers=p)) == ["s2"]
    assert ids(await client.get("/api/v1/devices?kind=eboard", headers=p)) == ["b1"]
    assert ids(await client.get("/api/v1/devices?commune=c2", headers=p)) == ["s3"]
    assert ids(await client.get("/api/v1/devices?village=v1", headers=p)) == ["s1"]
    assert ids(await client.get("/api/v1/devices?vendor=acme", headers=p)) == ["s1"]
    assert ids(await client.get("/api/v1/devices?q=TRƯỜNG", headers=p)) in (["s2"], [])  # non-ASCII case folding varies
    assert ids(await client.get("/api/v1/devices?q=loa%20tr", headers=p)) == ["s2"]
    assert ids(await client.get("/api/v1/devices?q=_", headers=p)) == []  # wildcards are literal
    page1 = (await client.get("/api/v1/devices?limit=2", headers=p)).json()
    assert [d["id"] for d in page1["items"]] == ["b1", "s1"] and page1["next_cursor"] == "s1"
    assert ids(await client.get("/api/v1/devices?limit=2&after=s1", headers=p)) == ["s2", "s3"]
    assert ids(await client.get("/api/v1/devices?limit=2&offset=2", headers=p)) == ["s2", "s3"]
    assert (await client.get("/api/v1/devices?limit=501", headers=p)).status_code == 422
    assert (await client.get("/api/v1/devices?status=dead", headers=p)).status_code == 422


async def test_a_broker_outage_shows_devices_unverified_not_online(db) -> None:
    # Measured before: with the broker down for 60 s the API showed every device online.
    app, _ = make_app(db)
    app.state.runtime.mqtt = SimpleNamespace(connected=True)
    tok = seed(db)
    p = h(tok["province"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        up = (await client.get("/api/v1/devices", headers=p)).json()
        assert [d["status"] for d in up["items"]] == ["never_seen", "online", "offline", "stale"]
        app.state.runtime.mqtt.connected = False
        down = (await client.get("/api/v1/devices", headers=p)).json()
        assert down["broker_connected"] is False
        assert [(d["status"], d["last_known_status"]) for d in down["items"]] == [
            ("never_seen", "never_seen"),
            ("unverified", "online"),
            ("offline", "offline"),
            ("unverified", "stale"),
        ]
        unverified = (await client.get("/api/v1/devices?status=unverified", headers=p)).json()
        assert [d["id"] for d in unverified["items"]] == ["s1", "s3"]
        totals = (await client.get("/api/v1/presence/summary", headers=p)).json()
        assert totals["broker_connected"] is False
        assert (totals["totals"]["online"], totals["totals"]["unverified"], totals["totals"]["offline"]) == (0, 2, 1)


async def test_summary_counts_per_area_and_kind(db, api) -> None:
    client, _ = api
    tok = seed(db)
    body = (await client.get("/api/v1/presence/summary?level=commune", headers=h(tok["province"]))).json()
    c1, c2 = body["areas"]
    assert (c1["area_code"], c1["area_name"], c1["online"], c1["offline"], c1["never_seen"], c1["total"]) == (
        "c1",
        "Xã Ia Grai",
        1,
        1,
        1,
        3,
    )
    assert c1["by_kind"]["eboard"]["never_seen"] == 1 and c1["by_kind"]["speaker"]["total"] == 2
    assert (c2["stale"], c2["total"]) == (1, 1)
    assert body["totals"] == {
        "online": 1,
        "stale": 1,
        "reconnecting": 0,
        "offline": 1,
        "never_seen": 1,
        "unverified": 0,
        "total": 4,
    }
    assert body["broker_connected"] is True
    prov = (await client.get("/api/v1/presence/summary?level=province", headers=h(tok["province"]))).json()
    assert [(a["area_code"], a["total"]) for a in prov["areas"]] == [("p", 4)]
    mine = (await client.get("/api/v1/presence/summary", headers=h(tok["viewer2"]))).json()
    assert [a["area_code"] for a in mine["areas"]] == ["c2"]
    assert (await client.get("/api/v1/presence/summary?level=village", headers=h(tok["province"]))).status_code == 422


async def test_summary_over_ten_thousand_devices_is_fast(db, api) -> None:
    client, _ = api
    tok = seed(db)
    with session_scope(db) as s:
        s.add_all(Area(code=f"k{i}", name=f"Xã {i}", level="commune", parent_code="p") for i in range(135))
        s.flush()
        now = utcnow()
        s.execute(
            insert(Device),
            [
                {
                    "id": f"x{i:05d}",
                    "kind": "speaker" if i % 10 else "eboard",
                    "name": "",
                    "vendor": "",
                    "model": "",
                    "province_code": "p",
                    "commune_code": f"k{i % 135}",
                    "tags": [],
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(10_000)
            ],
        )
        s.execute(
            insert(Presence),
            [
                {"device_id": f"x{i:05d}", "status": ("online", "stale", "offline")[i % 3], "session": 1}
                for i in range(0, 10_000, 2)
            ],
        )
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        r = await client.get("/api/v1/presence/summary", headers=h(tok["province"]))
        best = min(best, time.perf_counter() - t0)
    assert r.json()["totals"]["total"] == 10_004 and r.json()["totals"]["never_seen"] == 5_001
    assert best < 0.1, f"summary took {best * 1000:.0f} ms"


async def test_history_and_uptime_of_a_device_in_scope_only(db, api) -> None:
    client, _ = api
    tok = seed(db)
    with session_scope(db) as s:
        s.add_all(
            [
                DeviceEvent(device_id="s1", kind="connected", at=T - timedelta(hours=2), session=3, commune_code="c1"),
                DeviceEvent(device_id="s1", kind="went_stale", at=T - timedelta(hours=1), session=3, commune_code="c1"),
            ]
        )
    hist = await client.get("/api/v1/devices/s1/history", headers=h(tok["commune1"]))
    assert [e["kind"] for e in hist.json()["items"]] == ["went_stale", "connected"]
    assert (await client.get("/api/v1/devices/s1/history", headers=h(tok["viewer2"]))).status_code == 404
    assert (await client.get("/api/v1/devices/nope/history", headers=h(tok["province"]))).status_code == 404
    up = (await client.get("/api/v1/devices/s1/uptime?days=7", headers=h(tok["province"]))).json()
    assert len(up["days"]) == 7 and up["timezone"] == "Asia/Ho_Chi_Minh"
    assert all(0 <= d["fraction_online"] <= 1 for d in up["days"])
    assert (await client.get("/api/v1/devices/s1/uptime?days=0", headers=h(tok["province"]))).status_code == 422


async def test_alarms_list_and_ack_needs_an_operator_of_the_area(db, api) -> None:
    client, _ = api
    tok = seed(db)
    with session_scope(db) as s:
        s.add_all(
            [
                Alarm(device_id="s2", kind="offline", opened_at=T),
                Alarm(device_id="s3", kind="flapping", opened_at=T, cleared_at=T),
            ]
        )
    listed = (await client.get("/api/v1/alarms?open=true", headers=h(tok["province"]))).json()
    assert [(a["device_id"], a["kind"]) for a in listed] == [("s2", "offline")]
    assert [a["device_id"] for a in (await client.get("/api/v1/alarms", headers=h(tok["viewer2"]))).json()] == ["s3"]
    alarm_id = listed[0]["id"]
    # A commune editor sees it but may not acknowledge; a viewer of another commune does not even see it.
    assert (await client.post(f"/api/v1/alarms/{alarm_id}/ack", json={}, headers=h(tok["commune1"]))).status_code == 403
    assert (await client.post(f"/api/v1/alarms/{alarm_id}/ack", json={}, headers=h(tok["viewer2"]))).status_code == 404
    assert (
        await client.post(f"/api/v1/alarms/{alarm_id}/ack", json={"bogus": 1}, headers=h(tok["province"]))
    ).status_code == 422
    ok = await client.post(f"/api/v1/alarms/{alarm_id}/ack", json={"comment": "mất điện"}, headers=h(tok["province"]))
    assert ok.status_code == 200
    body = ok.json()
    assert (body["acked_by"], body["comment"], body["cleared_at"]) == ("province", "mất điện", None)
    again = await client.post(f"/api/v1/alarms/{alarm_id}/ack", json={"comment": "x"}, headers=h(tok["province"]))
    assert again.status_code == 409
    with db() as s:
        assert s.get(Alarm, alarm_id).comment == "mất điện"  # type: ignore[union-attr]
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "alarm.ack"))
        assert (entry.actor, entry.object_id, entry.area_code) == ("province", str(alarm_id), "c1")


async def test_websocket_streams_only_events_of_the_callers_area(db) -> None:
    tok = seed(db)
    app, hub = make_app(db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        url = f"ws://127.0.0.1:{port}/api/v1/presence/ws"
        for bad in ("", "?token=ngn_wrong"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(url + bad):
                    pass
            assert refused.value.response.status_code == 403  # closed before the handshake completes
        async with websockets.connect(f"{url}?token={tok['viewer2']}") as ws:
            while hub.subscribers == 0:
                await asyncio.sleep(0.01)
            for device_id, commune in (("s1", "c1"), ("s3", "c2")):
                hub.publish(
                    {
                        "type": "presence",
                        "device_id": device_id,
                        "status": "online",
                        "commune_code": commune,
                        "province_code": "p",
                    }
                )
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["device_id"] == "s3"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.2)
        for _ in range(100):  # the server notices the close and drops its subscription
            if hub.subscribers == 0:
                break
            await asyncio.sleep(0.02)
        assert hub.subscribers == 0
        async with websockets.connect(url, additional_headers=h(tok["province"])) as ws:
            while hub.subscribers == 0:
                await asyncio.sleep(0.01)
            hub.publish({"type": "presence", "device_id": "s1", "commune_code": "c1", "province_code": "p"})
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["device_id"] == "s1"
    finally:
        server.should_exit = True
        await serving
