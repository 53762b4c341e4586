"""Page: the abbreviation dictionary of the province or a commune — defaults and the area's own entries, a form to
add, change or switch off a reading, and a "try it" box that reads a sample sentence with the current dictionary.

Everyone reads the dictionaries of their areas; province administrators change the province's (and any commune's),
a commune's editors and approvers their commune's (``audio.dictionary.service``). Changes are audited there.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from source_server.accounts.browser import client_ip
from source_server.accounts.service import Principal
from source_server.audio.dictionary import service
from source_server.audio.dictionary.exceptions import DictionaryError, EntryRefused, NotFound, NotPermitted
from source_server.audio.dictionary.rules import ABBREVIATION_MAX, READING_MAX
from source_server.audio.textnorm import UnspeakableText, ensure_speakable, normalize
from source_server.fleet.models import Area
from source_server.web.kit.auth import WebContext
from source_server.web.kit.deps import WebUser
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import render, templates

router = APIRouter(include_in_schema=False)
SAMPLE_MAX = 2000
Key = Annotated[str, Form(max_length=200)]
Said = Annotated[str, Form(max_length=1000)]


def edits_abbreviations(principal: Principal) -> bool:
    """Whether the navigation offers the page (to those who may change some dictionary)."""
    return service.edits_somewhere(principal)


templates.env.globals["edits_abbreviations"] = edits_abbreviations


def said(exc: EntryRefused, lang: str) -> str:
    """A refusal in the page's language (the English sentence when no translation exists)."""
    key = f"abbr.err.{exc.code}"
    text = t(key, lang)
    return exc.message if text == key else text.format(**exc.params)


def _try(text: str, entries: dict[str, str]) -> dict[str, Any]:
    """How ``text`` is read with ``entries``: its sentences, or why it cannot be read."""
    result = normalize(text, abbreviations=entries)
    try:
        ensure_speakable(result)
    except UnspeakableText as exc:
        return {"sentences": [], "reason": str(exc)}
    return {"sentences": list(result.sentences), "reason": ""}


def _rows(rows: list[service.Row], area: Area, entries: dict[str, str], q: str, lang: str) -> list[dict[str, Any]]:
    wanted = q.casefold().strip()
    out = []
    for r in rows:
        if wanted and wanted not in r.abbreviation.casefold() and wanted not in r.reading.casefold():
            continue
        source = t(f"abbr.source.{r.source}", lang).format(name=area.name)
        out.append({
            "abbreviation": r.abbreviation, "reading": r.reading, "source": r.source, "source_label": source,
            "replaces": r.replaces, "entry": r.entry,
            "own": r.entry is not None and r.entry.area_code == area.code,
            "spoken": "" if r.reading else normalize(r.abbreviation, abbreviations=entries).text.rstrip("."),
        })  # fmt: skip
    return out


