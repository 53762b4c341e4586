"""Per-commune statistics from the delivery truth: only devices that said they played count, scoped by area."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from protocols import CommandType, MediaRef, OriginLevel, PlayBody, Priority, SigningKey, Target
from source_server.accounts.service import Role, create_user, issue_token
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.models import Delivery, Media
from source_server.dispatch.service import create_command
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from tests.web.auth_support import make_app

A, B = "23563", "23575"


def play(
    db: Session, settings: Settings, signer: SigningKey, commune: str, priority: Priority, origin: OriginLevel
) -> str:
    media = db.get(Media, "a" * 64)
    assert media is not None
    body = PlayBody(
        media=MediaRef(url="http://x/a.mp3", sha256=media.sha256, size=media.size, duration_ms=media.duration_ms)
    )
    command = create_command(
        db, settings=settings, signer=signer, type=CommandType.PLAY, body=body, target=Target(area=("64", commune)),
        priority=priority, origin=origin, actor="test", media_sha256=media.sha256,
    )  # fmt: skip
    return command.id


async def test_stats_count_what_devices_said_they_played_per_commune(db: sessionmaker[Session], tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    settings, signer = app.state.runtime.settings, app.state.runtime.signer
    with db.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        for i in range(3):
            create_device(s, data=DeviceInput(id=f"a{i}", kind="speaker", commune_code=A))
        create_device(s, data=DeviceInput(id="b0", kind="speaker", commune_code=B))
        s.add(Media(sha256="a" * 64, size=1000, duration_ms=90_000, content_type="audio/mpeg"))
        s.flush()
        normal = play(s, settings, signer, A, Priority.NORMAL, OriginLevel.COMMUNE)
        emergency = play(s, settings, signer, A, Priority.EMERGENCY, OriginLevel.CENTRAL)
        unheard = play(s, settings, signer, B, Priority.NORMAL, OriginLevel.PROVINCE)
        s.execute(update(Delivery).where(Delivery.command_id == normal, Delivery.device_id.in_(["a0", "a1"]))
                  .values(status="done", finished_at=utcnow()))  # fmt: skip
        s.execute(update(Delivery).where(Delivery.command_id == emergency, Delivery.device_id == "a2")
                  .values(status="started"))  # fmt: skip
        assert unheard  # commune B's device never answered: nothing counts there
        operator = create_user(s, username="op", grants=[(Role.PROVINCE_OPERATOR, "64")])
        viewer_b = create_user(s, username="vb", grants=[(Role.VIEWER, B)])
        tokens = {"op": issue_token(s, user=operator), "vb": issue_token(s, user=viewer_b)}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/api/v1/reports/broadcasts", headers={"Authorization": f"Bearer {tokens['op']}"})
        assert r.status_code == 200, r.text
        by = {row["code"]: row for row in r.json()["communes"]}
        assert by[A]["bulletins"] == 2 and by[A]["emergencies"] == 1
        assert by[A]["central_bulletins"] == 1 and by[A]["minutes_on_air"] == 3.0 and by[A]["plays_started"] == 3
        assert (by[A]["devices_total"], by[A]["devices_online"]) == (3, 0)
        assert (by[B]["bulletins"], by[B]["minutes_on_air"]) == (0, 0.0)
        mine = await c.get("/api/v1/reports/broadcasts", headers={"Authorization": f"Bearer {tokens['vb']}"})
        assert [row["code"] for row in mine.json()["communes"]] == [B]
        csv = await c.get("/api/v1/reports/broadcasts?format=csv", headers={"Authorization": f"Bearer {tokens['op']}"})
        assert csv.headers["content-type"].startswith("text/csv") and "Phường Pleiku" in csv.text
        bad = await c.get("/api/v1/reports/broadcasts?since=2026-05-01&until=2026-04-01",
                          headers={"Authorization": f"Bearer {tokens['op']}"})  # fmt: skip
        assert bad.status_code == 422
