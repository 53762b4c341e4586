"""The web kit: every string key used exists in both languages, every domain error code has its words, and a page
says a code, not the service's English message (rewording a message changes no page)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from source_server.audio.exceptions import RejectReason
from source_server.bulletins.exceptions import BulletinErrorCode, InvalidBulletin
from source_server.scheduling.exceptions import InvalidInput, SchedulingErrorCode, StateConflict
from source_server.web.bulletins.errors import page_error
from source_server.web.kit.errors import CODE_ENUMS, JINGLE_PAGE_WORDS, WORDS, words
from source_server.web.kit.forms import FieldErrors, FormError
from source_server.web.kit.i18n import LANGS, MESSAGES
from source_server.web.kit.pager import Pager
from source_server.web.programme import text as programme_text
from tests.web.bulletin_page_support import Client, clients, form, post, seed

WEB = Path(__file__).resolve().parents[2] / "source_server" / "web"
_TEMPLATE_KEY = re.compile(r"""\b_\(\s*["']([^"'{}]+)["']\s*\)""")
_PYTHON_KEY = re.compile(r"""\bt\(\s*["']([^"'{}]+)["']""")
_HAS_VIETNAMESE_LETTER = re.compile(r"[^\x00-\x7f]")
_PLAIN_VI = {"page.next", "abbr.replaces"}
"""Vietnamese texts that are right without a diacritic (“Trang sau”, “thay cho”)."""


def used_keys() -> set[str]:
    """Every literal key the templates (``_("…")``) and the pages (``t("…")``) ask for."""
    keys = {k for p in (WEB / "templates").glob("*.html") for k in _TEMPLATE_KEY.findall(p.read_text())}
    keys |= {k for p in WEB.rglob("*.py") if "strings" not in p.parts for k in _PYTHON_KEY.findall(p.read_text())}
    return {k for k in keys if not k.endswith(".")}  # ``t("device.unit." + unit)`` is a prefix


def error_keys() -> set[str]:
    """Every key the error table can name (a ``{reason}`` key once per audio rejection reason)."""
    out = set()
    for key in [*WORDS.values(), *JINGLE_PAGE_WORDS.values()]:
        out |= {key.format(reason=r.value) for r in RejectReason} if "{reason}" in key else {key}
    return out


def test_the_scan_finds_keys_in_templates_and_python() -> None:
    keys = used_keys()
    assert {"login.title", "bulletin.err.reason_long"} <= keys  # one from a template, one from Python
    assert len(keys) > 300


def test_every_used_key_exists_in_vietnamese_and_english() -> None:
    missing = sorted((k, lang) for k in used_keys() | error_keys() for lang in LANGS if k not in MESSAGES)
    missing += sorted((k, lang) for k in used_keys() | error_keys() if k in MESSAGES for lang in LANGS
                      if not MESSAGES[k].get(lang, "").strip())  # fmt: skip
    assert missing == []


def test_no_string_is_empty_and_vietnamese_has_its_diacritics() -> None:
    empty = sorted(k for k, entry in MESSAGES.items() for lang in LANGS if not entry.get(lang, "").strip())
    assert empty == []
    bare = []
    for key, entry in MESSAGES.items():
        words_only = re.sub(r"\{[^}]*\}|<[^>]*>|&\w+;", " ", entry["vi"])
        several_words = len(re.findall(r"[A-Za-z]{2,}", words_only)) >= 2
        if key not in _PLAIN_VI and several_words and not _HAS_VIETNAMESE_LETTER.search(words_only):
            bare.append(key)
    assert bare == []


def test_every_domain_error_code_has_words_in_both_languages() -> None:
    unmapped = [f"{enum.__name__}.{member.name}" for enum in CODE_ENUMS for member in enum if member not in WORDS]
    assert unmapped == []
    for key in error_keys():
        for lang in LANGS:
            assert MESSAGES.get(key, {}).get(lang), (key, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_a_reworded_service_message_changes_no_page_text(lang: str) -> None:
    samples: list[tuple[Any, Any]] = [
        (
            InvalidBulletin(BulletinErrorCode.TITLE_LONG, "title", "at most 200 characters", n=200),
            InvalidBulletin(BulletinErrorCode.TITLE_LONG, "title", "keep it under 201 letters, please", n=200),
        ),
        (
            InvalidBulletin(BulletinErrorCode.TARGET_OUTSIDE, "target_codes", "X is outside area Y", code="23575"),
            InvalidBulletin(BulletinErrorCode.TARGET_OUTSIDE, "target_codes", "not yours: X", code="23575"),
        ),
        (
            InvalidInput(SchedulingErrorCode.START_CLASH, "start_local", "overlaps", slot="Sáng", time=time(6)),
            InvalidInput(SchedulingErrorCode.START_CLASH, "start_local", "clashes", slot="Sáng", time=time(6)),
        ),
        (
            StateConflict(SchedulingErrorCode.SLOT_BUSY, "busy", slot="Sáng", days=[date(2030, 1, 2)]),
            StateConflict(SchedulingErrorCode.SLOT_BUSY, "has items", slot="Sáng", days=[date(2030, 1, 2)]),
        ),
    ]
    names = {"23575": "Phường Hội Phú"}
    for first, reworded in samples:
        said = words(first, lang, names=names)
        assert said == words(reworded, lang, names=names)
        assert first.message not in said and reworded.message not in said
    bulletin = page_error(samples[1][1], lang, names)
    assert bulletin.field == "target" and "Phường Hội Phú" in bulletin.message and bulletin.status == 422
    slot_busy = programme_text.page_error(samples[3][1], lang)
    assert slot_busy.status == 409 and "02/01/2030" in slot_busy.message and "“Sáng”" in slot_busy.message


@pytest.fixture
def client(db: sessionmaker[Session], tmp_path: Path) -> Client:
    seed(db)
    return clients(db, tmp_path)


async def test_the_form_page_keeps_its_words_when_the_service_rewords_everything(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = InvalidBulletin.__init__

    def reworded(self: InvalidBulletin, code: BulletinErrorCode, field: str, message: str, /, **params: object) -> None:
        original(self, code, field, f"REWORDED {message[::-1]}", **params)

    monkeypatch.setattr(InvalidBulletin, "__init__", reworded)
    async with client("editor-a") as c:
        empty = await post(c, "/ui/bulletins/new", "/ui/bulletins/new", form(title="  "))
        outside = await post(
            c, "/ui/bulletins/new", "/ui/bulletins/new", form(target_scope="part", target_codes=["23575-01"])
        )
    assert empty.status_code == 422 and "Vui lòng nhập tiêu đề." in empty.text
    assert outside.status_code == 422 and "Tổ dân phố Hội Phú 1 không thuộc địa bàn" in outside.text
    assert "REWORDED" not in empty.text + outside.text


def test_the_pager_counts_pages_rows_and_links() -> None:
    def link(n: int) -> str:
        return f"?page={n}"

    middle = Pager(page=2, size=20, total=45)
    assert (middle.pages, middle.offset, middle.shown(20)) == (3, 20, (21, 40))
    assert middle.links(link) == {"first": "?page=1", "prev": "?page=1", "next": "?page=3", "last": "?page=3"}
    empty = Pager(page=1, size=20, total=0)
    assert (empty.pages, empty.shown(0), empty.prev(link), empty.next(link)) == (1, (0, 0), None, None)
    assert Pager(page=9, size=20, total=45).last_page().page == 3


def test_the_form_model_keeps_the_first_message_of_a_field_and_words_service_codes() -> None:
    errors = FieldErrors("vi", {"target_codes": "target"})
    errors.add("skips", "programme.err.skip", value="31/02")
    errors.add("skips", "programme.err.skip", value="later")
    errors.refused(FormError("valid_from", "bulletin.err.datetime"))
    at = errors.domain(InvalidBulletin(BulletinErrorCode.TARGET_NONE, "target_codes", "anything"), "target_codes")
    assert at == "target"
    assert errors == {
        "skips": MESSAGES["programme.err.skip"]["vi"].format(value="31/02"),
        "valid_from": MESSAGES["bulletin.err.datetime"]["vi"],
        "target": MESSAGES["bulletin.err.target_none"]["vi"],
    }


def test_the_api_dependencies_import_no_page_code() -> None:
    probe = "import sys, source_server.deps; print([m for m in sys.modules if m.startswith('source_server.web')])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
