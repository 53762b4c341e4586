"""``nguon demo``: the whole system in one process on the embedded defaults, with a simulated province."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from device_agent.mqtt import parse_broker_url
from protocols import DeviceKind, Priority, Target
from simulators.fleet import Fleet, FleetOptions
from simulators.layout import DeviceSpec
from source_server.accounts.service import Role, create_user, issue_token
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.audio.pipeline import prepare_audio
from source_server.broker import MosquittoBroker, free_port
from source_server.config import Settings
from source_server.dispatch.service import create_broadcast, store_media
from source_server.fleet.credentials import issue_credentials
from source_server.fleet.csvio import SAMPLE_AREAS, import_areas
from source_server.fleet.models import Area
from source_server.fleet.service import DeviceInput, create_area, create_device
from source_server.serve import LiveServer, live_server

PROVINCE = "64"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _seed(srv: LiveServer, *, communes: int, speakers: int, eboards: int) -> tuple[list[DeviceSpec], str, str]:
    """Areas from the sample CSV (plus generated communes past its six), devices, an admin token and password.

    Every device gets its own MQTT password, as in production (the private Mosquitto refuses anonymous clients
    and confines each device to its own topics). The admin password is random for every demo (no default
    password anywhere) and printed once.
    """
    rng = random.Random(64)
    specs: list[DeviceSpec] = []
    with srv.runtime.sessions.begin() as db:
        import_areas(db, SAMPLE_AREAS.read_bytes())
        rows = db.query(Area).filter(Area.level == "commune").order_by(Area.code).all()
        codes = [a.code for a in rows]
        for i in range(len(codes), communes):
            code = f"{30000 + i}"
            create_area(db, code=code, name=f"Xã Mô Phỏng {i + 1}", level="commune", parent_code=PROVINCE)
            codes.append(code)
        villages = {
            c: [a.code for a in db.query(Area).filter(Area.parent_code == c).order_by(Area.code)] for c in codes
        }
        for ci, commune in enumerate(codes[:communes]):
            lat0, lon0 = 13.98 + 0.08 * (ci % 3), 107.99 + 0.1 * (ci // 3)
            for kind, count in ((DeviceKind.SPEAKER.value, speakers), (DeviceKind.EBOARD.value, eboards)):
                for n in range(count):
                    vs: list[str | None] = [*villages.get(commune, [])] if villages.get(commune) else [None]
                    village = vs[n % len(vs)]
                    device_id = f"{'spk' if kind == DeviceKind.SPEAKER else 'brd'}-{commune}-{n + 1:03d}"
                    create_device(
                        db,
                        data=DeviceInput(
                            id=device_id,
                            kind=kind,
                            commune_code=commune,
                            village_code=village,
                            name=f"{'Cụm loa' if kind == DeviceKind.SPEAKER else 'Bảng tin'} {n + 1}",
                            vendor=rng.choice(["VNPT", "Viettel", "Hanet"]),
                            model="demo",
                            lat=round(lat0 + rng.uniform(-0.03, 0.03), 5),
                            lon=round(lon0 + rng.uniform(-0.03, 0.03), 5),
                            groups=["vung-lu"] if ci == 0 and n % 4 == 0 else [],
                        ),
                    )
                    path = (PROVINCE, commune, village) if village else (PROVINCE, commune)
                    groups = ("vung-lu",) if ci == 0 and n % 4 == 0 else ()
                    mqtt_password = issue_credentials(db, device_id=device_id)
                    specs.append(DeviceSpec(device_id, path, groups, mqtt_password, kind=DeviceKind(kind)))
        password = secrets.token_urlsafe(12)
        admin = create_user(
            db,
            username="admin",
            full_name="Quản trị tỉnh",
            grants=[(Role.PROVINCE_ADMIN, PROVINCE)],
            password=password,
        )
        token = issue_token(db, user=admin, name="demo")
    return specs, token, password


def _broker_words(srv: LiveServer) -> str:
    """How the demo's broker is described to the user."""
    broker = srv.runtime.broker
    if isinstance(broker, MosquittoBroker):
        return f"private Mosquitto, per-device logins and ACL; log {broker.log_path}"
    if broker.kind == "amqtt":
        return "amqtt fallback: no logins, no ACL; install mosquitto"
    return broker.kind


