"""CSV of areas and devices: every bad row reported, nothing written on any error, export round-trips."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from source_server.fleet import csvio, service
from source_server.fleet.models import Area, Device, Presence
from source_server.fleet.service import CsvImportError

HEADER = "id,kind,name,vendor,model,commune_code,village_code,lat,lon,groups,tags\n"


@pytest.fixture
def sample(db: sessionmaker[Session]) -> sessionmaker[Session]:
    with db.begin() as s:
        csvio.import_areas(s, csvio.SAMPLE_AREAS.read_bytes())
    return db


def _count(db: sessionmaker[Session], model: type) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_area_file_with_bom_imports_and_reimport_is_idempotent(db: sessionmaker[Session]) -> None:
    data = csvio.SAMPLE_AREAS.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    with db.begin() as s:
        result = csvio.import_areas(s, data)
    assert len(result.created) == 22 and result.provinces == {"64"}
    with db.begin() as s:
        again = csvio.import_areas(s, data.replace("Xã Ia Grai".encode(), "Xã Ia Grai mới".encode()))
    assert again.created == [] and again.renamed == ["23626"]
    assert _count(db, Area) == 22


def test_area_file_errors_are_listed_per_row_and_nothing_written(db: sessionmaker[Session]) -> None:
    text = (
        "code,name,level,parent_code\n"
        "64,Gia Lai,province,\n"
        "c1,Xã Một,commune,64\n"
        "v1,Thôn Một,village,c9\n"
        "c2,Xã Hai,district,64\n"
        "c1,Xã Một lần nữa,commune,64\n"
        "v2,Thôn Hai,village,64\n"
        "c 3,Xã Ba,commune,64\n"
        "c4,,commune,64\n"
    )
    with db() as s, pytest.raises(CsvImportError) as err:
        csvio.import_areas(s, text)
    got = [(e.row, e.field) for e in err.value.errors]
    assert got == [(4, "parent_code"), (5, "level"), (6, "code"), (7, "parent_code"), (8, "code"), (9, "name")]
    assert "unknown parent 'c9'" in err.value.errors[0].message
    assert _count(db, Area) == 0


def test_area_file_cannot_move_an_existing_area(sample: sessionmaker[Session]) -> None:
    with sample() as s, pytest.raises(CsvImportError) as err:
        csvio.import_areas(s, "code,name,level,parent_code\n23563-01,Tổ 1,village,23626\n")
    assert err.value.errors[0].field == "code" and "merger" in err.value.errors[0].message


def test_bad_header_and_encoding_are_refused(db: sessionmaker[Session]) -> None:
    with db() as s:
        with pytest.raises(CsvImportError) as err:
            csvio.import_areas(s, "code,name,level\n64,Gia Lai,province\n")
        assert (err.value.errors[0].row, err.value.errors[0].field) == (1, "parent_code")
        with pytest.raises(CsvImportError, match="error"):
            csvio.import_areas(s, "code,name,level,parent_code\n64,Gia Lai,province,\n".encode("utf-16"))
        with pytest.raises(CsvImportError) as err:
            csvio.import_devices(s, "id,kind,commune_code,colour\n")
        assert err.value.errors[0].field == "colour"


def test_device_file_errors_per_row_and_all_or_nothing(sample: sessionmaker[Session]) -> None:
    with sample.begin() as s:
        service.create_device(s, data=service.DeviceInput(id="old-1", kind="speaker", commune_code="23563"))
    text = HEADER + (
        "ok-1,speaker,Cụm 1,VNPT,X1,23563,23563-01,13.98,108.0,g1;g2,pole\n"
        "ok-2,eboard,Bảng 1,,,23626,,,,,\n"
        "bad-1,speaker,,,,99999,,,,,\n"
        "bad-2,speaker,,,,23563,23626-01,,,,\n"
        "ok-1,speaker,,,,23563,,,,,\n"
        "old-1,speaker,,,,23563,,,,,\n"
        "bad 3,radio,,,,23563,,abc,,,\n"
    )
    with sample() as s, pytest.raises(CsvImportError) as err:
        csvio.import_devices(s, text)
    got = [(e.row, e.field) for e in err.value.errors]
    assert got == [
        (4, "commune_code"),
        (5, "village_code"),
        (6, "id"),
        (7, "id"),
        (8, "lat"),
        (8, "id"),
        (8, "kind"),
    ]
    assert "also on row 2" in err.value.errors[2].message and "already exists" in err.value.errors[3].message
    assert _count(sample, Device) == 1 and _count(sample, Presence) == 1


def test_device_import_then_export_round_trips(sample: sessionmaker[Session]) -> None:
    text = HEADER + (
        'spk-1,speaker,"Cụm loa, chợ",VNPT,X1,23563,23563-01,13.9833,108.0015,g-north;g-all,pole;solar\n'
        "eb-1,eboard,Bảng tin UBND,Acme,LED-2,23626,,,,g-all,\n"
    )
    with sample.begin() as s:
        result = csvio.import_devices(s, text.encode("utf-8-sig"))
    assert result.created == ["spk-1", "eb-1"]
    with sample() as s:
        exported = csvio.export_devices(service.list_devices(s))
        spk = s.get(Device, "spk-1")
        assert spk is not None and spk.group_names == ["g-all", "g-north"] and spk.lat == 13.9833
        assert s.get(Presence, "eb-1").status == "never_seen"  # type: ignore[union-attr]
    assert exported.splitlines()[0] == HEADER.strip()
    with sample.begin() as s:
        again = csvio.import_devices(s, exported, upsert=True)
    assert again.updated == ["eb-1", "spk-1"] and again.created == []
    with sample() as s:
        assert csvio.export_devices(service.list_devices(s)) == exported
        assert service.list_devices(s, areas=["23626"])[0].id == "eb-1"


def test_import_honours_the_allowed_areas(sample: sessionmaker[Session]) -> None:
    text = HEADER + "a,speaker,,,,23563,,,,,\nb,speaker,,,,23626,,,,,\n"
    with sample() as s, pytest.raises(CsvImportError) as err:
        csvio.import_devices(s, text, allowed=lambda path: "23563" in path)
    assert [(e.row, e.field) for e in err.value.errors] == [(3, "commune_code")]
    assert _count(sample, Device) == 0
