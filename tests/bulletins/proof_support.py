"""A bulletin with plays and device acks, for the proof-of-play device list (service and page tests).

The seeded province of tests/support/province.py (7 devices in commune A, 5 in B), a commune-A bulletin and:
- ``live``: a play to the whole province, still valid, with acks from some devices (done, started, failed with a
  reason, rejected) — it reaches both communes, so a commune-A reader's scope leaves B's devices out;
- ``expired``: an earlier play to commune A whose validity ended; spk-a0 finished it, the others never answered
  (not reached).
The two boards here have a loudspeaker too: they announce ``audio`` among their capabilities, so the audio plays
reach them (a board that does not is left out of an audio play: tests/dispatch/test_capabilities.py), and the
proof counts them apart from the speakers (``by_kind``).
Real signed commands and deliveries (``dispatch.service``), acks applied as the server applies them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from protocols import Ack, AckStatus, SigningKey, Target
from source_server.accounts.service import Principal, Role
from source_server.bulletins import service as bulletins
from source_server.bulletins.service import BulletinInput, seed_categories
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.acks import AckIn, apply_acks
from source_server.dispatch.models import Media
from source_server.dispatch.service import create_broadcast
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.models import Device
from source_server.fleet.service import create_device
from tests.support.province import COMMUNE_A, COMMUNE_B, PROVINCE, device_inputs

A, B = COMMUNE_A, COMMUNE_B
BOARD_CAPABILITIES = "audio image text video"
"""What the seeded boards announce (a board with a loudspeaker)."""
A_DEVICES = [d.id for d in device_inputs() if d.commune_code == A]
B_DEVICES = [d.id for d in device_inputs() if d.commune_code == B]
LIVE_ACKS = {
    "spk-a0": (AckStatus.DONE, None),
    "spk-a1": (AckStatus.STARTED, None),
    "spk-a2": (AckStatus.FAILED, "download: timeout"),
    "spk-b0": (AckStatus.DONE, None),
    "spk-b1": (AckStatus.REJECTED, "bad signature"),
}


@dataclass(frozen=True)
class Played:
    """What was seeded: the bulletin and its two plays."""

    bulletin_id: int
    live: str
    expired: str
    other_bulletin_id: int
    other_play: str


def _bulletin(db: Session, title: str) -> int:
    writer = Principal(username="seed", grants=frozenset({(Role.COMMUNE_EDITOR, A)}))
    data = BulletinInput(
        title=title, category_code="thong-bao", owner_area=A, target_type="commune", target_codes=[A],
        text="Nội dung thông báo.",
    )  # fmt: skip
    return bulletins.create(db, principal=writer, data=data).id


def seed_played(sessions: sessionmaker[Session], tmp_path: Path, *, areas: bool = True) -> Played:
    """Areas (unless already there), categories, devices, the bulletin, its plays and the acks."""
    settings = Settings(data_dir=tmp_path, mqtt_username="nguon-server", mqtt_password="server-secret")
    signer = SigningKey.generate("k-proof")
    now = utcnow()
    with sessions.begin() as db:
        if areas:
            import_areas(db, SAMPLE_AREAS.read_bytes())
        seed_categories(db)
        for data in device_inputs():
            create_device(db, data=data)
        db.execute(update(Device).where(Device.kind == "eboard").values(capabilities=BOARD_CAPABILITIES))
        sha = hashlib.sha256(b"ID3 proof").hexdigest()
        media = Media(sha256=sha, size=9, duration_ms=1000, content_type="audio/mpeg", original_name="p.mp3")
        db.add(media)
        db.flush()
        bid, other = _bulletin(db, "Thông báo lịch tiêm chủng"), _bulletin(db, "Thông báo khác")

        def play(target: Target, bulletin_id: int, **kw: object) -> str:
            command = create_broadcast(
                db, settings=settings, signer=signer, media=media, target=target, title="Thông báo", actor="seed", **kw
            )  # type: ignore[arg-type]
            command.bulletin_id = bulletin_id
            return command.id

        expired = play(Target(area=(PROVINCE, A)), bid, ttl_s=60, now=now - timedelta(hours=2))
        live = play(Target(area=(PROVINCE,)), bid, ttl_s=3600, now=now)
        other_play = play(Target(area=(PROVINCE, A)), other, ttl_s=3600, now=now)
        db.flush()
    at = utcnow()
    acks = [AckIn(d, Ack(command_id=live, status=s, at=at, reason=r), at) for d, (s, r) in LIVE_ACKS.items()]
    acks.append(AckIn("spk-a0", Ack(command_id=expired, status=AckStatus.DONE, at=at), at))
    with sessions.begin() as db:
        apply_acks(db, acks)
    return Played(bid, live, expired, other, other_play)
