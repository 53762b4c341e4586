"""Every route of the app against every role of the province and of each commune (issue 3).

The routes come from the app itself (``routes.enumerate_routes``), so a route added later is covered or makes
``test_every_route_is_classified`` fail. The rule checked everywhere: an object outside every area the caller
may read answers 404; one they see but may not change answers 403; lists never show the other commune; a
refused request changes nothing in the database.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from source_server.accounts.service import Role
from tests.security.checks import changed_tables, leaks, snapshot
from tests.security.routes import GUARDED, ROUTES, Route, unclassified
from tests.security.tables import QUERY_FILTERS, Write
from tests.security.world import Actor, World

OTHER = {"A": "B", "B": "A"}


def _ids(routes: list[Route]) -> list[Any]:
    return [pytest.param(r, id=r.id) for r in routes]


def channels(route: Route, actor: Actor, *, read_only: bool = False) -> list[tuple[str, dict[str, str]]]:
    """How ``actor`` calls ``route``: pages by the session cookie; the API by bearer token, and also by cookie
    for the viewers (roles and areas come from the same principal either way: one cookie caller per level
    shows the cookie path applies them too, and keeps the matrix fast)."""
    out = []
    if route.kind == "api":
        out.append(("bearer", actor.bearer(read_only=read_only)))
    if actor.sid and not read_only and (route.kind == "page" or Role.VIEWER in actor.roles):
        out.append(("cookie", actor.cookie()))
    return out


async def send(
    client: httpx.AsyncClient, route: Route, world: World, side: str, headers: dict[str, str]
) -> httpx.Response:
    """Call ``route`` on commune ``side``'s object (path and body) with ``headers``."""
    url = route.url(world.sides[side], world)
    return await client.request(route.method, url, headers=headers, **route.request(world.sides[side], world))


def allowed(actor: Actor, spec: Write | None) -> bool:
    """True when the actor's role (and level) is one the route admits."""
    if spec is None or spec.roles is None:
        return True
    return bool(actor.roles & spec.roles) and not (spec.province_only and actor.level != "P")


def show(actor: Actor, channel: str, r: httpx.Response) -> str:
    return f"{actor.name} by {channel}: {r.status_code} {r.text[:160]!r}"


def test_every_route_is_classified() -> None:
    """A route nobody described (a write without roles and request, an unknown object parameter) fails here."""
    problems = unclassified(ROUTES)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", _ids(GUARDED))
async def test_no_or_dead_credentials_are_refused(route: Route, world: World, client: httpx.AsyncClient) -> None:
    """No credentials, a made-up, revoked or deactivated user's token, an expired session: 401, or log-in for pages."""
    before = snapshot(world.sessions)
    variants = {
        "nothing": {},
        "made-up token": {"Authorization": "Bearer ngn_made-up"},
        "revoked token": {"Authorization": f"Bearer {world.revoked_token}"},
        "deactivated user's token": {"Authorization": f"Bearer {world.deactivated_token}"},
    }
    failures = []
    for name, headers in [*variants.items(), ("expired session", world.expired_session())]:
        r = await send(client, route, world, "A", headers)
        if route.kind == "api":
            ok = r.status_code == 401
        else:
            location = r.headers.get("location", "")
            ok = r.status_code == 303 and location.startswith("/login?next=")
            ok = ok and (("expired=1" in location) == (name == "expired session"))
        if not ok:
            failures.append(f"{name}: {r.status_code} {r.headers.get('location', '')} {r.text[:120]!r}")
    assert not failures, "\n".join(failures)
    assert changed_tables(before, snapshot(world.sessions)) == []


CROSS = [r for r in GUARDED if r.aimed]


