"""Helpers of the dispatch tests: a small province, generated audio, a publisher double."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.fleet.models import Area, Device, DeviceGroup

PROVINCE = "64"
COMMUNES = {"C1": ("V11", "V12"), "C2": ("V21",)}


def seed_fleet(sessions: sessionmaker[Session], per_village: int = 2) -> dict[str, list[str]]:
    """Province 64 with communes C1 (villages V11, V12) and C2 (V21); devices named d-<village>-<n>.

    Returns device ids per village; every device of C1 is also in group ``g-c1``, d-V21-0 in ``g-mixed``.
    """
    out: dict[str, list[str]] = {}
    with sessions.begin() as db:
        db.add(Area(code=PROVINCE, name="Gia Lai", level="province"))
        db.flush()
        for commune, villages in COMMUNES.items():
            db.add(Area(code=commune, name=f"Xã {commune}", level="commune", parent_code=PROVINCE))
            db.flush()
            for village in villages:
                db.add(Area(code=village, name=f"Thôn {village}", level="village", parent_code=commune))
                db.flush()
                out[village] = []
                for n in range(per_village):
                    device_id = f"d-{village}-{n}"
                    device = Device(
                        id=device_id,
                        kind="speaker",
                        province_code=PROVINCE,
                        commune_code=commune,
                        village_code=village,
                    )
                    groups = ["g-c1"] if commune == "C1" else []
                    if device_id == "d-V21-0":
                        groups.append("g-mixed")
                    device.groups = [DeviceGroup(group=g) for g in groups]
                    db.add(device)
                    out[village].append(device_id)
    return out


def make_audio(path: Path, source: str, seconds: float, *args: str) -> bytes:
    """Render a lavfi source (``sine=frequency=440``, ``anullsrc``) with ffmpeg to ``path``; returns its bytes."""
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i", source, "-t", str(seconds),
         *args, "-y", str(path)],
        check=True,
        timeout=30,
    )  # fmt: skip
    return path.read_bytes()


class PublishFailed(ConnectionError):
    """What the double raises while it is told to fail."""


@dataclass
class RecordingPublisher:
    """Test double of the MqttClient publishing interface: records publishes, fails on demand."""

    connected: bool = True
    fail_next: int = 0
    published: list[tuple[str, bytes, int, bool]] = field(default_factory=list)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        if not self.connected or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            raise PublishFailed("broker not connected")
        self.published.append((topic, payload, qos, retain))
        self.event.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        """Until at least ``count`` publishes were recorded."""
        async with asyncio.timeout(timeout):
            while len(self.published) < count:
                self.event.clear()
                await self.event.wait()
