"""CSV import and export of areas and devices: every row checked, the whole file written or nothing.

Row numbers count the header as row 1, so the first data row is row 2 (as a spreadsheet shows it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from source_server.fleet import service
from source_server.fleet.models import Area, Device
from source_server.fleet.service import CsvImportError, DeviceInput, RowError
from source_server.fleet.service import FleetErrorCode as Code

AREA_COLUMNS = ("code", "name", "level", "parent_code")
DEVICE_COLUMNS = (
    "id",
    "kind",
    "name",
    "vendor",
    "model",
    "commune_code",
    "village_code",
    "lat",
    "lon",
    "groups",
    "tags",
)


def _reader(data: bytes | str, columns: tuple[str, ...], required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 (BOM tolerated) CSV as (row number, stripped fields); CsvImportError on a bad header."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CsvImportError(
                [RowError(0, "file", f"not UTF-8 text: {exc.reason} at byte {exc.start}", Code.CSV_NOT_UTF8)]
            ) from None
    data = data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvImportError([RowError(1, c, "missing column", Code.CSV_MISSING_COLUMN) for c in missing])
    unknown = [h for h in header if h not in columns]
    if unknown:
        expected = ", ".join(columns)
        raise CsvImportError(
            [RowError(1, h, f"unknown column (expected {expected})", Code.CSV_UNKNOWN_COLUMN, {"cols": expected})
             for h in unknown]
        )  # fmt: skip
    reader.fieldnames = header
    rows = []
    for raw in reader:
        if None in raw:
            rows.append((reader.line_num, {"__extra__": "x"}))
            continue
        fields = {k: (v or "").strip() for k, v in raw.items()}
        if any(fields.values()):
            rows.append((reader.line_num, fields))
    return rows


# ---------------------------------------------------------------- areas


@dataclass
class AreaImport:
    """Outcome of an area file: codes created and renamed, and the provinces it touches."""

    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    provinces: set[str] = field(default_factory=set)


def plan_areas(db: Session, data: bytes | str) -> tuple[list[dict[str, str]], AreaImport]:
    """Check an area file against itself and the database; CsvImportError listing every bad row."""
    rows = _reader(data, AREA_COLUMNS, AREA_COLUMNS)
    errors: list[RowError] = []
    in_file: dict[str, dict[str, str]] = {}
    for num, row in rows:
        if "__extra__" in row:
            errors.append(RowError(num, "row", "more fields than columns", Code.CSV_EXTRA_FIELDS))
            continue
        code = row["code"]
        if code in in_file:
            errors.append(
                RowError(num, "code", f"duplicate code {code!r} in the file", Code.CSV_DUPLICATE, {"code": code})
            )
            continue
        in_file[code] = row | {"__row__": str(num)}
    result = AreaImport()
    for code, row in in_file.items():
        num, level, parent = int(row["__row__"]), row["level"], row["parent_code"] or None
        if not service.valid_id(code):
            errors.append(
                RowError(num, "code", f"{code!r} is not a valid area code", Code.CSV_BAD_CODE, {"code": code})
            )
            continue
        if not row["name"]:
            errors.append(RowError(num, "name", "a name is required", Code.CSV_NO_NAME))
        if level not in service.LEVELS:
            allowed = ", ".join(service.LEVELS)
            message = f"{level!r} is not one of {allowed}"
            errors.append(RowError(num, "level", message, Code.CSV_BAD_LEVEL, {"value": level, "allowed": allowed}))
            continue
        want = service.PARENT_LEVEL[level]
        parent_level = (
            in_file[parent]["level"] if parent in in_file else getattr(db.get(Area, parent or ""), "level", None)
        )
        if want is None and parent:
            errors.append(RowError(num, "parent_code", "a province has no parent", Code.CSV_PROVINCE_PARENT))
        elif want is not None and parent_level is None:
            message = f"unknown parent {parent!r}"
            code_of = Code.CSV_UNKNOWN_PARENT if parent else Code.CSV_NO_PARENT
            errors.append(RowError(num, "parent_code", message, code_of, {"code": parent or ""}))
        elif want is not None and parent_level != want:
            errors.append(
                RowError(
                    num,
                    "parent_code",
                    f"the parent of a {level} must be a {want}, not a {parent_level}",
                    Code.CSV_PARENT_LEVEL,
                    {"level": level, "want": want, "got": str(parent_level)},
                )
            )
        existing = db.get(Area, code)
        if existing is not None and (existing.level != level or existing.parent_code != parent):
            errors.append(
                RowError(
                    num,
                    "code",
                    f"{code} exists as a {existing.level} under {existing.parent_code}; use the merger to move it",
                    Code.CSV_EXISTS,
                    {"code": code, "level": existing.level, "parent": str(existing.parent_code)},
                )
            )
        elif existing is not None and existing.name != row["name"]:
            result.renamed.append(code)
        elif existing is None:
            result.created.append(code)
        node: str | None = code
        for _ in range(3):
            if node is None:
                break
            lvl = in_file[node]["level"] if node in in_file else getattr(db.get(Area, node), "level", None)
            if lvl == "province":
                result.provinces.add(node)
                break
            node = (
                (in_file[node]["parent_code"] or None)
                if node in in_file
                else getattr(db.get(Area, node), "parent_code", None)
            )
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: e.row))
    ordered = sorted(in_file.values(), key=lambda r: service.LEVELS.index(r["level"]))
    return ordered, result


def import_areas(db: Session, data: bytes | str, *, authorize: Callable[[set[str]], None] | None = None) -> AreaImport:
    """Create or rename the areas of a file; all-or-nothing per file. ``authorize`` sees the provinces first."""
    rows, result = plan_areas(db, data)
    if authorize is not None:
        authorize(result.provinces)
    for row in rows:
        area = db.get(Area, row["code"])
        if area is None:
            db.add(Area(code=row["code"], name=row["name"], level=row["level"], parent_code=row["parent_code"] or None))
            db.flush()
        else:
            area.name = row["name"]
    db.flush()
    return result


# ---------------------------------------------------------------- devices


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(";") if p.strip()]


def _float(value: str, name: str, num: int, errors: list[RowError]) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        errors.append(RowError(num, name, f"{value!r} is not a number"))
        return None


@dataclass
class DeviceImport:
    """Outcome of a device file."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def import_devices(
    db: Session,
    data: bytes | str,
    *,
    upsert: bool = False,
    allowed: Callable[[tuple[str, ...]], bool] | None = None,
) -> DeviceImport:
    """Create (or with ``upsert`` also update) devices from CSV; all-or-nothing, every bad row reported.

    ``allowed`` is asked about the area path of each row's target (and of the device it would update).
    """
    rows = _reader(data, DEVICE_COLUMNS, ("id", "kind", "commune_code"))
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    plan: list[tuple[DeviceInput, Device | None]] = []
    for num, row in rows:
        if "__extra__" in row:
            errors.append(RowError(num, "row", "more fields than columns"))
            continue
        n_before = len(errors)
        item = DeviceInput(
            id=row.get("id", ""),
            kind=row.get("kind", ""),
            commune_code=row.get("commune_code", ""),
            name=row.get("name", ""),
            vendor=row.get("vendor", ""),
            model=row.get("model", ""),
            village_code=row.get("village_code") or None,
            lat=_float(row.get("lat", ""), "lat", num, errors),
            lon=_float(row.get("lon", ""), "lon", num, errors),
            groups=_split(row.get("groups", "")),
            tags=_split(row.get("tags", "")),
        )
        if item.id in seen:
            errors.append(RowError(num, "id", f"duplicate id {item.id!r} (also on row {seen[item.id]})"))
            continue
        seen[item.id] = num
        errors += [RowError(num, f, m) for f, m in service.device_errors(db, item)]
        existing = db.get(Device, item.id) if item.id else None
        if existing is not None and not upsert:
            errors.append(RowError(num, "id", f"device {item.id!r} already exists"))
        if allowed is not None and len(errors) == n_before:
            target = service.area_path(db, item.village_code or item.commune_code)
            if not allowed(target) or (existing is not None and not allowed(existing.area_path)):
                errors.append(RowError(num, "commune_code", "outside the areas you may manage"))
        plan.append((item, existing))
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: e.row))
    result = DeviceImport()
    for item, existing in plan:
        if existing is None:
            service.create_device(db, data=item)
            result.created.append(item.id)
        else:
            changes = {k: getattr(item, k) for k in service.DEVICE_FIELDS}
            service.update_device(db, device_id=item.id, changes=changes, reason="csv import")
            result.updated.append(item.id)
    return result


def _fmt(value: float | None) -> str:
    return "" if value is None else repr(value)


def export_devices(devices: Iterable[Device]) -> str:
    """Devices as CSV with the import columns (export → import with upsert changes nothing)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DEVICE_COLUMNS)
    for d in devices:
        writer.writerow(
            [
                d.id,
                d.kind,
                d.name,
                d.vendor,
                d.model,
                d.commune_code,
                d.village_code or "",
                _fmt(d.lat),
                _fmt(d.lon),
                ";".join(d.group_names),
                ";".join(d.tags or []),
            ]
        )
    return out.getvalue()


SAMPLE_AREAS = Path(__file__).resolve().parents[1] / "sample_data" / "areas_gialai.csv"
"""A real-looking province (Gia Lai, code 64) with six communes and their villages, for the demo and tests."""
