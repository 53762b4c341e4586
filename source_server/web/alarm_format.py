"""How the alarms page shows times, durations and alarm details, in Vietnamese or English (local time, UTC+7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from source_server.fleet.uptime import LOCAL_TZ
from source_server.web.i18n import t

_OFFLINE_DETAIL = re.compile(r"^(offline|stale) since (\S+)$")
_FLAPPING_DETAIL = re.compile(r"^(\d+) disconnects within (\d+(?:\.\d+)?) s$")


def local_time(at: datetime | None, lang: str) -> str:
    """``at`` in Vietnam's time: ``14:05 21/03/2026`` in Vietnamese, ``2026-03-21 14:05`` in English."""
    if at is None:
        return ""
    local = at.astimezone(LOCAL_TZ)
    return local.strftime("%H:%M %d/%m/%Y") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def duration(span: timedelta, lang: str) -> str:
    """A span in at most two units: ``3 ngày 2 giờ``, ``2 giờ 5 phút``, ``45 phút``, ``dưới 1 phút``."""
    minutes = max(0, round(span.total_seconds() / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts: list[tuple[int, str]] = [(days, "alarm.unit.day"), (hours, "alarm.unit.hour"), (mins, "alarm.unit.minute")]
    shown = [f"{n} {t(key, lang)}" for n, key in parts if n][:2]
    return " ".join(shown) if shown else t("alarm.unit.under_minute", lang)


def alarm_duration(opened_at: datetime, cleared_at: datetime | None, now: datetime, lang: str) -> str:
    """How long the alarm has lasted (still open) or lasted (cleared)."""
    return duration((cleared_at or now) - opened_at, lang)


def detail_text(kind: str, detail: str, lang: str) -> str:
    """The server's English detail in the page's language when it has a known form, else as stored."""
    m = _OFFLINE_DETAIL.match(detail)
    if kind == "offline" and m:
        try:
            since = datetime.fromisoformat(m.group(2))
        except ValueError:
            return detail
        return t(f"alarm.detail.{m.group(1)}", lang).format(since=local_time(since, lang))
    m = _FLAPPING_DETAIL.match(detail)
    if kind == "flapping" and m:
        minutes = max(1, round(float(m.group(2)) / 60))
        return t("alarm.detail.flapping", lang).format(n=m.group(1), minutes=minutes)
    return detail
