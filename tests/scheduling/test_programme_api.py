"""The programme API: scope (404 outside, 403 without the role), bad input (422 with the field), conflicts (409),
placements with their problems, reorder, removal, the day plan and priority insertion — and audit of changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.models import AuditEntry
from source_server.accounts.service import create_user, issue_token
from source_server.scheduling.models import ScheduleItem, Slot
from source_server.scheduling.timing import to_utc
from tests.scheduling.support import GRANTS, PROVINCE, A, B, bulletin, future_day
from tests.web.auth_support import make_app


class Api:
    """Calls as one seeded user or another."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    async def __call__(self, who: str, method: str, url: str, **kw: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.client.request(method, "/api/v1/programmes" + url, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.fixture
async def api(seeded: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[Api]:
    with seeded.begin() as s:
        tokens = {n: issue_token(s, user=create_user(s, username=n, grants=[g])) for n, g in GRANTS.items()}
    app = make_app(seeded, tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nguon.test") as c:
        yield Api(c, tokens)


MORNING = {"label": "Buổi sáng", "start_local": "06:00", "duration_s": 1800}


def items(db: sessionmaker[Session]) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(ScheduleItem)) or 0


async def test_slots_are_scoped_by_area_and_role(api: Api) -> None:
    made = await api("editor-a", "POST", f"/{A}/slots", json=MORNING)
    assert made.status_code == 201, made.text
    assert made.json()["start_local"] == "06:00:00" and made.json()["weekdays"] == [1, 2, 3, 4, 5, 6, 7]
    sid = made.json()["id"]
    assert (await api("viewer-a", "POST", f"/{A}/slots", json=MORNING)).status_code == 403
    assert (await api("editor-b", "GET", f"/{A}")).status_code == 404  # another commune: not disclosed
    assert (await api("editor-b", "PATCH", f"/{A}/slots/{sid}", json={"label": "x"})).status_code == 404
    assert (await api("editor-a", "POST", f"/{PROVINCE}/slots", json=MORNING)).status_code == 404
    assert (await api("admin", "POST", f"/{PROVINCE}/slots", json=MORNING)).status_code == 201
    assert (await api("operator", "PATCH", f"/{A}/slots/{sid}", json={"duration_s": 2400})).status_code == 200
    listed = (await api("viewer-a", "GET", f"/{A}")).json()
    assert [(s["id"], s["duration_s"]) for s in listed["slots"]] == [(sid, 2400)]
    assert (await api("editor-a", "DELETE", f"/{A}/slots/{sid}")).status_code == 204
    assert (await api("viewer-a", "GET", f"/{A}")).json()["slots"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**MORNING, "duration_s": 5}, "duration_s"),
        ({**MORNING, "weekdays": [0, 8]}, "weekdays"),
        ({**MORNING, "label": "   "}, "label"),
        ({**MORNING, "first_day": "2026-05-02", "last_day": "2026-05-01"}, "last_day"),
        ({**MORNING, "start_local": "06:10"}, "start_local"),  # overlaps the existing 06:00–06:30 slot
    ],
)
async def test_bad_slots_get_422_with_the_field_and_change_nothing(
    api: Api, body: dict[str, object], field: str
) -> None:
    assert (await api("editor-a", "POST", f"/{A}/slots", json=MORNING)).status_code == 201
    r = await api("editor-a", "POST", f"/{A}/slots", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field
    assert len((await api("editor-a", "GET", f"/{A}")).json()["slots"]) == 1


async def test_place_check_plan_reorder_remove(api: Api, seeded: sessionmaker[Session]) -> None:
    sid = (await api("editor-a", "POST", f"/{A}/slots", json={**MORNING, "duration_s": 120})).json()["id"]
    day = future_day().isoformat()
    x, y = bulletin(seeded, duration_ms=60_000), bulletin(seeded, duration_ms=40_000)
    draft = bulletin(seeded, duration_ms=None, approve=False)
    dry = await api("editor-a", "POST", f"/{A}/check", json={"bulletin_id": draft, "slot_id": sid, "day": day})
    assert dry.status_code == 200 and dry.json()["ok"] is False
    assert [p["code"] for p in dry.json()["problems"]] == ["not_approved", "no_audio"]
    refused = await api("editor-a", "POST", f"/{A}/items", json={"bulletin_id": draft, "slot_id": sid, "day": day})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "bulletin_id"
    assert items(seeded) == 0
    ix = (await api("editor-a", "POST", f"/{A}/items", json={"bulletin_id": x, "slot_id": sid, "day": day})).json()
    iy = (await api("editor-a", "POST", f"/{A}/items", json={"bulletin_id": y, "slot_id": sid, "day": day})).json()
    over = await api("editor-a", "POST", f"/{A}/check",
                     json={"bulletin_id": bulletin(seeded, duration_ms=30_000), "slot_id": sid, "day": day})  # fmt: skip
    assert [(p["code"], p["data"]["over_s"]) for p in over.json()["problems"]] == [("overfilled", 14)]
    plan = (await api("viewer-a", "GET", f"/{A}/days/{day}")).json()
    [morning] = plan["slots"]
    assert [(i["id"], i["start_local"]) for i in morning["items"]] == [(ix["id"], "06:00:00"), (iy["id"], "06:01:02")]
    assert (morning["runs"], morning["filled_s"], morning["over_s"]) == (True, 102.0, 0.0)
    bad = await api("editor-a", "PUT", f"/{A}/slots/{sid}/days/{day}/order", json={"item_ids": [iy["id"]]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "item_ids"
    ok = await api("editor-a", "PUT", f"/{A}/slots/{sid}/days/{day}/order", json={"item_ids": [iy["id"], ix["id"]]})
    assert ok.status_code == 200 and [i["id"] for i in ok.json()] == [iy["id"], ix["id"]]
    plan = (await api("viewer-a", "GET", f"/{A}/days/{day}")).json()
    assert [i["start_local"] for i in plan["slots"][0]["items"]] == ["06:00:00", "06:00:42"]
    assert (await api("viewer-a", "DELETE", f"/{A}/items/{ix['id']}")).status_code == 403
    gone = await api("editor-a", "DELETE", f"/{A}/items/{ix['id']}")
    assert gone.status_code == 200 and gone.json()["state"] == "cancelled"
    plan = (await api("viewer-a", "GET", f"/{A}/days/{day}")).json()
    assert [i["id"] for i in plan["slots"][0]["items"]] == [iy["id"]]
    assert [i["id"] for i in plan["cancelled"]] == [ix["id"]]
    with seeded() as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("programme.%")).order_by(AuditEntry.id)
        ).all()
    assert actions == ["programme.slot_created", "programme.item_placed", "programme.item_placed",
                       "programme.items_reordered", "programme.item_removed"]  # fmt: skip


async def test_a_slot_already_begun_cannot_be_reordered(api: Api, seeded: sessionmaker[Session]) -> None:
    today = future_day(after=0)
    made = (await api("editor-a", "POST", f"/{A}/slots", json={**MORNING, "start_local": "00:00:00"})).json()
    with seeded.begin() as s:  # an item placed earlier, in what is now the past
        programme = s.get_one(Slot, made["id"]).programme_id
        item = ScheduleItem(programme_id=programme, bulletin_id=bulletin(seeded), slot_id=made["id"], day=today,
                            reach={"areas": [["64", A]], "devices": {}}, created_by="editor-a")  # fmt: skip
        s.add(item)
    r = await api("editor-a", "PUT", f"/{A}/slots/{made['id']}/days/{today}/order", json={"item_ids": [item.id]})
    assert r.status_code == 409 and "begun" in r.text


async def test_a_one_off_item_and_its_problems(api: Api, seeded: sessionmaker[Session]) -> None:
    day = future_day()
    bid = bulletin(seeded, duration_ms=60_000)
    at = to_utc(day, time(9, 30)).isoformat()
    placed = await api("editor-a", "POST", f"/{A}/items/at", json={"bulletin_id": bid, "at": at})
    assert placed.status_code == 201, placed.text
    again = await api("editor-a", "POST", f"/{A}/items/at", json={"bulletin_id": bulletin(seeded), "at": at})
    assert again.status_code == 422 and again.json()["detail"][0]["code"] == "overlap"
    naive = await api("editor-a", "POST", f"/{A}/items/at", json={"bulletin_id": bid, "at": "2026-05-01T06:00:00"})
    assert naive.status_code == 422
    assert (await api("editor-b", "POST", f"/{A}/items/at", json={"bulletin_id": bid, "at": at})).status_code == 404
    assert (await api("editor-b", "POST", f"/{B}/items/at", json={"bulletin_id": bid, "at": at})).status_code == 404


async def test_priority_insertion_goes_after_each_communes_own_priority_items(
    api: Api, seeded: sessionmaker[Session]
) -> None:
    day = future_day(after=1)
    from_tomorrow = {**MORNING, "first_day": str(day)}  # so the next occurrence is tomorrow's
    sid_a = (await api("editor-a", "POST", f"/{A}/slots", json=from_tomorrow)).json()["id"]
    await api("editor-b", "POST", f"/{B}/slots", json=from_tomorrow)
    own = bulletin(seeded, priority="priority", title="Tin ưu tiên của phường")
    normal = bulletin(seeded, title="Tin thường")
    for bid in (own, normal):
        r = await api("editor-a", "POST", f"/{A}/items", json={"bulletin_id": bid, "slot_id": sid_a, "day": str(day)})
        assert r.status_code == 201, r.text
    # A province priority bulletin for the whole province: into A and B; its other communes have no programme.
    province = bulletin(seeded, owner=PROVINCE, target_type="province", priority="priority", title="Tin tỉnh")
    assert (await api("editor-a", "POST", "/priority-insertions", json={"bulletin_id": province})).status_code == 404
    r = await api("operator", "POST", "/priority-insertions", json={"bulletin_id": province})
    assert r.status_code == 200, r.text
    out = {o["commune"]: o for o in r.json()["outcomes"]}
    assert [(out[c]["status"], out[c]["day"]) for c in (A, B)] == [("inserted", str(day))] * 2
    assert [c["bulletin_id"] for c in out[A]["collides_with"]] == [own] and out[B]["collides_with"] == []
    assert "choose the order" in out[A]["message"]
    assert {o["status"] for c, o in out.items() if c not in (A, B)} == {"no_slot"}
    plan = (await api("viewer-a", "GET", f"/{A}/days/{day}")).json()
    assert [i["title"] for i in plan["slots"][0]["items"]] == ["Tin ưu tiên của phường", "Tin tỉnh", "Tin thường"]
    again = (await api("operator", "POST", "/priority-insertions", json={"bulletin_id": province})).json()
    assert {o["status"] for o in again["outcomes"] if o["commune"] in (A, B)} == {"already_placed"}
    normal_one = await api("operator", "POST", "/priority-insertions", json={"bulletin_id": normal})
    assert normal_one.status_code == 422 and normal_one.json()["detail"][0]["field"] == "bulletin_id"
    with seeded() as s:
        inserted = s.scalars(select(AuditEntry.area_code).where(AuditEntry.action == "programme.priority_inserted"))
        assert sorted(a or "" for a in inserted) == [A, B]
