"""How the alarms page shows times, durations and alarm details, in Vietnamese or English (local time, UTC+7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from source_server.web.kit.i18n import t
from source_server.web.kit.templating import localtime

_OFFLINE_DETAIL = re.compile(r"^(offline|stale) since (\S+)$")
_FLAPPING_DETAIL = re.compile(r"^(\d+) disconnects within (\d+(?:\.\d+)?) s$")
_TAKEOVER_DETAIL = re.compile(r"^(\d+) session takeovers within (\d+(?:\.\d+)?) s$")


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
        return t(f"alarm.detail.{m.group(1)}", lang).format(since=localtime(since))
    for name, pattern in (("flapping", _FLAPPING_DETAIL), ("takeover", _TAKEOVER_DETAIL)):
        m = pattern.match(detail)
        if kind == name and m:
            minutes = max(1, round(float(m.group(2)) / 60))
            return t(f"alarm.detail.{name}", lang).format(n=m.group(1), minutes=minutes)
    return detail
