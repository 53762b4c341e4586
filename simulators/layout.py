"""Who the simulated devices are: ids, area paths and groups, given or generated from a commune list."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from protocols import DeviceKind
from protocols.topics import check_id


@dataclass(frozen=True)
class DeviceSpec:
    """One simulated device: id, area path (province, commune, village), groups, MQTT password, kind (what it
    renders and announces: a speaker audio, an e-board text, image and video)."""

    device_id: str
    area_path: tuple[str, ...]
    groups: tuple[str, ...] = ()
    password: str | None = None
    kind: DeviceKind = DeviceKind.SPEAKER


def generate_layout(
    count: int,
    *,
    prefix: str = "sim",
    province: str = "64",
    communes: Sequence[str] | None = None,
    per_commune: int = 36,
    villages: int = 4,
    groups: tuple[str, ...] = (),
    kind: DeviceKind = DeviceKind.SPEAKER,
) -> list[DeviceSpec]:
    """``count`` devices of ``kind``, ``per_commune`` to a commune (generated codes when none are given), spread
    over villages."""
    if count < 0 or per_commune < 1 or villages < 1:
        raise ValueError("count >= 0, per_commune >= 1 and villages >= 1")
    needed = max(1, math.ceil(count / per_commune))
    codes = list(communes) if communes else [f"{25000 + i:05d}" for i in range(needed)]
    for code in (province, *codes, *groups):
        check_id(code, "area code or group")
    width = max(5, len(str(count - 1)))
    specs = []
    for i in range(count):
        commune = codes[(i // per_commune) % len(codes)]
        village = f"{(i % per_commune) % villages + 1:02d}"
        specs.append(DeviceSpec(f"{prefix}-{i:0{width}d}", (province, commune, village), groups, kind=kind))
    return specs


def read_passwords(path: Path) -> dict[str, str]:
    """A CSV of ``device_id,password`` rows (a header row ``device_id,password`` is allowed)."""
    out: dict[str, str] = {}
    with path.open(newline="") as fh:
        for n, row in enumerate(csv.reader(fh), start=1):
            if not row or row[0].strip() in ("", "device_id"):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{n}: expected device_id,password")
            out[row[0].strip()] = row[1].strip()
    return out
