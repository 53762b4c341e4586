"""Seeds the security tests' province into a database and builds the real app over it (no broker, nothing started)."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from protocols import SigningKey, Target
from source_server.accounts.models import ApiToken, User, WebSession
from source_server.accounts.service import Principal, Role, audit, create_user, hash_token, issue_token
from source_server.accounts.sessions import create_session
from source_server.app import create_app
from source_server.audio.tts_setup import build_chain
from source_server.bulletins import jingles
from source_server.bulletins import service as bulletins
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.media import MediaStore
from source_server.dispatch.service import create_broadcast, store_media
from source_server.dispatch.targets import area_path
from source_server.dispatch.tasks import Dispatcher
from source_server.events import EventHub
from source_server.fleet import csvio
from source_server.fleet.models import Alarm, DeviceEvent, Presence
from source_server.fleet.service import DeviceInput, create_device
from tests.dispatch.helpers import RecordingPublisher
from tests.security.abbreviations import seed_abbreviation
from tests.security.programme import seed_programme
from tests.security.world import AUTH, COMMUNES, IP, NAMES, PASSWORD, PROVINCE, Actor, Side, World, new_bulletin


@dataclass(frozen=True)
class _Audio:
    """Stored media without the pipeline (the matrix needs rows, not sound)."""

    data: bytes
    duration_ms: int
    sha256: str
    content_type: str = "audio/mpeg"

    @property
    def size(self) -> int:
        return len(self.data)


def tone_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A short 440 Hz WAV, decodable by ffmpeg (for the broadcast upload's positive control)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = (int(12000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate)))
        w.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return out.getvalue()


def _seed_side(db: Session, key: str, settings: Settings, signer: SigningKey, store: MediaStore) -> Side:
    commune = COMMUNES[key]
    letter = key.lower()
    side = Side(
        commune=commune, village=f"{commune}-01", devices=[f"spk-{letter}0", f"spk-{letter}1", f"brd-{letter}0"]
    )
    now = utcnow()
    for n, device_id in enumerate(side.devices):
        kind = "eboard" if device_id.startswith("brd") else "speaker"
        create_device(
            db,
            data=DeviceInput(
                id=device_id,
                kind=kind,
                commune_code=commune,
                village_code=side.village if n == 0 else None,
                name=f"Cụm loa {NAMES[key]} {n}",
                vendor=f"vendor-{letter}",
                lat=14.0 + n * 0.01,
                lon=108.0 + n * 0.01,
            ),
        )
        db.merge(Presence(device_id=device_id, status="online", session=1, since=now, last_seen=now, firmware="1.0"))
        db.add(DeviceEvent(device_id=device_id, kind="online", at=now, session=1, commune_code=commune))
    db.flush()
    alarm = Alarm(device_id=side.devices[0], kind="offline", opened_at=now, detail=f"offline ({NAMES[key]})")
    db.add(alarm)
    data = b"ID3" + f"fake mp3 of {key}".encode()
    audio = _Audio(data=data, duration_ms=1000, sha256=hashlib.sha256(data).hexdigest())
    media = store_media(db, store=store, audio=audio, original_name=f"{letter}.mp3", actor="seed")
    command = create_broadcast(
        db,
        settings=settings,
        signer=signer,
        media=media,
        target=Target(area=area_path(db, code=commune, level="commune")),
        title=f"Thông báo {NAMES[key]}",
        actor="seed",
    )
    audit(db, actor="seed", action="device.updated", object_type="device", object_id=side.devices[0], area_code=commune)
    db.flush()
    side.alarm_id, side.command_id, side.media_sha256 = alarm.id, command.id, media.sha256
    side.bulletin_id = new_bulletin(db, commune, submitted=True)
    editor = Principal(username="seed", grants=frozenset({(Role.COMMUNE_EDITOR, commune)}))
    side.jingle_id = jingles.create(
        db, store=store, principal=editor, owner_area=commune, name=f"Nhạc hiệu {NAMES[key]}", kind="intro",
        prepared=jingles.prepare(tone_wav(), "tone.wav"),
    ).id  # fmt: skip
    seed_programme(db, side)
    seed_abbreviation(db, side)
    return side


def _actor(db: Session, name: str, level: str, grants: list[tuple[Role, str]], *, narrow: str | None = None) -> Actor:
    password = PASSWORD if name in ("a-viewer", "a-commune_editor") else None  # hashing is slow on purpose
    user = create_user(db, username=name, full_name=f"Người dùng {name}", grants=grants, password=password)
    areas = [narrow] if narrow else None
    actor = Actor(name=name, level=level, roles=frozenset(r for r, _ in grants), token="")
    actor.token = issue_token(db, user=user, name="main", areas=areas)
    actor.ro_token = issue_token(db, user=user, name="read-only", read_only=True, areas=areas)
    if narrow is None:
        actor.sid = create_session(db, user=user, ip=IP, user_agent="test", cfg=AUTH)
        row = db.get(WebSession, hash_token(actor.sid))
        assert row is not None
        actor.csrf = row.csrf_token
    return actor


def build_world(sessions: sessionmaker[Session], data_dir: Path) -> World:
    """Seed the database behind ``sessions`` and return the real app over it (no broker, nothing started)."""
    settings = Settings(
        data_dir=data_dir,
        mqtt_username="nguon-server",
        mqtt_password="server-secret",
        login_failure_delay_s=AUTH.login_failure_delay_s,
    )
    signer = SigningKey.generate("k1")
    store = MediaStore(settings.media_dir)
    actors: dict[str, Actor] = {}
    with sessions.begin() as db:
        csvio.import_areas(db, csvio.SAMPLE_AREAS.read_bytes())
        bulletins.seed_categories(db)
        sides = {key: _seed_side(db, key, settings, signer, store) for key in COMMUNES}
        shared = create_broadcast(
            db,
            settings=settings,
            signer=signer,
            media=store_media(
                db,
                store=store,
                audio=_Audio(data=b"ID3 shared", duration_ms=1000, sha256=hashlib.sha256(b"ID3 shared").hexdigest()),
                original_name="shared.mp3",
                actor="seed",
            ),
            target=Target(area=(PROVINCE,)),
            title="Thông báo toàn tỉnh",
            actor="seed",
        )
        for level, area in (("P", PROVINCE), ("A", COMMUNES["A"]), ("B", COMMUNES["B"])):
            for role in Role:
                name = f"{level.lower()}-{role.value}"
                actors[name] = _actor(db, name, level, [(role, area)])
        both = [(Role.PROVINCE_OPERATOR, COMMUNES["A"]), (Role.PROVINCE_OPERATOR, COMMUNES["B"])]
        actors["ab-narrowed"] = _actor(db, "ab-narrowed", "A", both, narrow=COMMUNES["A"])
        for key, side in sides.items():
            side.clerk = f"{key.lower()}-clerk"
            create_user(db, username=side.clerk, grants=[(Role.VIEWER, side.commune)])
            side.people = [side.clerk, *(a.name for a in actors.values() if a.level == key and a.name[1] == "-")]
            viewer = db.scalars(select(User).where(User.username == f"{key.lower()}-viewer")).one()
            issue_token(db, user=viewer, name="spare")
            side.token_id = max(t.id for t in db.scalars(select(ApiToken).where(ApiToken.user_id == viewer.id)))
        admin = db.scalars(select(User).where(User.username == "p-province_admin")).one()
        revoked = issue_token(db, user=admin, name="revoked")
        db.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(revoked))).one().revoked_at = utcnow()
        gone = create_user(db, username="gone", grants=[(Role.PROVINCE_ADMIN, PROVINCE)])
        deactivated = issue_token(db, user=gone)
        gone.active = False
    app = create_app(settings)
    dispatcher = Dispatcher(sessions=sessions, settings=settings, mqtt=RecordingPublisher(), signer=signer, media=store)
    app.state.runtime = SimpleNamespace(
        sessions=sessions,
        settings=settings,
        signer=signer,
        media=store,
        dispatcher=dispatcher,
        hub=EventHub(),
        mqtt=SimpleNamespace(connected=True),
        tts=build_chain(),
    )
    return World(
        app=app,
        sessions=sessions,
        sides=sides,
        actors=actors,
        shared_command_id=shared.id,
        revoked_token=revoked,
        deactivated_token=deactivated,
        audio=tone_wav(),
    )
