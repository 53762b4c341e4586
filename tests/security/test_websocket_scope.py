"""The live presence websocket: refused without valid credentials, and only the caller's communes' events."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from tests.security.asgi_ws import WsCall
from tests.security.tables import WEBSOCKETS
from tests.security.world import PROVINCE, World

WS = "/api/v1/presence/ws"


def event(world: World, key: str) -> dict[str, str]:
    """A status change of commune ``key``'s first device, as the presence tracker publishes it."""
    side = world.sides[key]
    return {"type": "presence", "device_id": side.devices[0], "status": "offline", "commune_code": side.commune,
            "province_code": PROVINCE}  # fmt: skip


def test_the_presence_websocket_is_the_one_classified() -> None:
    assert list(WEBSOCKETS) == [WS]


async def test_the_websocket_refuses_missing_dead_or_cross_site_credentials(world: World) -> None:
    viewer = world.actors["a-viewer"]
    attempts = {
        "nothing": ("", {}),
        "made-up token": ("token=ngn_made-up", {}),
        "revoked token": (f"token={world.revoked_token}", {}),
        "deactivated user's token": ("", {"authorization": f"Bearer {world.deactivated_token}"}),
        "expired session": ("", world.expired_session()),
        "cookie from another site": ("", {**viewer.cookie(), "origin": "http://evil.example"}),
    }
    for name, (query, headers) in attempts.items():
        async with WsCall(world.app, WS, query=query, headers=headers) as ws:
            assert not ws.accepted and ws.close_code == 1008, name
    async with WsCall(world.app, WS, headers={**viewer.cookie(), "origin": "http://nguon.test"}) as ws:
        assert ws.accepted  # the same cookie from the app's own page is fine


@pytest.mark.parametrize("mine", ["A", "B"])
async def test_each_role_of_a_commune_gets_only_its_communes_events(world: World, mine: str) -> None:
    """Every actor of commune ``mine`` (token, read-only token, cookie; the narrowed token too) hears only it."""
    other = "B" if mine == "A" else "A"
    hub = world.app.state.runtime.hub
    async with AsyncExitStack() as stack:
        calls = {}
        for actor in world.level(mine):
            ways: dict[str, tuple[str, dict[str, str]]] = {
                "token": ("token=" + actor.token, {}),
                "read-only token": ("token=" + actor.ro_token, {}),
            }
            if actor.sid:
                ways["cookie"] = ("", actor.cookie())
            for way, (query, headers) in ways.items():
                call = await stack.enter_async_context(WsCall(world.app, WS, query=query, headers=headers))
                assert call.accepted, (actor.name, way)
                calls[f"{actor.name} by {way}"] = call
        province = await stack.enter_async_context(
            WsCall(world.app, WS, query="token=" + world.actors["p-viewer"].token)
        )
        while hub.subscribers < len(calls) + 1:
            await asyncio.sleep(0.01)
        hub.publish(event(world, other))
        hub.publish(event(world, mine))
        for name, call in calls.items():
            got = await call.receive_json(2)
            assert got is not None and got["commune_code"] == world.sides[mine].commune, name
            assert await call.receive_json(0.05) is None, name
        seen = [await province.receive_json(2), await province.receive_json(2)]
        assert [e["commune_code"] for e in seen if e] == [world.sides[other].commune, world.sides[mine].commune]