def _chime(seconds: float = 3.0) -> bytes:
    """A short two-tone chime made by ffmpeg (the TTS pipeline comes with the bulletins issue)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chime.wav"
        half = seconds / 2
        graph = f"sine=frequency=660:duration={half}[a];sine=frequency=880:duration={half}[b];[a][b]concat=n=2:v=0:a=1"
        subprocess.run([ffmpeg_exe(), "-v", "error", "-filter_complex", graph, "-y", str(out)], check=True)
        return out.read_bytes()


def _first_broadcast(srv: LiveServer, commune: str) -> str:
    rt = srv.runtime
    audio = prepare_audio(_chime(), "chime.wav", max_bytes=rt.settings.max_upload_bytes, max_seconds=60)
    with rt.sessions.begin() as db:
        media = store_media(db, store=rt.media, audio=audio, original_name="chime.wav", actor="demo")
        command = create_broadcast(
            db,
            settings=rt.settings,
            signer=rt.signer,
            media=media,
            target=Target(area=(PROVINCE, commune)),
            priority=Priority.PRIORITY,
            title="Bản tin thử nghiệm",
            actor="demo",
        )
    return command.id  # the commit woke the dispatcher


async def run_demo(
    *, communes: int, speakers: int, eboards: int, port: int, data_dir: Path | None, duration: float
) -> None:
    """Start everything, print where to look, run until Ctrl-C (or ``duration`` seconds)."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="nguon-demo-"))
    port = port if port and _port_free(port) else free_port()
    settings = Settings(
        data_dir=data_dir,
        http_port=port,
        heartbeat_s=15,
        inactivity_timeout_s=45,
        offline_alarm_after_s=60,
    )
    t0 = time.monotonic()
    async with live_server(settings) as srv:
        specs, token, password = _seed(srv, communes=communes, speakers=speakers, eboards=eboards)
        await srv.runtime.presence.refresh_devices()
        if isinstance(srv.runtime.broker, MosquittoBroker):
            await srv.runtime.broker.sync_registry()  # the commit does it too; now, before the fleet connects
        broker = parse_broker_url(srv.runtime.broker.url)
        signer = srv.runtime.signer
        fleet = Fleet(
            specs,
            FleetOptions(
                broker_host=broker.host,
                broker_port=broker.port,
                server_keys={signer.kid: signer.public_b64()},
                heartbeat_s=15,
                keepalive_s=20,
                ramp_per_s=200,
                flapping_fraction=0.02,
                flap_every_s=(20.0, 60.0),
                clock_skew_ms=200,
                seed=7,
            ),
        )
        await fleet.start()
        with contextlib.suppress(TimeoutError):
            await fleet.wait_connected(timeout=30)
        commune = specs[0].area_path[1]
        command_id = _first_broadcast(srv, commune)
        doomed = [s.device_id for s in specs[-3:]]
        url = srv.url
        print(
            f"""
Nguồn demo is running ({time.monotonic() - t0:.1f} s to start; data in {data_dir})
  operator UI     {url}/ui/   (log in as admin, password {password})
  API (OpenAPI)   {url}/docs
  metrics         {url}/metrics
  MQTT broker     {srv.runtime.broker.url} ({_broker_words(srv)})
  signing key     {signer.kid}={signer.public_b64()}   (devices trust it; {url}/api/v1/keys)
  admin token     {token}
  devices         {len(specs)} in {communes} communes ({fleet.connected_count()} connected)
  first broadcast {url}/api/v1/broadcasts/{command_id}   (curl -H 'Authorization: Bearer <token>')
In 20 s, {len(doomed)} devices die abruptly and go offline; 2% of devices flap. Ctrl-C stops.""",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)

        async def kill_later() -> None:
            await asyncio.sleep(20)
            await fleet.kill(doomed, mode="abort")

        killer = asyncio.create_task(kill_later())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration or None)
        killer.cancel()
        await fleet.stop()
    print("Nguồn demo stopped.")
