"""Every route of the app, enumerated from the app itself, and what the tables say about it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount

from source_server.app import create_app
from source_server.config import Settings
from tests.security.tables import PATH_PARAMS, PUBLIC, READS, WEBSOCKETS, WRITES, Write
from tests.security.world import Side, World


@dataclass(frozen=True)
class Route:
    """One method of one route of the app."""

    method: str
    path: str
    kind: str
    """'api', 'page' (a browser page or form), 'websocket' or 'mount'."""
    params: tuple[str, ...] = ()
    query: tuple[str, ...] = field(default=())

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        return self.key in PUBLIC

    @property
    def write(self) -> bool:
        return self.method not in ("GET", "HEAD", "WS", "MOUNT")

    def spec(self) -> Write | None:
        """The table entry of this route, if any."""
        return WRITES.get(self.key) or READS.get(self.key)

    @property
    def aimed(self) -> bool:
        """True when the route names one commune's object: by a path parameter or in its request."""
        spec = self.spec()
        return bool(self.params) or (spec is not None and spec.cross_area and (self.write or spec.request is not None))

    def request(self, side: Side, world: World) -> dict[str, Any]:
        """httpx arguments of a valid request about ``side`` (none for a plain read)."""
        spec = self.spec()
        return spec.request(side, world) if spec is not None and spec.request is not None else {}

    def url(self, side: Side, world: World, **given: str) -> str:
        """The path with each parameter naming ``side``'s object (or as ``given``, or the route's fixed choice)."""
        spec = self.spec()
        fixed = {**(spec.path if spec else {}), **given}

        def value(m: re.Match[str]) -> str:
            return fixed.get(m.group(1)) or PATH_PARAMS[m.group(1)](side, world)

        return re.sub(r"\{(\w+)(?::\w+)?\}", value, self.path)

    @property
    def classified(self) -> bool:
        """True when the tables say enough to test this route."""
        return not unclassified([self])


def enumerate_routes(app: FastAPI) -> list[Route]:
    """Every route of ``app`` (through included routers), one entry per method."""
    out: list[Route] = []
    for rc in iter_route_contexts(app.routes):
        route, path = rc.original_route, rc.path or ""
        if isinstance(route, APIWebSocketRoute):
            out.append(Route("WS", path, "websocket", tuple(rc.param_convertors)))
        elif isinstance(route, Mount):
            out.append(Route("MOUNT", path, "mount"))
        else:
            query = tuple(p.alias for p in route.dependant.query_params) if isinstance(route, APIRoute) else ()
            kind = "api" if path.startswith("/api/") else "page"
            for method in sorted(rc.methods or ()):
                if method != "HEAD":
                    out.append(Route(method, path, kind, tuple(rc.param_convertors), query))
    return out


def unclassified(routes: list[Route]) -> list[str]:
    """What a maintainer must add to the tables above, one line per route."""
    problems = []
    for r in routes:
        if r.public:
            continue
        if r.kind == "mount":
            problems.append(f"{r.id}: a mount: add it to PUBLIC with the reason, or protect it")
        elif r.kind == "websocket" and r.path not in WEBSOCKETS:
            problems.append(f"{r.id}: a websocket: add it to WEBSOCKETS and test its area filtering")
        elif r.write and r.key not in WRITES:
            problems.append(f"{r.id}: state-changing: add a Write entry (roles and a valid request) to WRITES")
        fixed = spec.path if (spec := r.spec()) is not None else {}
        for p in r.params:
            if r.kind != "websocket" and p not in PATH_PARAMS and p not in fixed:
                problems.append(f"{r.id}: path parameter {p!r}: say in PATH_PARAMS which commune object it names")
    return problems


ROUTES = enumerate_routes(create_app(Settings()))
"""Every route of the real app, as it is mounted by ``create_app``."""
GUARDED = [r for r in ROUTES if not r.public and r.kind in ("api", "page") and r.classified]
"""The routes that need a signed-in user and that the tables describe well enough to test."""
