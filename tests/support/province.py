"""A seeded province for tests that run the whole server: the Gia Lai sample areas, devices in two communes (with
coordinates, vendors, villages), one user per role (all with ``PASSWORD``), and simulated agents for them."""

from __future__ import annotations

from collections.abc import Sequence

from device_agent.mqtt import parse_broker_url
from simulators.fleet import Fleet, FleetOptions
from simulators.layout import DeviceSpec
from source_server.accounts.service import Role, create_user
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.service import DeviceInput, create_device
from source_server.serve import LiveServer

PROVINCE, COMMUNE_A, COMMUNE_B = "64", "23563", "23575"
PASSWORD = "mật-khẩu-trình-duyệt-2026"
USERS: dict[str, tuple[tuple[Role, str], ...]] = {
    "admin": ((Role.PROVINCE_ADMIN, PROVINCE),),
    "operator": ((Role.PROVINCE_OPERATOR, PROVINCE),),
    "editor-a": ((Role.COMMUNE_EDITOR, COMMUNE_A),),
    "approver-a": ((Role.COMMUNE_APPROVER, COMMUNE_A),),
    "viewer-b": ((Role.VIEWER, COMMUNE_B),),
}
FULL_NAMES = {"admin": "Trần Văn Quản", "operator": "Lê Thị Vận Hành", "editor-a": "Nguyễn Thị Biên Tập"}


def device_inputs() -> list[DeviceInput]:
    """Six speakers and a board in commune A (two villages), four speakers and a board in commune B."""
    out = []
    for i in range(6):
        village = f"{COMMUNE_A}-0{1 + i % 2}"
        out.append(
            DeviceInput(
                id=f"spk-a{i}",
                kind="speaker",
                commune_code=COMMUNE_A,
                village_code=village,
                name=f"Cụm loa Tổ {1 + i % 2} số {i}",
                vendor="Hanel" if i % 2 else "VNPT",
                lat=13.98 + 0.004 * i,
                lon=108.0 + 0.003 * i,
            )
        )
    out.append(DeviceInput(id="brd-a0", kind="eboard", commune_code=COMMUNE_A, name="Bảng tin UBND phường"))
    for i in range(4):
        out.append(
            DeviceInput(
                id=f"spk-b{i}",
                kind="speaker",
                commune_code=COMMUNE_B,
                name=f"Cụm loa Hội Phú {i}",
                vendor="VNPT",
                lat=14.02 + 0.004 * i,
                lon=108.05 + 0.003 * i,
            )
        )
    out.append(DeviceInput(id="brd-b0", kind="eboard", commune_code=COMMUNE_B, name="Bảng tin Hội Phú"))
    return out


def seed(srv: LiveServer) -> None:
    """Areas, devices and one user per role (all with ``PASSWORD``)."""
    with srv.runtime.sessions.begin() as db:
        import_areas(db, SAMPLE_AREAS.read_bytes())
        for data in device_inputs():
            create_device(db, data=data)
        for username, grants in USERS.items():
            create_user(db, username=username, full_name=FULL_NAMES.get(username, ""), grants=grants, password=PASSWORD)


def fleet_for(live: LiveServer, device_ids: Sequence[str]) -> Fleet:
    """Simulated agents (real MQTT, real signature checks) for some of the seeded devices; call ``start()``."""
    by_id = {d.id: d for d in device_inputs()}
    specs = [
        DeviceSpec(i, tuple(c for c in (PROVINCE, by_id[i].commune_code, by_id[i].village_code) if c))
        for i in device_ids
    ]
    addr = parse_broker_url(live.runtime.broker.url)
    signer = live.runtime.signer
    options = FleetOptions(
        broker_host=addr.host,
        broker_port=addr.port,
        server_keys={signer.kid: signer.public_b64()},
        heartbeat_s=1,
        keepalive_s=5,
        ramp_per_s=0,
        backoff_base_s=0.2,
        backoff_cap_s=1,
    )
    return Fleet(specs, options)
