"""The other side of the matrix: on its own commune, a role that may use a state-changing route succeeds.

This shows the matrix's 403s and 404s come from the role and area rules, not from a malformed request, and
checks that every change a user makes leaves an entry in the audit log.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.service import Role
from tests.security.checks import changed_tables, snapshot
from tests.security.routes import GUARDED
from tests.security.seed import build_world
from tests.security.tables import Write
from tests.security.world import IP, Actor, World

# Run last, in this order: they remove or move what the routes before them work on.
LAST = [("DELETE", "/api/v1/devices/{device_id}"), ("POST", "/ui/areas/merge"), ("POST", "/logout")]
LAST += [("POST", "/api/v1/me/password")]
WRITES = sorted((r for r in GUARDED if r.write), key=lambda r: LAST.index(r.key) if r.key in LAST else -1)


def _why(text: str) -> str:
    """The error a page shows (its alert), else the start of the answer."""
    m = re.search(r'(?:class="[^"]*(?:error|alert)[^"]*"[^>]*>)([^<]{3,300})', text)
    return m.group(1).strip() if m else text[:200]


def allowed_actor(world: World, spec: Write) -> Actor:
    """A commune-A actor the route admits (a province one when a commune grant cannot be enough)."""
    if spec.roles is None:
        return world.actors[spec.actor]
    role = next(r for r in Role if r in spec.roles)
    level = "p" if spec.province_only or spec.spans_communes else "a"
    return world.actors[f"{level}-{role.value}"]


async def test_an_allowed_role_succeeds_on_every_write_and_each_change_is_audited(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    world = build_world(db, tmp_path)
    side = world.sides["A"]
    failures = []
    transport = httpx.ASGITransport(app=world.app, client=(IP, 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://nguon.test") as client:
        for route in WRITES:
            spec = route.spec()
            assert spec is not None
            actor = allowed_actor(world, spec)
            given = spec.ready(world, "A") if spec.ready else {}
            headers = actor.bearer() if route.kind == "api" else actor.cookie()
            before = snapshot(db)
            url = route.url(side, world, **given)
            r = await client.request(route.method, url, headers=headers, **route.request(side, world))
            changed = changed_tables(before, snapshot(db))
            to_login = r.status_code == 303 and r.headers["location"].startswith("/login?next=")
            if r.status_code not in (200, 201, 204, 303) or to_login:
                failures.append(f"{route.id} as {actor.name}: {r.status_code} {_why(r.text)!r}")
            elif changed and "audit_log" not in changed:
                failures.append(f"{route.id} as {actor.name}: changed {changed} without an audit entry")
    assert not failures, "\n".join(failures)
    assert len(WRITES) >= 20
