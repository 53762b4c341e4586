"""The abbreviation dictionary over the API: layers by area, who may change what, refusals that change nothing,
and the speech of a bulletin read with its area's dictionary (real database, real espeak-ng)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.audio.dictionary.models import Abbreviation
from tests.bulletins.support import PROVINCE, A, B, client, draft, seed


class Caller:
    """Calls as one user or another."""

    def __init__(self, c: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.c, self.tokens = c, tokens

    async def __call__(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.c.request(
            method, "/api/v1" + url, headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kw
        )

    async def add(self, who: str, area: str, abbreviation: str, reading: str) -> httpx.Response:
        body = {"area_code": area, "abbreviation": abbreviation, "reading": reading}
        return await self(who, "POST", "/abbreviations", json=body)

    async def reads(self, who: str, text: str, area: str | None = None) -> str:
        r = await self(who, "POST", "/bulletins/reading", json={"text": text, "area": area})
        assert r.status_code == 200, r.text
        return str(r.json()["spoken"])


@pytest.fixture
async def api(db: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Caller]:
    tokens = seed(db)
    async with client(db, tmp_path) as c:
        yield Caller(c, tokens)


def state(db: sessionmaker[Session]) -> tuple[list[tuple[str, str, str]], int]:
    """Every entry and the number of audit entries: what a refusal must leave as it was."""
    with db() as s:
        rows = s.execute(select(Abbreviation.area_code, Abbreviation.abbreviation, Abbreviation.reading)).all()
        return sorted(tuple(r) for r in rows), s.scalar(select(func.count()).select_from(AuditEntry)) or 0


async def test_a_commune_entry_wins_in_its_commune_only_over_the_province_and_the_defaults(api: Caller) -> None:
    text = "HTX và BQL chợ làm việc với UBND."
    assert await api.reads("editor-a", text, A) == "Hợp tác xã và bê quy e lờ chợ làm việc với ủy ban nhân dân."
    assert (await api.add("admin", PROVINCE, "BQL", "ban quản lý")).status_code == 201
    assert (await api.add("admin", PROVINCE, "HTX", "hợp tác xã kiểu mới")).status_code == 201
    assert (await api.add("editor-a", A, "HTX", "hợp tác xã Ia Grai")).status_code == 201
    assert (await api.add("approver-a", A, "UBND", "")).status_code == 201  # switched off in A: spelled
    in_a = "Hợp tác xã Ia Grai và ban quản lý chợ làm việc với u bê en nờ dê."
    in_b = "Hợp tác xã kiểu mới và ban quản lý chợ làm việc với ủy ban nhân dân."
    assert await api.reads("editor-a", text, A) == in_a
    assert await api.reads("approver-b", text, B) == in_b
    assert await api.reads("approver-b", text) == in_b  # no area: the province's dictionary
    village = await api.reads("editor-a", text, f"{A}-01")
    assert village == in_a  # a village reads with its commune's dictionary

    listed = (await api("editor-a", "GET", f"/abbreviations?area={A}")).json()
    rows = {r["abbreviation"]: r for r in listed["rows"]}
    assert listed["area_code"] == A and listed["may_edit"] is True
    assert rows["HTX"]["source"] == "commune" and rows["HTX"]["replaces"] == "hợp tác xã kiểu mới"
    assert rows["BQL"]["source"] == "province" and rows["BQL"]["replaces"] is None
    assert rows["UBND"]["reading"] == "" and rows["UBND"]["replaces"] == "ủy ban nhân dân"
    assert rows["CNTT"] == {**rows["CNTT"], "source": "default", "entry": None}
    mine = (await api("editor-a", "GET", "/abbreviations")).json()
    assert mine["area_code"] == A  # a commune user's own dictionary by default
    province = (await api("editor-a", "GET", f"/abbreviations?area={PROVINCE}")).json()
    assert (
        province["may_edit"] is False
        and {r["abbreviation"]: r for r in province["rows"]}["HTX"]["source"] == "province"
    )
    assert (await api("admin", "GET", "/abbreviations")).json()["area_code"] == PROVINCE


async def test_refused_entries_change_nothing_and_say_which_field(api: Caller, db: sessionmaker[Session]) -> None:
    created = await api.add("editor-a", A, "TDP", "tổ dân phố")
    assert created.status_code == 201, created.text
    entry = created.json()["id"]
    before = state(db)
    bad: list[tuple[dict[str, str], str]] = [
        ({"abbreviation": "", "reading": "x"}, "abbreviation"),
        ({"abbreviation": "T D#P", "reading": "x"}, "abbreviation"),
        ({"abbreviation": "xã", "reading": "xã hội"}, "abbreviation"),
        ({"abbreviation": "F0", "reading": "ép không"}, "abbreviation"),
        ({"abbreviation": "KDC", "reading": "khu dân cư số 5"}, "reading"),
        ({"abbreviation": "KDC", "reading": "k" * 201}, "reading"),
        ({"abbreviation": "KDC", "reading": ""}, "reading"),  # nothing to switch off
        ({"abbreviation": "tdp", "reading": "tổ dân phố"}, "abbreviation"),  # duplicate, in any case
    ]
    for body, field in bad:
        r = await api("editor-a", "POST", "/abbreviations", json={"area_code": A, **body})
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, (body, r.text)
    r = await api("editor-a", "PATCH", f"/abbreviations/{entry}", json={"reading": "tổ 5"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reading"
    r = await api(
        "editor-a", "POST", "/abbreviations", json={"area_code": f"{A}-01", "abbreviation": "K", "reading": "ca"}
    )
    assert r.status_code == 404  # a village has no dictionary of its own
    assert state(db) == before
    # The same abbreviation is fine in another area (the province's is laid beneath A's).
    assert (await api.add("approver-b", B, "TDP", "tổ dân phố Hội Phú")).status_code == 201


async def test_who_may_change_what_404_outside_ones_areas_403_for_a_role_that_may_not(
    api: Caller, db: sessionmaker[Session]
) -> None:
    a_entry = (await api.add("editor-a", A, "TDP", "tổ dân phố")).json()["id"]
    p_entry = (await api.add("admin", PROVINCE, "BQL", "ban quản lý")).json()["id"]
    before = state(db)
    refusals = [
        ("approver-b", "PATCH", f"/abbreviations/{a_entry}", {"json": {"reading": "khác"}}, 404),
        ("approver-b", "DELETE", f"/abbreviations/{a_entry}", {}, 404),
        ("approver-b", "GET", f"/abbreviations?area={A}", {}, 404),
        ("approver-b", "POST", "/bulletins/reading", {"json": {"text": "TDP", "area": A}}, 404),
        ("editor-a", "POST", "/abbreviations", {"json": {"area_code": B, "abbreviation": "X", "reading": "ích"}}, 404),
        ("viewer-a", "PATCH", f"/abbreviations/{a_entry}", {"json": {"reading": "khác"}}, 403),
        (
            "viewer-a",
            "POST",
            "/abbreviations",
            {"json": {"area_code": A, "abbreviation": "KDC", "reading": "khu"}},
            403,
        ),
        ("operator", "DELETE", f"/abbreviations/{a_entry}", {}, 403),
        (
            "editor-a",
            "POST",
            "/abbreviations",
            {"json": {"area_code": PROVINCE, "abbreviation": "KDC", "reading": "k"}},
            403,
        ),
        ("editor-a", "PATCH", f"/abbreviations/{p_entry}", {"json": {"reading": "ban quản lý chợ"}}, 403),
        ("approver-a", "DELETE", f"/abbreviations/{p_entry}", {}, 403),
        ("admin", "PATCH", "/abbreviations/999999", {"json": {"reading": "x"}}, 404),
    ]
    for who, method, url, kw, expected in refusals:
        r = await api(who, method, url, **kw)
        assert r.status_code == expected, (who, method, url, r.status_code, r.text)
    assert state(db) == before
    # The province's administrator changes any commune's entries; the commune's staff their own.
    assert (
        await api("admin", "PATCH", f"/abbreviations/{a_entry}", json={"reading": "tổ dân phố số"})
    ).status_code == 200
    assert (await api("approver-a", "DELETE", f"/abbreviations/{a_entry}")).status_code == 204


async def test_every_change_is_audited_with_what_it_was(api: Caller, db: sessionmaker[Session]) -> None:
    entry = (await api.add("editor-a", A, "TDP", "tổ dân phố")).json()["id"]
    r = await api("editor-a", "PATCH", f"/abbreviations/{entry}", json={"abbreviation": "TDPh", "reading": "tổ phố"})
    assert r.status_code == 200 and r.json()["abbreviation"] == "TDPh" and r.json()["updated_by"] == "editor-a"
    assert (await api("editor-a", "DELETE", f"/abbreviations/{entry}")).status_code == 204
    with db() as s:
        trail = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "abbreviation").order_by(AuditEntry.id))
        rows = [
            (e.action, e.area_code, e.detail.get("reading"), (e.detail.get("before") or {}).get("reading"))
            for e in trail
        ]
    assert rows == [
        ("abbreviation.created", A, "tổ dân phố", None),
        ("abbreviation.updated", A, "tổ phố", "tổ dân phố"),
        ("abbreviation.deleted", A, "tổ phố", None),
    ]


async def test_a_bulletins_speech_reads_its_text_with_its_areas_dictionary(
    api: Caller, db: sessionmaker[Session]
) -> None:
    text = "BQL chợ thông báo lịch họp."
    assert (await api.add("editor-a", A, "BQL", "ban quản lý")).status_code == 201
    preview = await api("editor-a", "POST", "/bulletins/speech-preview", json={"text": text, "area": A})
    assert preview.status_code == 200 and preview.json()["spoken"].startswith("Ban quản lý chợ"), preview.text
    elsewhere = await api("approver-b", "POST", "/bulletins/speech-preview", json={"text": text, "area": B})
    assert elsewhere.json()["spoken"].startswith("Bê quy e lờ chợ")
    bulletin = (await api("editor-a", "POST", "/bulletins", json=draft(text=text))).json()["id"]
    submitted = await api("editor-a", "POST", f"/bulletins/{bulletin}/submit")
    assert submitted.status_code == 200, submitted.text
    # The same text, voice and pipeline give the same bytes: the bulletin's speech is the one read in A.
    assert preview.json()["sha256"] != elsewhere.json()["sha256"]
    assert submitted.json()["media_sha256"] == preview.json()["sha256"]
