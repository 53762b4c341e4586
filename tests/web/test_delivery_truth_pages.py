"""Delivery truth on the pages (issue 9): refused copies on the device page, ``interrupted`` with how far it got on
the device page and the proof of play (counted apart, never as done), in Vietnamese and English."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from protocols import Ack, AckStatus
from source_server.accounts.service import Role
from source_server.bulletins.proof import bulletin_proof
from source_server.db import utcnow
from source_server.dispatch.acks import AckIn, apply_acks
from source_server.dispatch.models import Delivery
from source_server.fleet.service import record_refused_copies
from tests.bulletins.proof_support import seed_played
from tests.web.auth_support import add_user, browser, login, make_app
from tests.web.device_support import add_dispatch, seed_commands, seed_province


async def test_the_device_page_shows_a_refused_copy_as_a_security_event_and_an_interrupted_play(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    seed_province(db)
    app = make_app(db, tmp_path)
    seed_commands(db, app.state.runtime.settings, add_dispatch(app))
    with db.begin() as s:
        record_refused_copies(s, events=[("spk-a00", utcnow(), "bad_signature 01JFORGED0000000000000000")])
        done = s.query(Delivery).filter(Delivery.device_id == "spk-a00", Delivery.status == "done").one()
        done.status, done.position_ms, done.reason = "interrupted", 65_000, "device_restart"
    async with browser(app) as c:
        await login(c, "operator")
        vi = (await c.get("/ui/devices/spk-a00")).text
        en = (await c.get("/ui/devices/spk-a00", params={"lang": "en"})).text
    timeline = re.search(r'<ol class="timeline".*?</ol>', vi, re.S)
    assert timeline and "Cảnh báo an ninh: thiết bị từ chối một bản sao lệnh không xác thực được" in timeline.group(0)
    assert "mã lệnh ghi trong bản sao: 01JFORGED0000000000000000" in timeline.group(0)
    assert "event-refused_copy" in timeline.group(0)
    assert "Phát dở dang (bị gián đoạn, chưa hết bản tin)</span> (đã phát tới 1:05)" in vi
    assert "Security alert: the device refused a command copy it could not verify" in en
    assert "Someone else is publishing on the device&#39;s command topic" in en
    assert "Interrupted (stopped before the end)</span> (played up to 1:05)" in en


async def test_proof_of_play_counts_interrupted_apart_and_shows_how_far_it_got(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    played = seed_played(db, tmp_path)
    at = utcnow()
    with db.begin() as s:
        before = bulletin_proof(s, bulletin_id=played.bulletin_id).counts
        ack = Ack(
            command_id=played.live, status=AckStatus.INTERRUPTED, at=at, reason="device_restart", position_ms=65_000
        )
        apply_acks(s, [AckIn("spk-a3", ack, at)])
    with db() as s:
        after = bulletin_proof(s, bulletin_id=played.bulletin_id).counts
    assert after["interrupted"] == before["interrupted"] + 1 == 1
    assert after["done"] == before["done"], "never counted as played in full"
    add_user(db, "admin", (Role.PROVINCE_ADMIN, "64"))
    app = make_app(db, tmp_path)
    url = f"/ui/bulletins/{played.bulletin_id}/proof/devices"
    async with browser(app) as c:
        await login(c, "admin")
        page = (await c.get(url, params={"state": "interrupted"})).text
        export = (await c.get(url + ".csv", params={"state": "interrupted", "lang": "en"})).text
    assert re.findall(r'<tr data-device-id="([^"]+)"', page) == ["spk-a3"]
    assert "Phát dở dang (bị gián đoạn, chưa hết bản tin)</span> (đã phát tới 1:05)" in page
    assert "giờ của chính thiết bị" in page
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    assert rows[0][9] == "Played up to" and rows[1][0] == "spk-a3" and rows[1][9] == "65.0"
