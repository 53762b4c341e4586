"""What the device pages show, shaped for templates: area choices and names, local times, telemetry, labels."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from source_server.fleet.models import Area
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import localtime

STATUS_ICONS = {"online": "●", "stale": "◐", "reconnecting": "◌", "offline": "○", "never_seen": "–", "unverified": "?"}
DELIVERY_LABELS = frozenset(
    {"pending", "received", "downloaded", "started", "done", "failed", "rejected", "preempted", "expired"}
    | {"not_reached", "interrupted"}
)
EVENT_LABELS = frozenset({"connected", "disconnected", "went_stale", "came_back", "reconnecting", "refused_copy"})
COMMAND_LABELS = frozenset({"play", "set_volume", "stop", "reboot"})
KNOWN_TELEMETRY = ("at", "uptime_s", "playing", "rssi_dbm", "temperature_c", "cache_bytes", "clock_offset_ms")
SKIPPED_TELEMETRY = frozenset({"session", "firmware", "volume"})


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with the language's separators: ``10.000,5`` in Vietnamese, ``10,000.5`` in English."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".") if lang == "vi" else text


def percent(fraction: float, lang: str) -> str:
    """``98,5 %`` (Vietnamese) or ``98.5%`` (English)."""
    return number(fraction * 100, lang, 1) + (" %" if lang == "vi" else "%")


def label(prefix: str, value: str, known: Collection[str], lang: str) -> str:
    """The translated label of ``prefix.value`` for a known value, else the raw value."""
    return t(f"{prefix}.{value}", lang) if value in known else value


def status_label(status: str, lang: str) -> str:
    """The words for a presence status."""
    return label("status", status, STATUS_ICONS, lang)


def status_labels(lang: str) -> dict[str, str]:
    """Every presence status's words (for the live updates in JavaScript)."""
    return {s: status_label(s, lang) for s in STATUS_ICONS}


def event_labels(lang: str) -> dict[str, str]:
    """Every connectivity event's words (for the live timeline in JavaScript)."""
    return {e: t(f"device.event.{e}", lang) for e in EVENT_LABELS}


def event_detail(detail: str, lang: str, kind: str = "") -> str:
    """The presence engine's English detail in the page's language, for the details it writes."""
    if kind == "refused_copy":
        reason, _, claimed = detail.partition(" ")
        return t("device.event.refused_copy.detail", lang).format(reason=reason, id=claimed or "unknown")
    if detail == "new session seen in telemetry":
        return t("device.event.new_session", lang)
    if detail.startswith("session "):
        return t("device.session", lang) + detail[len("session") :]
    if detail.startswith("not back within "):
        return t("device.event.not_back", lang).format(seconds=detail.removeprefix("not back within ").split()[0])
    return detail


def visible_communes(db: Session, *, areas: Collection[str]) -> list[tuple[str, str]]:
    """(code, name) of the active communes the holder of ``areas`` may read, by name."""
    codes = list(areas)
    if not codes:
        return []
    of_villages = select(Area.parent_code).where(Area.code.in_(codes), Area.level == "village")
    rows = db.execute(
        select(Area.code, Area.name).where(
            Area.level == "commune",
            Area.active.is_(True),
            or_(Area.code.in_(codes), Area.parent_code.in_(codes), Area.code.in_(of_villages)),
        )
    ).all()
    return sorted(((c, n) for c, n in rows), key=lambda r: (r[1].casefold(), r[0]))


def villages_of(db: Session, *, commune: str) -> list[tuple[str, str]]:
    """(code, name) of a commune's villages, by name."""
    rows = db.execute(select(Area.code, Area.name).where(Area.parent_code == commune, Area.level == "village")).all()
    return sorted(((c, n) for c, n in rows), key=lambda r: (r[1].casefold(), r[0]))


def parent_of(db: Session, *, code: str) -> str | None:
    """The parent area's code of ``code``."""
    return db.scalar(select(Area.parent_code).where(Area.code == code))


def area_names(db: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """Names of the given area codes (unknown codes are left out)."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    return {code: name for code, name in db.execute(select(Area.code, Area.name).where(Area.code.in_(wanted)))}


def _duration(seconds: int, lang: str) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    shown = [f"{n} {t('device.unit.' + u, lang)}" for n, u in parts if n] or [f"0 {t('device.unit.m', lang)}"]
    return " ".join(shown[:2])


def telemetry_rows(telemetry: dict[str, Any] | None, lang: str) -> list[tuple[str, str]]:
    """(label, value) of the last telemetry heartbeat, known fields first with units, others as sent."""
    data = dict(telemetry or {})
    rows: list[tuple[str, str]] = []
    for key in KNOWN_TELEMETRY:
        value = data.pop(key, None)
        if value is None or value == "":
            continue
        text = str(value)
        if key == "at":
            with contextlib.suppress(ValueError):
                text = localtime(datetime.fromisoformat(str(value)), seconds=True)
        elif key == "uptime_s" and isinstance(value, int | float):
            text = _duration(int(value), lang)
        elif key == "rssi_dbm":
            text = f"{value} dBm"
        elif key == "temperature_c" and isinstance(value, int | float):
            text = number(value, lang, 1) + " °C"
        elif key == "cache_bytes" and isinstance(value, int | float):
            text = number(value / 1_000_000, lang, 1) + " MB"
        elif key == "clock_offset_ms" and isinstance(value, int | float):
            text = f"{int(value):+d} ms"
        rows.append((t(f"device.telemetry.{key}", lang), text))
    for key in sorted(k for k in data if k not in SKIPPED_TELEMETRY):
        rows.append((key, str(data[key])))
    return rows


def position(ms: int | None, lang: str) -> str:
    """How far an interrupted play got, in words: ``đã phát tới 1:05``; '' when unknown."""
    if ms is None:
        return ""
    minutes, seconds = divmod(ms // 1000, 60)
    return t("device.delivery.position", lang).format(position=f"{minutes}:{seconds:02d}")


def command_summary(type_: str, title: str, body: dict[str, Any], lang: str) -> str:
    """What a command asked for, in words: ``Đặt âm lượng: 70``, ``Phát bản tin: <title>``."""
    name = label("device.command", type_, COMMAND_LABELS, lang)
    if type_ == "set_volume" and isinstance(body.get("volume"), int):
        return f"{name}: {body['volume']}"
    if type_ == "reboot" and body.get("delay_s"):
        return f"{name} ({body['delay_s']} s)"
    if type_ == "play" and (body.get("title") or title):
        return f"{name}: {body.get('title') or title}"
    return name
