"""What a request may not do: change rows (database snapshots) or show another commune's objects (markers)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.models import Base
from tests.security.world import NAMES, World

# Volatile columns a read may touch: a token's last use (sessions are left out whole).
_IGNORED = {"web_sessions": None, "api_tokens": {"last_used_at"}}


def snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (minus volatile columns), to prove a refused request changed nothing."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with sessions() as db:
        for table in Base.metadata.sorted_tables:
            if table.name in _IGNORED and _IGNORED[table.name] is None:
                continue
            skip = _IGNORED.get(table.name) or set()
            cols = [c for c in table.columns if c.name not in skip]
            out[table.name] = sorted(tuple(map(repr, r)) for r in db.execute(select(*cols)).all())
    return out


def changed_tables(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Names of the tables whose rows differ between two snapshots."""
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def markers(world: World, key: str) -> dict[str, re.Pattern[str]]:
    """Patterns that reveal commune ``key``'s things (code, name, devices, broadcast, users), by literal."""
    side = world.sides[key]
    words = [NAMES[key], side.command_id, *side.devices, *side.people]
    out = {side.commune: re.compile(rf"(?<![A-Za-z0-9_\-]){side.commune}(?![A-Za-z0-9_])")}
    return out | {w: re.compile(re.escape(w)) for w in words}


def leaks(world: World, key: str, text: str, *, asked: Iterable[str] = ()) -> list[str]:
    """What of commune ``key`` appears in ``text`` (also inside JSON ``\\u`` escapes and HTML entities).

    ``asked``: what the request itself named (a page may repeat the id or code it was asked about).
    """
    text = html.unescape(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text))
    echoed = " ".join(asked)
    return [m.group(0) for lit, p in markers(world, key).items() if lit not in echoed and (m := p.search(text))]
