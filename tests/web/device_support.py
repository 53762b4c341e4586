"""A seeded province for the device page tests: 62 devices in two communes with presence, history and commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from protocols import CommandType, RebootBody, SetVolumeBody, SigningKey, Target
from source_server.accounts.service import Role
from source_server.config import Settings
from source_server.db import utcnow
from source_server.dispatch.models import Delivery
from source_server.dispatch.service import create_command
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.models import DeviceEvent, Presence
from source_server.fleet.service import DeviceInput, create_device
from tests.web.auth_support import add_user

A, B = "23563", "23575"  # Phường Pleiku (villages 23563-01..03), Phường Hội Phú
SINCE = datetime(2026, 11, 24, 7, 5, tzinfo=UTC)  # 14:05 in Vietnam
USERS = {
    "operator": (Role.PROVINCE_OPERATOR, "64"),
    "viewer": (Role.VIEWER, "64"),
    "editor-a": (Role.COMMUNE_EDITOR, A),
    "viewer-b": (Role.VIEWER, B),
}


def seed_province(db: sessionmaker[Session]) -> None:
    """55 speakers in A (a0..a54: every 5th offline, every 7th online, village 01 or 02), an e-board in A,
    six speakers in B; spk-a00 has telemetry, history over three days and three commands; users per role."""
    with db.begin() as s:
        import_areas(s, SAMPLE_AREAS.read_bytes())
        for i in range(55):
            create_device(
                s,
                data=DeviceInput(
                    id=f"spk-a{i:02d}",
                    kind="speaker",
                    commune_code=A,
                    village_code=f"{A}-0{1 + i % 2}",
                    name=f"Cụm loa Tổ {1 + i % 2} số {i}",
                    vendor="Hanel" if i % 3 == 0 else "VNPT",
                    model="HL-200",
                    lat=13.98 + 0.001 * i,
                    lon=108.0,
                    groups=["truong-hoc"] if i == 0 else [],
                    tags=["cột-cao"] if i == 0 else [],
                ),
            )
        create_device(s, data=DeviceInput(id="brd-a0", kind="eboard", commune_code=A, name="Bảng tin UBND phường"))
        for i in range(6):
            create_device(s, data=DeviceInput(id=f"spk-b{i}", kind="speaker", commune_code=B, name=f"Loa Hội Phú {i}"))
        s.flush()
        for p in s.scalars(select(Presence).where(Presence.device_id.like("spk-a%"))):
            n = int(p.device_id[5:])
            status = "offline" if n % 5 == 0 else ("online" if n % 7 == 0 else None)
            if status:
                p.status, p.since, p.last_seen, p.session, p.firmware = status, SINCE, SINCE, 1700000000 + n, "2.4.1"
        first = s.get(Presence, "spk-a00")
        assert first is not None
        first.volume = 65
        first.telemetry = {"session": 1700000000, "at": SINCE.isoformat(), "rssi_dbm": -71, "temperature_c": 41.5,
                           "uptime_s": 93600, "volume": 65}  # fmt: skip
        now = utcnow()
        for kind, hours_ago in (("connected", 60), ("went_stale", 50), ("came_back", 49), ("disconnected", 2)):
            s.add(DeviceEvent(device_id="spk-a00", kind=kind, at=now - timedelta(hours=hours_ago), commune_code=A))
        s.add(DeviceEvent(device_id="spk-a00", kind="connected", at=now - timedelta(hours=3), session=2,
                          commune_code=A, detail="session 1 → 2"))  # fmt: skip
    for username, grant in USERS.items():
        add_user(db, username, grant)


def seed_commands(db: sessionmaker[Session], settings: Settings, signer: SigningKey) -> None:
    """Three commands to spk-a00: a volume done, a reboot failed (with reason), an expired one never acked."""
    now = utcnow()
    with db.begin() as s:
        kw = {"settings": settings, "signer": signer, "target": Target(devices=("spk-a00",)), "actor": "operator"}
        old = create_command(s, type=CommandType.REBOOT, body=RebootBody(delay_s=0), ttl_s=60,
                             now=now - timedelta(hours=5), **kw)  # fmt: skip
        failed = create_command(s, type=CommandType.REBOOT, body=RebootBody(delay_s=5), now=now - timedelta(hours=1),
                                **kw)  # fmt: skip
        done = create_command(s, type=CommandType.SET_VOLUME, body=SetVolumeBody(volume=65), **kw)
        s.flush()
        d = s.get(Delivery, (done.id, "spk-a00"))
        assert d is not None
        d.status, d.received_at, d.finished_at = "done", now, now
        f = s.get(Delivery, (failed.id, "spk-a00"))
        assert f is not None
        f.status, f.reason, f.received_at = "failed", "watchdog refused", now - timedelta(hours=1)
        assert s.get(Delivery, (old.id, "spk-a00")) is not None


def add_dispatch(app: FastAPI) -> SigningKey:
    """Give a test app's runtime what POST /devices/{id}/commands needs: a signer and a dispatcher to wake."""
    signer = SigningKey.generate("k1")
    app.state.runtime.signer = signer
    app.state.runtime.dispatcher = SimpleNamespace(wake=lambda: None)
    return signer
