"""UI strings, one module per page (each a ``MESSAGES`` dict of key → {"vi": ..., "en": ...})."""

from __future__ import annotations

from source_server.web.strings import (
    abbreviations,
    alarms,
    areas,
    bulletins,
    core,
    dashboard,
    devices,
    emergency,
    errors,
    jingles,
    people,
    programme,
    proof,
)

MODULES = (
    core,
    dashboard,
    devices,
    alarms,
    areas,
    people,
    bulletins,
    emergency,
    proof,
    programme,
    abbreviations,
    jingles,
    errors,
)


def merged() -> dict[str, dict[str, str]]:
    """Every module's strings in one dict; a key defined twice is a programming error."""
    out: dict[str, dict[str, str]] = {}
    for module in MODULES:
        for key, entry in module.MESSAGES.items():
            if key in out:
                raise RuntimeError(f"UI string {key!r} is defined twice ({module.__name__})")
            out[key] = entry
    return out
