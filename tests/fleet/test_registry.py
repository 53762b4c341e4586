"""The registry: area tree, device validation, presence rows, moves and commune mergers that keep history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from source_server.db import utcnow
from source_server.dispatch.models import Command, Delivery
from source_server.fleet import csvio, service
from source_server.fleet.models import Area, Device, DeviceAreaChange, DeviceEvent, Presence
from source_server.fleet.service import DeviceInput, NotFound, RegistryError

C1, C2, C3 = "23563", "23626", "23650"
V1, V2 = "23563-01", "23626-01"


@pytest.fixture
def sample(db: sessionmaker[Session]) -> sessionmaker[Session]:
    with db.begin() as s:
        csvio.import_areas(s, csvio.SAMPLE_AREAS.read_bytes())
    return db


def _dev(device_id: str = "spk-1", commune: str = C1, village: str | None = V1, **kw: object) -> DeviceInput:
    return DeviceInput(
        id=device_id, kind=str(kw.pop("kind", "speaker")), commune_code=commune, village_code=village, **kw
    )  # type: ignore[arg-type]


def test_sample_province_loads_with_vietnamese_names(sample: sessionmaker[Session]) -> None:
    with sample() as s:
        areas = service.list_areas(s)
        assert areas[0].code == "64" and areas[0].name == "Gia Lai" and areas[0].level == "province"
        communes = [a for a in areas if a.level == "commune"]
        assert len(communes) == 6 and all(a.parent_code == "64" for a in communes)
        assert s.get(Area, C1).name == "Phường Pleiku"  # type: ignore[union-attr]
        assert s.get(Area, "23701-01").name == "Làng Đê Kôn"  # type: ignore[union-attr]
        assert service.area_path(s, V1) == ("64", C1, V1)


def test_create_device_places_it_and_starts_never_seen(sample: sessionmaker[Session]) -> None:
    with sample.begin() as s:
        d = service.create_device(s, data=_dev(groups=["g-north", "g-north"], tags=["pole", ""]))
        assert d.area_path == ("64", C1, V1)
    with sample() as s:
        device = s.get(Device, "spk-1")
        assert device is not None and device.province_code == "64" and device.group_names == ["g-north"]
        assert device.tags == ["pole"]
        presence = s.get(Presence, "spk-1")
        assert presence is not None and presence.status == "never_seen"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_dev("bad id"), "id"),
        (_dev("x/y"), "id"),
        (_dev("-lead"), "id"),
        (_dev("a" * 65), "id"),
        (_dev(kind="radio"), "kind"),
        (_dev(commune="99999", village=None), "commune_code"),
        (_dev(commune="64", village=None), "commune_code"),
        (_dev(commune=V1, village=None), "commune_code"),
        (_dev(commune=C1, village=V2), "village_code"),
        (_dev(commune=C1, village="nope"), "village_code"),
        (_dev(groups=["ok", "not ok"]), "groups"),
        (_dev(lat=91.0), "lat"),
        (_dev(lon=-181.0), "lon"),
    ],
)
def test_bad_devices_are_refused_and_nothing_is_written(
    sample: sessionmaker[Session], data: DeviceInput, field: str
) -> None:
    with sample() as s, pytest.raises(RegistryError) as err:
        service.create_device(s, data=data)
    assert err.value.field == field
    with sample() as s:
        assert s.scalar(select(Device.id)) is None


def test_duplicate_id_and_inactive_commune_are_refused(sample: sessionmaker[Session]) -> None:
    with sample.begin() as s:
        service.create_device(s, data=_dev())
    with sample() as s, pytest.raises(RegistryError, match="already exists"):
        service.create_device(s, data=_dev())
    with sample.begin() as s:
        service.set_area_active(s, code=C3, active=False)
    with sample() as s, pytest.raises(RegistryError, match="inactive") as err:
        service.create_device(s, data=_dev("spk-2", commune=C3, village=None))
    assert err.value.field == "commune_code"


def test_moving_a_device_is_recorded_and_village_cleared(sample: sessionmaker[Session]) -> None:
    with sample.begin() as s:
        service.create_device(s, data=_dev())
    with sample.begin() as s:
        d = service.update_device(s, device_id="spk-1", changes={"commune_code": C2, "name": "Cụm loa chợ"})
        assert (d.commune_code, d.village_code, d.name) == (C2, None, "Cụm loa chợ")
    with sample() as s:
        change = s.scalars(select(DeviceAreaChange)).one()
        assert (change.from_commune, change.from_village, change.to_commune, change.to_village) == (C1, V1, C2, None)
        with pytest.raises(RegistryError) as err:
            service.update_device(s, device_id="spk-1", changes={"village_code": V1})
        assert err.value.field == "village_code"
        with pytest.raises(RegistryError):
            service.update_device(s, device_id="spk-1", changes={"mqtt_password_hash": "x"})
        with pytest.raises(NotFound):
            service.update_device(s, device_id="ghost", changes={"name": "x"})


def test_delete_removes_presence_and_groups(sample: sessionmaker[Session]) -> None:
    with sample.begin() as s:
        service.create_device(s, data=_dev(groups=["g1"]))
    with sample.begin() as s:
        service.delete_device(s, device_id="spk-1")
    with sample() as s:
        assert s.get(Device, "spk-1") is None and s.get(Presence, "spk-1") is None
        with pytest.raises(NotFound):
            service.delete_device(s, device_id="spk-1")


def test_area_create_rename_deactivate(sample: sessionmaker[Session]) -> None:
    with sample.begin() as s:
        service.create_area(s, code="23563-04", name="Tổ dân phố 4", level="village", parent_code=C1)
        service.rename_area(s, code=C1, name="Phường Pleiku (mới)")
    with sample() as s:
        assert s.get(Area, C1).name == "Phường Pleiku (mới)"  # type: ignore[union-attr]
        for kwargs, field in [
            ({"code": "23563-04", "level": "village", "parent_code": C1}, "code"),
            ({"code": "n1", "level": "hamlet", "parent_code": C1}, "level"),
            ({"code": "n1", "level": "village", "parent_code": "64"}, "parent_code"),
            ({"code": "n1", "level": "commune", "parent_code": None}, "parent_code"),
            ({"code": "n 1", "level": "commune", "parent_code": "64"}, "code"),
        ]:
            with pytest.raises(RegistryError) as err:
                service.create_area(s, name="X", **kwargs)  # type: ignore[arg-type]
            assert err.value.field == field, kwargs
    with sample.begin() as s:
        service.create_device(s, data=_dev())
    with sample() as s, pytest.raises(RegistryError, match="still has devices"):
        service.set_area_active(s, code=C1, active=False)


def test_merger_preview_writes_nothing_and_apply_keeps_history(sample: sessionmaker[Session]) -> None:
    now = utcnow()
    with sample.begin() as s:
        service.create_device(s, data=_dev("a1", commune=C1, village=V1))
        service.create_device(s, data=_dev("a2", commune=C1, village=None))
        service.create_device(s, data=_dev("b1", commune=C2, village=V2))
        s.add(DeviceEvent(device_id="a1", kind="connected", at=now, commune_code=C1))
        s.add(
            Command(
                id="cmd-1",
                type="play",
                target={},
                priority="normal",
                origin="province",
                envelope="{}",
                topics=[],
                issued_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
        s.flush()
        s.add(Delivery(command_id="cmd-1", device_id="a1", commune_code=C1, status="done"))

    with sample() as s:
        plan = service.merge_commune(s, from_code=C1, to_code=C2)
        assert (plan.device_ids, plan.device_count, plan.applied) == (["a1", "a2"], 2, False)
        assert plan.village_codes == ["23563-01", "23563-02", "23563-03"]
    with sample() as s:
        assert s.get(Device, "a1").commune_code == C1  # type: ignore[union-attr]
        assert s.get(Area, C1).active and s.scalar(select(DeviceAreaChange.id)) is None  # type: ignore[union-attr]

    with sample.begin() as s:
        assert service.merge_commune(s, from_code=C1, to_code=C2, apply=True, reason="NQ 1664/2025").applied
    with sample() as s:
        a1 = s.get(Device, "a1")
        assert a1 is not None and (a1.commune_code, a1.village_code, a1.province_code) == (C2, V1, "64")
        assert s.get(Area, V1).parent_code == C2 and not s.get(Area, C1).active  # type: ignore[union-attr]
        changes = s.scalars(select(DeviceAreaChange).order_by(DeviceAreaChange.device_id)).all()
        assert [(c.device_id, c.from_commune, c.to_commune, c.reason) for c in changes] == [
            ("a1", C1, C2, "NQ 1664/2025"),
            ("a2", C1, C2, "NQ 1664/2025"),
        ]
        assert s.scalars(select(DeviceEvent.commune_code)).one() == C1
        assert s.scalars(select(Delivery.commune_code)).one() == C1
        assert service.area_path(s, V1) == ("64", C2, V1)
        with pytest.raises(RegistryError, match="inactive"):
            service.merge_commune(s, from_code=C2, to_code=C1)
        with pytest.raises(RegistryError, match="communes"):
            service.merge_commune(s, from_code=V2, to_code=C2)
        with pytest.raises(NotFound):
            service.merge_commune(s, from_code="nope", to_code=C2)