@pytest.mark.parametrize("route", _ids(CROSS))
async def test_the_other_communes_objects_are_refused(route: Route, world: World, client: httpx.AsyncClient) -> None:
    """Every role of commune A on B's objects (and of B on A's): 404, or a refusal; nothing changed, nothing shown."""
    before = snapshot(world.sessions)
    spec = route.spec()
    # An object named in the path that lies outside the caller's areas does not exist for them: 404. A request
    # that only names an area in its body (create, import, grant) may be refused as the table says.
    names_object = any(p not in (spec.path if spec else {}) for p in route.params)
    refusals = {404} if names_object or spec is None or not spec.request else set(spec.refusals)
    failures = []
    for mine, other in OTHER.items():
        for actor in world.level(mine):
            # A role that may not use the route at all may be told so (403) before the area is looked at.
            expected = refusals if allowed(actor, spec) else refusals | {403}
            for channel, headers in channels(route, actor):
                r = await send(client, route, world, other, headers)
                asked = [route.url(world.sides[other], world), str(route.request(world.sides[other], world))]
                if r.status_code not in expected or (seen := leaks(world, other, r.text, asked=asked)):
                    failures.append(f"{show(actor, channel, r)} {seen if r.status_code in expected else ''}")
                elif r.status_code == 422 and not any(w in r.text for w in SAYS_OUTSIDE):
                    failures.append(f"{show(actor, channel, r)}: a 422 that does not say why")
    assert not failures, f"expected {sorted(refusals)}:\n" + "\n".join(failures)
    assert changed_tables(before, snapshot(world.sessions)) == []


OWN_READS = [r for r in GUARDED if r.aimed and not r.write]


@pytest.mark.parametrize("route", _ids(OWN_READS))
async def test_own_objects_are_readable_and_show_nothing_of_the_other_commune(
    route: Route, world: World, client: httpx.AsyncClient
) -> None:
    """The same reads on one's own commune work (so the 404s above are the scope), and show only that commune."""
    failures = []
    spec = route.spec()
    for mine, other in OTHER.items():
        side = world.sides[mine]
        urls = [route.url(side, world)]
        if "command_id" in route.params:  # a province-wide broadcast: visible, but only one's own deliveries
            urls.append(route.url(side, world, command_id=world.shared_command_id))
        actors = world.level("P") if spec is not None and spec.spans_communes else world.level(mine)
        for actor in actors:
            if not allowed(actor, spec):
                continue
            for channel, headers in channels(route, actor):
                for url in urls:
                    r = await client.get(url, headers=headers, **route.request(side, world))
                    seen = leaks(world, other, r.text) if actor.level != "P" else []
                    if r.status_code != 200 or seen:
                        failures.append(f"{url}: {show(actor, channel, r)} {seen}")
    assert not failures, "\n".join(failures)


LISTS = [r for r in GUARDED if not r.aimed and r.method == "GET"]


@pytest.mark.parametrize("route", _ids(LISTS))
async def test_lists_show_only_the_callers_commune(route: Route, world: World, client: httpx.AsyncClient) -> None:
    """Lists, summaries, exports and pages of a commune user: nothing of the other commune, even when asked for."""
    failures = []
    spec = route.spec()
    for mine, other in OTHER.items():
        filters = {q: f(world.sides[other], world) for q, f in QUERY_FILTERS.items()}
        for actor in world.level(mine):
            for n, (channel, headers) in enumerate(channels(route, actor)):
                for params in ({}, filters) if n == 0 else ({},):  # the filters once: scope is per person
                    r = await client.get(route.path, headers=headers, params=params)
                    if not allowed(actor, spec):
                        ok = r.status_code == 403
                    else:  # asked for the other commune: nothing, or refused (unknown filter 400/404/422)
                        ok = r.status_code == 200 or bool(params and r.status_code in (400, 404, 422))
                    seen = leaks(world, other, r.text, asked=params.values())
                    if not ok or seen:
                        failures.append(f"{params}: {show(actor, channel, r)} {seen}")
    assert not failures, "\n".join(failures)


LIST_PATHS = {r.path for r in LISTS}
CORE_LISTS = [
    "/api/v1/devices",
    "/api/v1/alarms",
    "/api/v1/broadcasts",
    "/api/v1/areas",
    "/api/v1/devices/export.csv",
    "/api/v1/presence/summary",
    "/api/v1/presence/map",
    "/api/v1/audit",
    "/api/v1/audit/export.csv",
    "/audit",
]
CORE_LISTS += [p for p in ("/ui/", "/ui/devices", "/ui/alarms", "/ui/areas", "/ui/bulletins") if p in LIST_PATHS]