def _page(
    request: Request, user: WebContext, db: Session, area: Area, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    """The dictionary of ``area`` with the form (blank, being edited, or refused with the values kept)."""
    principal, lang = user.principal, user.lang
    q = str(extra.get("q") or "")
    sample = str(extra.get("sample") or "") or t("abbr.try.default", lang)
    entries = service.entries_for(db, area.code)
    rows = service.rows_for(db, area)
    here = area.name if area.level == "commune" else f"{area.name} ({t('abbr.level.province', lang)})"
    context = {
        "area": area,
        "here": here,
        "areas": service.areas_of(db, principal),
        "may_edit": service.may_edit(db, principal, area),
        "rows": _rows(rows, area, entries, q, lang),
        "total": len(rows),
        "own": sum(1 for r in rows if r.entry is not None and r.entry.area_code == area.code),
        "q": q,
        "sample": sample,
        "tried": _try(sample, entries),
        "form": {"abbreviation": "", "reading": ""},
        "editing": None,
        "error": "",
        "error_field": "",
        "message": "",
        "abbr_max": ABBREVIATION_MAX,
        "reading_max": READING_MAX,
        "sample_max": SAMPLE_MAX,
    }
    context.update({k: v for k, v in extra.items() if k not in ("q", "sample")})
    return render(request, "abbreviations.html", context, user=user, status_code=status_code)


def _refused(request: Request, user: WebContext, exc: DictionaryError) -> HTMLResponse:
    if isinstance(exc, NotPermitted):
        return render(
            request, "forbidden.html", {"why": t("abbr.err.forbidden", user.lang)}, user=user, status_code=403
        )
    return render(request, "forbidden.html", {"why": t("abbr.not_found", user.lang)}, user=user, status_code=404)


def _back(area: str, done: str, key: str) -> RedirectResponse:
    return RedirectResponse(f"/ui/abbreviations?{urlencode({'area': area, 'done': done, 'key': key})}", status_code=303)


@router.get("/ui/abbreviations", response_class=HTMLResponse)
def dictionary_page(
    request: Request,
    user: WebUser,
    area: str = "",
    q: str = "",
    sample: str = "",
    edit: int | None = None,
    change: str = "",
    done: str = "",
    key: str = "",
) -> HTMLResponse:
    """An area's dictionary (the user's own by default), the form, and the "try it" box."""
    with request.app.state.runtime.sessions() as db:
        try:
            home = service.home_area(db, user.principal) if not area else None
            chosen = service.readable_area(db, user.principal, area or (home.code if home else ""))
        except NotFound as exc:
            return _refused(request, user, exc)
        extra: dict[str, Any] = {"q": q[:100], "sample": sample[:SAMPLE_MAX]}
        if edit is not None:
            entry = next((r.entry for r in service.rows_for(db, chosen) if r.entry and r.entry.id == edit), None)
            if entry is None or entry.area_code != chosen.code:
                return _refused(request, user, NotFound(str(edit)))
            extra |= {"editing": entry, "form": {"abbreviation": entry.abbreviation, "reading": entry.reading}}
        elif change:
            extra["form"] = {"abbreviation": change[:ABBREVIATION_MAX], "reading": ""}
        if done in ("created", "updated", "deleted"):
            extra["message"] = t(f"abbr.done.{done}", user.lang).format(abbr=key[:ABBREVIATION_MAX])
        return _page(request, user, db, chosen, **extra)


@router.post("/ui/abbreviations", response_class=HTMLResponse)
def add_entry(
    request: Request,
    user: WebUser,
    area: Annotated[str, Form(max_length=32)] = "",
    abbreviation: Key = "",
    reading: Said = "",
) -> Response:
    """Add an entry to the area's dictionary."""
    with request.app.state.runtime.sessions() as db:
        try:
            entry = service.create(
                db, principal=user.principal, area_code=area, abbreviation=abbreviation, reading=reading,
                source_ip=client_ip(request),
            )  # fmt: skip
            back = _back(entry.area_code, "created", entry.abbreviation)
            db.commit()
            return back
        except EntryRefused as exc:
            db.rollback()
            form = {"abbreviation": abbreviation, "reading": reading}
            chosen = service.readable_area(db, user.principal, area)
            return _page(request, user, db, chosen, form=form, error=said(exc, user.lang), error_field=exc.field,
                         status_code=422)  # fmt: skip
        except DictionaryError as exc:
            return _refused(request, user, exc)


@router.post("/ui/abbreviations/{entry_id}/edit", response_class=HTMLResponse)
def change_entry(
    request: Request, user: WebUser, entry_id: int, abbreviation: Key = "", reading: Said = ""
) -> Response:
    """Change an entry's abbreviation or reading."""
    with request.app.state.runtime.sessions() as db:
        try:
            entry = service.update(
                db, principal=user.principal, entry_id=entry_id, abbreviation=abbreviation, reading=reading,
                source_ip=client_ip(request),
            )  # fmt: skip
            back = _back(entry.area_code, "updated", entry.abbreviation)
            db.commit()
            return back
        except EntryRefused as exc:
            db.rollback()
            entry, area = service.editable_entry(db, user.principal, entry_id)
            form = {"abbreviation": abbreviation, "reading": reading}
            return _page(request, user, db, area, form=form, editing=entry, error=said(exc, user.lang),
                         error_field=exc.field, status_code=422)  # fmt: skip
        except DictionaryError as exc:
            return _refused(request, user, exc)


@router.post("/ui/abbreviations/{entry_id}/delete", response_class=HTMLResponse)
def delete_entry(request: Request, user: WebUser, entry_id: int) -> Response:
    """Remove an entry: the reading beneath it (the province's, or the default) applies again."""
    with request.app.state.runtime.sessions() as db:
        try:
            entry = service.delete(db, principal=user.principal, entry_id=entry_id, source_ip=client_ip(request))
            back = _back(entry.area_code, "deleted", entry.abbreviation)
            db.commit()
        except DictionaryError as exc:
            return _refused(request, user, exc)
        return back
