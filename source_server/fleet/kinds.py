"""The one table of device kinds and what each can render by default (its capabilities).

A device may announce its own capabilities in its online state (``StateMessage.capabilities``); until it does,
or when it announces none, it has its kind's defaults. A ``play`` goes only to devices that can render its
content kind (``required_capability`` of its content type).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import ColumnElement, and_, literal, or_

from protocols import Capability, DeviceKind
from source_server.fleet.models import Device

KINDS: tuple[str, ...] = tuple(k.value for k in DeviceKind)
"""Every device kind, in display order: ``("speaker", "eboard")``."""

KindName = Literal["speaker", "eboard"]
"""A device kind as a type (API query parameters)."""

DEFAULT_CAPABILITIES: dict[str, frozenset[Capability]] = {
    DeviceKind.SPEAKER.value: frozenset({Capability.AUDIO}),
    DeviceKind.EBOARD.value: frozenset({Capability.TEXT, Capability.IMAGE, Capability.VIDEO}),
}
"""What a device of each kind renders when it announces nothing."""

_BY_TYPE_PREFIX = {
    "audio/": Capability.AUDIO,
    "text/": Capability.TEXT,
    "image/": Capability.IMAGE,
    "video/": Capability.VIDEO,
}


def capabilities_of(kind: str, announced: Iterable[Capability | str] | None) -> frozenset[Capability]:
    """What a device renders: what it announced (unknown names dropped), else its kind's defaults."""
    if announced is None:
        return DEFAULT_CAPABILITIES.get(kind, frozenset())
    known = {c.value for c in Capability}
    return frozenset(Capability(c) for c in announced if str(c) in known)


def required_capability(content_type: str, *, stream: bool = False) -> Capability:
    """The capability a device needs to render this content (a stream needs ``stream`` whatever its type).

    ValueError for a content type no renderer takes.
    """
    if stream:
        return Capability.STREAM
    ctype = content_type.split(";", 1)[0].strip().lower()
    for prefix, capability in _BY_TYPE_PREFIX.items():
        if ctype.startswith(prefix) and len(ctype) > len(prefix):
            return capability
    raise ValueError(f"no device renders content of type {content_type!r}")


def encode_capabilities(announced: Iterable[Capability | str] | None) -> str | None:
    """The ``devices.capabilities`` column value: sorted names joined by spaces ('' = none), None = kind defaults."""
    if announced is None:
        return None
    known = {c.value for c in Capability}
    return " ".join(sorted({str(c) for c in announced if str(c) in known}))


def decode_capabilities(stored: str | None) -> list[str] | None:
    """The announced capability names of a ``devices.capabilities`` value (None = not announced)."""
    if stored is None:
        return None
    return [c for c in stored.split(" ") if c]


def can_render(capability: Capability) -> ColumnElement[bool]:
    """SQL condition on ``devices``: the device announced ``capability``, or announced nothing and its kind has it
    by default (no join, no per-device Python: it sits inside the INSERT … SELECT of a province's deliveries)."""
    defaults = [k for k, caps in DEFAULT_CAPABILITIES.items() if capability in caps]
    announced = (literal(" ") + Device.capabilities + literal(" ")).like(f"% {capability.value} %")
    return or_(and_(Device.capabilities.is_(None), Device.kind.in_(defaults)), announced)
