"""The approval workflow through the API: who may take which step, what it records, what it refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.bulletins.models import Bulletin
from source_server.fleet.service import DeviceInput, create_device
from tests.bulletins.support import PROVINCE, A, Api, B, client, draft, seed


@pytest.fixture
async def api(db: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Api]:
    tokens = seed(db)
    async with client(db, tmp_path) as c:
        yield Api(c, tokens)


def audit_actions(db: sessionmaker[Session], bulletin_id: int) -> list[tuple[str, str]]:
    with db() as s:
        rows = s.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.object_type == "bulletin", AuditEntry.object_id == str(bulletin_id))
            .order_by(AuditEntry.id)
        ).all()
    return [(a, b) for a, b in rows]


async def test_write_submit_approve_records_every_step(api: Api, db: sessionmaker[Session]) -> None:
    r = await api("editor-a", "POST", "", json=draft())
    assert r.status_code == 201, r.text
    b = r.json()
    assert (b["state"], b["version"], b["origin"], b["author"]) == ("draft", 1, "commune", "editor-a")
    bid = b["id"]
    assert (await api("editor-a", "POST", f"/{bid}/submit")).json()["state"] == "submitted"
    queue = (await api("approver-a", "GET", "/queue")).json()
    assert [q["id"] for q in queue] == [bid]
    assert (await api("approver-b", "GET", "/queue")).json() == []
    done = await api("approver-a", "POST", f"/{bid}/approve", json={"version": 1})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["state"], body["approved_version"]) == ("approved", 1)
    assert [(d["action"], d["from_state"], d["to_state"], d["actor"]) for d in body["decisions"]] == [
        ("create", "draft", "draft", "editor-a"),
        ("submit", "draft", "submitted", "editor-a"),
        ("approve", "submitted", "approved", "approver-a"),
    ]
    assert audit_actions(db, bid) == [
        ("editor-a", "bulletin.create"),
        ("editor-a", "bulletin.speech"),  # the text was synthesised before it went to the approver
        ("editor-a", "bulletin.submit"),
        ("approver-a", "bulletin.approve"),
    ]


async def test_an_edit_after_approval_goes_back_with_a_diff_and_the_old_version_cannot_be_approved(
    api: Api,
) -> None:
    bid = (await api("editor-a", "POST", "", json=draft())).json()["id"]
    await api("editor-a", "POST", f"/{bid}/submit")
    await api("approver-a", "POST", f"/{bid}/approve", json={"version": 1})
    edited = await api(
        "editor-a", "PATCH", f"/{bid}", json={"text": "Trạm y tế phường tổ chức tiêm chủng vào ngày 10/01/2026."}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["state"], edited.json()["version"]) == ("submitted", 2)
    assert edited.json()["media_sha256"] and edited.json()["tts_engine"] == "espeak"  # re-synthesised
    diff = (await api("approver-a", "GET", f"/{bid}/diff")).json()
    assert (diff["base"], diff["head"]) == (1, 2)
    assert {c["field"] for c in diff["changes"]} == {"text", "media_sha256"}  # new text, new speech
    [change] = [c for c in diff["changes"] if c["field"] == "text"]
    assert [op for op in change["text_ops"] if op["op"] != "equal"] == [
        {"op": "delete", "text": "09/01/2026."},
        {"op": "insert", "text": "10/01/2026."},
    ]
    stale = await api("approver-a", "POST", f"/{bid}/approve", json={"version": 1})
    assert stale.status_code == 422 and "changed" in stale.text
    ok = await api("approver-a", "POST", f"/{bid}/approve", json={"version": 2})
    assert ok.json()["approved_version"] == 2
    same = await api("editor-a", "PATCH", f"/{bid}", json={"title": draft()["title"]})
    assert same.json()["version"] == 2 and same.json()["state"] == "approved"  # no change, no new version


async def test_roles_and_areas_are_enforced_and_refusals_change_nothing(api: Api, db: sessionmaker[Session]) -> None:
    bid = (await api("editor-a", "POST", "", json=draft())).json()["id"]
    await api("editor-a", "POST", f"/{bid}/submit")
    assert (await api("editor-a", "POST", f"/{bid}/approve", json={"version": 1})).status_code == 403
    assert (await api("viewer-a", "POST", f"/{bid}/approve", json={"version": 1})).status_code == 403
    assert (await api("viewer-a", "PATCH", f"/{bid}", json={"title": "x"})).status_code == 403
    assert (await api("approver-b", "GET", f"/{bid}")).status_code == 404  # another commune: not disclosed
    assert (await api("approver-b", "POST", f"/{bid}/approve", json={"version": 1})).status_code == 404
    assert (await api("operator", "POST", f"/{bid}/approve", json={"version": 1})).status_code == 403
    assert (await api("viewer-a", "POST", "", json=draft())).status_code == 403
    listed = (await api("approver-b", "GET", "")).json()
    assert listed["total"] == 0
    assert (await api("admin", "GET", "")).json()["total"] == 1
    with db() as s:
        row = s.get(Bulletin, bid)
        assert row is not None and (row.state, row.version) == ("submitted", 1)
    # the approver may write too, but not approve what they wrote
    own = (await api("approver-a", "POST", "", json=draft(title="Bản tin của lãnh đạo"))).json()["id"]
    await api("approver-a", "POST", f"/{own}/submit")
    refused = await api("approver-a", "POST", f"/{own}/approve", json={"version": 1})
    assert refused.status_code == 403 and "author" in refused.text


async def test_reject_needs_a_reason_then_the_writer_corrects_and_resubmits(api: Api) -> None:
    bid = (await api("editor-a", "POST", "", json=draft())).json()["id"]
    await api("editor-a", "POST", f"/{bid}/submit")
    assert (await api("approver-a", "POST", f"/{bid}/reject", json={"reason": "  "})).status_code == 422
    r = await api("approver-a", "POST", f"/{bid}/reject", json={"reason": "Ghi rõ địa điểm tiêm."})
    assert r.json()["state"] == "rejected" and r.json()["decisions"][-1]["reason"] == "Ghi rõ địa điểm tiêm."
    fixed = await api("editor-a", "PATCH", f"/{bid}", json={"text": "Tiêm chủng tại trạm y tế phường."})
    assert fixed.json()["state"] == "draft"
    assert (await api("editor-a", "POST", f"/{bid}/submit")).json()["state"] == "submitted"
    assert (await api("editor-a", "POST", f"/{bid}/submit")).status_code == 409  # already submitted


async def test_an_emergency_can_be_sent_directly_by_an_authorised_person_only(
    api: Api, db: sessionmaker[Session]
) -> None:
    bid = (await api("editor-a", "POST", "", json=draft(priority="emergency", title="Cảnh báo lũ quét"))).json()["id"]
    assert (await api("editor-a", "POST", f"/{bid}/send-direct", json={})).status_code == 403
    sent = await api("approver-a", "POST", f"/{bid}/send-direct", json={"reason": "Lũ đang lên"})
    assert sent.status_code == 422 and "reaches no device" in sent.text  # commune A has no device yet
    assert (await api("approver-a", "GET", f"/{bid}")).json()["state"] == "draft"  # the refusal changed nothing
    with db.begin() as s:
        create_device(s, data=DeviceInput(id="spk-a9", kind="speaker", commune_code=A))
    sent = await api("approver-a", "POST", f"/{bid}/send-direct", json={"reason": "Lũ đang lên"})
    assert sent.status_code == 200 and sent.json()["state"] == "on_air"  # approved by sending, and on air
    assert [d["action"] for d in sent.json()["decisions"]][-2:] == ["send_direct", "go_on_air"]
    assert ("approver-a", "bulletin.send_direct") in audit_actions(db, bid)
    normal = (await api("editor-a", "POST", "", json=draft())).json()["id"]
    assert (await api("approver-a", "POST", f"/{normal}/send-direct", json={})).status_code == 422


async def test_cancel_before_done_and_not_twice(api: Api) -> None:
    bid = (await api("editor-a", "POST", "", json=draft())).json()["id"]
    r = await api("editor-a", "POST", f"/{bid}/cancel", json={"reason": "Trùng lịch"})
    assert r.json()["state"] == "cancelled"
    assert (await api("editor-a", "POST", f"/{bid}/cancel", json={})).status_code == 409
    assert (await api("editor-a", "PATCH", f"/{bid}", json={"text": "x"})).status_code == 409


async def test_province_bulletins_are_approved_by_the_province_administrator(api: Api) -> None:
    body = draft(owner_area=PROVINCE, target_type="province", target_codes=[PROVINCE], title="Bản tin toàn tỉnh")
    bid = (await api("operator", "POST", "", json=body)).json()["id"]
    await api("operator", "POST", f"/{bid}/submit")
    assert (await api("approver-a", "POST", f"/{bid}/approve", json={"version": 1})).status_code in (403, 404)
    ok = await api("admin", "POST", f"/{bid}/approve", json={"version": 1})
    assert ok.json()["state"] == "approved" and ok.json()["origin"] == "province"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": "   "}, "title"),
        ({"category_code": "khong-co"}, "category_code"),
        ({"target_codes": [B]}, "target_codes"),  # another commune
        ({"target_type": "village", "target_codes": [f"{B}-01"]}, "target_codes"),
        ({"target_codes": []}, "target_codes"),
        ({"owner_area": B}, None),  # not the editor's commune: refused before anything else
        ({"text": "Văn bản l\ufffdi mã"}, "text"),
        ({"valid_until": "2020-01-01T00:00:00Z"}, "valid_until"),
        ({"valid_from": "2031-01-02T00:00:00Z", "valid_until": "2031-01-01T00:00:00Z"}, "valid_until"),
        ({"priority": "urgent"}, "priority"),
    ],
)
async def test_bad_input_gets_a_clear_error_and_creates_nothing(
    api: Api, db: sessionmaker[Session], over: dict[str, object], field: str | None
) -> None:
    r = await api("editor-a", "POST", "", json=draft(**over))
    if field is None:
        assert r.status_code == 403
    else:
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["field"] == field
    with db() as s:
        assert s.scalars(select(Bulletin)).first() is None


async def test_submit_needs_text_or_audio_and_overlong_text_is_refused(api: Api) -> None:
    bid = (await api("editor-a", "POST", "", json=draft(text=""))).json()["id"]
    r = await api("editor-a", "POST", f"/{bid}/submit")
    assert r.status_code == 422 and "text" in r.text
    assert (await api("editor-a", "POST", "", json=draft(text="a" * 30_001))).status_code == 422


async def test_categories_are_configurable_by_the_administrator_only(api: Api) -> None:
    names = [c["code"] for c in (await api("editor-a", "GET", "/categories")).json()]
    assert "thien-tai" in names and "y-te" in names
    new = {"code": "moi-truong", "name_vi": "Môi trường", "name_en": "Environment"}
    assert (await api("operator", "PUT", "/categories", json=new)).status_code == 403
    assert (await api("admin", "PUT", "/categories", json=new)).status_code == 200
    ok = await api("editor-a", "POST", "", json=draft(category_code="moi-truong"))
    assert ok.status_code == 201
    await api("admin", "PUT", "/categories", json={**new, "active": False})
    assert (await api("editor-a", "POST", "", json=draft(category_code="moi-truong"))).status_code == 422


async def test_the_reading_preview_speaks_numbers_and_flags_garbled_text(api: Api) -> None:
    r = await api("editor-a", "POST", "/reading", json={"text": "Kế hoạch số 2415/KH-UBND ngày 09/01/2020."})
    body = r.json()
    assert r.status_code == 200 and body["speakable"] is True
    assert body["spoken"].startswith(
        "Kế hoạch số hai nghìn bốn trăm mười lăm trên kế hoạch ủy ban nhân dân ngày mồng chín tháng một năm"
    )
    bad = (await api("editor-a", "POST", "/reading", json={"text": "Th\u00f4ng b\u00e1o v? vi?c ti?m ch?ng"})).json()
    assert bad["speakable"] is False and bad["warnings"] and "lỗi" in bad["reason"]


async def test_legacy_encoded_text_is_stored_as_unicode_and_garbled_text_cannot_be_submitted(api: Api) -> None:
    from source_server.audio.textnorm import to_tcvn3

    plain = "Trạm y tế phường thông báo lịch tiêm chủng cho trẻ em."  # TCVN3 keeps accented capitals in another font
    r = await api("editor-a", "POST", "", json=draft(text=to_tcvn3(plain)))
    assert r.status_code == 201 and r.json()["text"] == plain
    garbled = (await api("editor-a", "POST", "", json=draft(text="Th\u00f4ng b\u00e1o v? vi?c ti?m ch?ng"))).json()
    refused = await api("editor-a", "POST", f"/{garbled['id']}/submit")
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "text"
    assert (await api("editor-a", "GET", f"/{garbled['id']}")).json()["state"] == "draft"
