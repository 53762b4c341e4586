"""The programme pages' words: local times and lengths, and the scheduling domain's problems and errors in the
page's language (the services speak English and carry their data; the page says it plainly in Vietnamese)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from source_server.fleet.uptime import LOCAL_TZ
from source_server.scheduling.exceptions import (
    InvalidInput,
    NotFound,
    NotPermitted,
    Problem,
    SchedulingError,
    StateConflict,
)
from source_server.web.kit.errors import PageError, words
from source_server.web.kit.i18n import t


def hm(at: time) -> str:
    """``06:00``."""
    return at.strftime("%H:%M")


def clock(at: datetime, seconds: bool = True) -> str:
    """A UTC instant as Vietnam wall-clock time, ``06:01:02``."""
    return at.astimezone(LOCAL_TZ).strftime("%H:%M:%S" if seconds else "%H:%M")


def stamp(at: datetime) -> str:
    """A UTC instant as ``06:01:02 12/01/2026`` in Vietnam time."""
    return at.astimezone(LOCAL_TZ).strftime("%H:%M:%S %d/%m/%Y")


def dmy(day: date) -> str:
    """``12/01/2026``."""
    return day.strftime("%d/%m/%Y")


def length(ms: int | float | None) -> str:
    """A length as ``m:ss`` (``h:mm:ss`` past an hour)."""
    total = math.ceil((ms or 0) / 1000)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def minutes(seconds: float, lang: str) -> str:
    """Seconds as minutes with at most one decimal, in the language's number style (``1,7``)."""
    value = round(seconds / 60, 1)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def weekday(day: date, lang: str, short: bool = False) -> str:
    """``Thứ Hai`` (or ``T2``)."""
    return t(f"programme.wd{'s' if short else ''}.{day.isoweekday()}", lang)


def why_not(code: str, lang: str) -> str:
    """Why a slot does not run on a day."""
    return t(f"programme.why.{code}", lang)


@dataclass(frozen=True)
class Context:
    """What a problem's message may need besides its data: the slot and day asked for, and titles by id."""

    slot_label: str = ""
    day: date | None = None
    slot_minutes: int = 0
    title_of_bulletin: Callable[[int], str] = lambda _id: ""
    title_of_item: Callable[[int], str] = lambda _id: ""


def _iso(value: object) -> str:
    return stamp(datetime.fromisoformat(str(value))) if value else ""


def problem_text(p: Problem, lang: str, ctx: Context) -> str:
    """One placement problem in plain words of ``lang`` (the service's own words for an unknown kind)."""
    d = p.data
    day = dmy(ctx.day) if ctx.day else ""
    values: dict[str, object]
    match p.code:
        case "not_approved":
            values = {"state": t(f"bulletin.state.{d.get('state', '')}", lang)}
        case "target_too_wide":
            values = {"devices": d.get("devices", "")}
        case "no_slot":
            values = {"slot": ctx.slot_label, "day": day, "why": why_not(str(d.get("reason", "")), lang)}
        case "past":
            values = {"start": _iso(d.get("start"))}
        case "overfilled":
            values = {"slot": ctx.slot_label, "day": day, "n": d.get("over_s", ""),
                      "length": minutes(float(d.get("length_s", 0)), lang)}  # fmt: skip
        case "before_validity":
            values = {"title": ctx.title_of_bulletin(int(d["bulletin_id"])), "at": _iso(d.get("valid_from"))}
        case "after_validity":
            values = {"title": ctx.title_of_bulletin(int(d["bulletin_id"])), "at": _iso(d.get("valid_until"))}
        case "overlap":
            start, end = (datetime.fromisoformat(str(d[k])) for k in ("start", "end"))
            values = {"title": ctx.title_of_item(int(d["item_id"])), "start": stamp(start), "end": clock(end)}
        case "emergency" | "no_audio" | "outside_area" | "already_placed":
            values = {}
        case _:
            return p.message
    return t(f"programme.p.{p.code}", lang).format(**values)


def invalid_text(exc: InvalidInput, lang: str) -> str:
    """A wrong field in ``lang``, from its code."""
    return words(exc, lang)


def page_error(exc: SchedulingError, lang: str) -> PageError:
    """Any scheduling error as a page error: 404 not in your areas, 403 not allowed, 409 too late, 422 wrong."""
    if isinstance(exc, NotFound):
        key = {"slot": "programme.not_found.slot", "item": "programme.not_found.item"}.get(exc.what)
        key = key or ("programme.not_found.bulletin" if exc.what == "bulletin" else "programme.not_found")
        return PageError("", t(key, lang), 404)
    if isinstance(exc, NotPermitted):
        return PageError("", t("programme.forbidden", lang), 403)
    if isinstance(exc, StateConflict):
        return PageError("", conflict_text(exc, lang), 409)
    if isinstance(exc, InvalidInput):
        return PageError(exc.field, invalid_text(exc, lang), 422)
    return PageError("", t("programme.err.generic", lang).format(message=str(exc)), 422)


def conflict_text(exc: StateConflict, lang: str) -> str:
    """Too late for the change: an occurrence begun, an item played, a slot with items left or deleted."""
    return words(exc, lang)