@pytest.mark.parametrize("path", CORE_LISTS)
async def test_a_province_admin_sees_both_communes(path: str, world: World, client: httpx.AsyncClient) -> None:
    """Guards against a vacuous leak check: these lists exist and do name both communes for the province admin.

    (Pages join the list once they exist.)"""
    assert path in LIST_PATHS
    r = await client.get(path, headers=world.actors["p-province_admin"].cookie())
    assert r.status_code == 200
    assert leaks(world, "A", r.text) and leaks(world, "B", r.text)


RESTRICTED = [r for r in GUARDED if (spec := r.spec()) is not None and spec.roles is not None]


@pytest.mark.parametrize("route", _ids(RESTRICTED))
async def test_roles_without_the_right_are_refused_in_their_own_area(
    route: Route, world: World, client: httpx.AsyncClient
) -> None:
    """Each role that may not use a route, on an object of its own commune (or province): 403, nothing changed.

    Also a read-only token of a role that may: 403 on every write.
    """
    before = snapshot(world.sessions)
    spec = route.spec()
    assert spec is not None
    failures = []
    for actor in world.level("P") + world.level("A"):
        if allowed(actor, spec):
            targets = channels(route, actor, read_only=True) if route.write else []
        else:
            targets = channels(route, actor)
        for channel, headers in targets:
            r = await send(client, route, world, "A", headers)
            if r.status_code != 403:
                failures.append(show(actor, channel, r))
    assert not failures, "expected 403:\n" + "\n".join(failures)
    assert changed_tables(before, snapshot(world.sessions)) == []


COOKIE_WRITES = [r for r in GUARDED if r.write]


@pytest.mark.parametrize("route", _ids(COOKIE_WRITES))
async def test_cookie_writes_without_the_csrf_token_are_refused_and_audited(
    route: Route, world: World, client: httpx.AsyncClient
) -> None:
    """A missing or forged CSRF token on a cookie write: 403, a ``csrf.rejected`` entry, nothing else changed."""
    admin = world.actors["p-province_admin"]
    before = snapshot(world.sessions)
    for csrf in ("", "forged-token"):
        r = await send(client, route, world, "A", admin.cookie(csrf=csrf))
        assert r.status_code == 403, show(admin, f"cookie, csrf {csrf!r}", r)
    after = snapshot(world.sessions)
    assert changed_tables(before, after) == ["audit_log"]
    new = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert len(new) == 2 and all("'csrf.rejected'" in row and f"'{route.method} " in str(row) for row in new)


async def test_tokens_are_revoked_by_their_owner_only(world: World, client: httpx.AsyncClient) -> None:
    """Even an administrator of the same commune cannot revoke someone else's token (404, as if none)."""
    before = snapshot(world.sessions)
    revoke = next(r for r in GUARDED if r.key == ("DELETE", "/api/v1/tokens/{token_id}"))
    for actor in world.level("P") + world.level("A"):
        if actor.name != "a-viewer":  # the spare token of commune A is a-viewer's
            for channel, headers in channels(revoke, actor):
                r = await send(client, revoke, world, "A", headers)
                assert r.status_code == 404, show(actor, channel, r)
    assert changed_tables(before, snapshot(world.sessions)) == []


SAYS_OUTSIDE = ("outside", "yours", "ngoài phạm vi", "địa bàn của bạn")
"""How a 422 says the area is not the caller's, in English (API) or Vietnamese (pages)."""

PUBLIC_GETS = [r for r in ROUTES if r.public and r.method in ("GET", "MOUNT")]


@pytest.mark.parametrize("route", _ids(PUBLIC_GETS))
async def test_public_routes_answer_anyone_and_name_no_device_or_person(
    route: Route, world: World, client: httpx.AsyncClient
) -> None:
    """What ``PUBLIC`` says is public is, and shows no device id or user name."""
    side = world.sides["A"]
    url = route.path.replace("{sha256}", side.media_sha256).replace("{ext}", "mp3")
    url += "/app.css" if route.kind == "mount" else ""
    r = await client.get(url)
    if route.path == "/":  # the home page sends everyone to the operator UI, which asks for a log-in
        assert r.status_code == 307 and r.headers["location"] == "/ui/"
        return
    assert r.status_code == 200, f"{url}: {r.status_code}"
    for key in OTHER:
        names = [*world.sides[key].devices, *world.sides[key].people]
        assert not [n for n in names if n in r.text], url
