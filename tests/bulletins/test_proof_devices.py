"""The devices behind a bulletin's proof of play: rows that add up to the proof's counts, in the caller's scope,
filtered by commune, state and play, a page at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from source_server.bulletins.exceptions import InvalidBulletin
from source_server.bulletins.proof import bulletin_proof, proof_device_rows, proof_devices, proof_scope
from source_server.dispatch.schemas import DELIVERY_STATES
from tests.bulletins.proof_support import A_DEVICES, B_DEVICES, LIVE_ACKS, A, B, Played, seed_played


@pytest.fixture
def played(db: sessionmaker[Session], tmp_path: Path) -> Played:
    return seed_played(db, tmp_path)


@pytest.mark.parametrize("scope", [None, {A}], ids=["province", "commune-A"])
def test_every_count_of_the_proof_lists_exactly_that_many_rows(
    db: sessionmaker[Session], played: Played, scope: set[str] | None
) -> None:
    with db() as s:
        proof = bulletin_proof(s, bulletin_id=played.bulletin_id, communes=scope)
        assert proof.total == (19 if scope is None else 14)  # 12 devices in the live play + 7 in the expired one
        asked: list[tuple[dict[str, str | None], int]] = [({}, proof.total)]
        asked += [({"state": st}, n) for st, n in proof.counts.items()]
        for commune, counts in proof.by_commune.items():
            asked += [({"commune": commune}, sum(counts.values()))]
            asked += [({"commune": commune, "state": st}, n) for st, n in counts.items()]
        for play in proof.commands:
            asked += [({"command_id": play.command_id}, play.total)]
            asked += [({"command_id": play.command_id, "state": st}, n) for st, n in play.counts.items()]
        for filters, expected in asked:
            page = proof_devices(s, bulletin_id=played.bulletin_id, communes=scope, **filters)  # type: ignore[arg-type]
            rows = list(proof_device_rows(s, bulletin_id=played.bulletin_id, communes=scope, **filters))  # type: ignore[arg-type]
            assert page.total == len(rows) == expected and len(page.items) == min(expected, 50), filters
            assert page.items == rows[:50]
            if "state" in filters:
                assert {r.state for r in rows} <= {filters["state"]}
                assert page.counts[str(filters["state"])] == expected
    assert set(proof.by_commune) == ({A, B} if scope is None else {A})


def test_a_commune_reader_sees_only_their_communes_rows_even_when_asking_for_another(
    db: sessionmaker[Session], played: Played
) -> None:
    with db() as s:
        mine = proof_devices(s, bulletin_id=played.bulletin_id, communes={A})
        theirs = proof_devices(s, bulletin_id=played.bulletin_id, communes={A}, commune=B)
        theirs_rows = list(proof_device_rows(s, bulletin_id=played.bulletin_id, communes={A}, commune=B))
        everyone = proof_devices(s, bulletin_id=played.bulletin_id, communes=None, commune=B)
    assert mine.total == 14 and {r.device_id for r in mine.items} == set(A_DEVICES) and mine.communes == [A]
    assert (theirs.total, theirs.items, theirs_rows, sum(theirs.counts.values())) == (0, [], [], 0)
    assert {r.device_id for r in everyone.items} == set(B_DEVICES) and everyone.communes == [A, B]


def test_silent_devices_are_pending_while_the_play_is_valid_and_not_reached_after(
    db: sessionmaker[Session], played: Played
) -> None:
    with db() as s:
        pending = proof_devices(s, bulletin_id=played.bulletin_id, state="pending")
        not_reached = proof_devices(s, bulletin_id=played.bulletin_id, state="not_reached")
        failed = proof_devices(s, bulletin_id=played.bulletin_id, state="failed", commune=A)
    assert {(r.command_id, r.state) for r in pending.items} == {(played.live, "pending")}
    assert {r.device_id for r in pending.items} == set(A_DEVICES + B_DEVICES) - set(LIVE_ACKS)
    assert {(r.command_id, r.state) for r in not_reached.items} == {(played.expired, "not_reached")}
    assert {r.device_id for r in not_reached.items} == set(A_DEVICES) - {"spk-a0"}
    [row] = failed.items
    assert (row.device_id, row.name, row.commune_code, row.reason) == (
        "spk-a2", "Cụm loa Tổ 1 số 2", A, "download: timeout"
    )  # fmt: skip
    assert row.received_at is not None and row.finished_at is not None and row.started_at is None


def test_one_play_and_the_plays_in_order(db: sessionmaker[Session], played: Played) -> None:
    with db() as s:
        live = proof_devices(s, bulletin_id=played.bulletin_id, command_id=played.live, page_size=100)
        done = proof_devices(s, bulletin_id=played.bulletin_id, command_id=played.expired, state="done")
    assert live.total == 12 and {r.command_id for r in live.items} == {played.live}
    assert [p.command_id for p in live.plays] == [played.expired, played.live]  # oldest first
    assert [p.expired for p in live.plays] == [True, False]
    assert [(r.device_id, r.state) for r in done.items] == [("spk-a0", "done")]


def test_pages_of_rows_by_commune_then_device_then_play(db: sessionmaker[Session], played: Played) -> None:
    with db() as s:
        first = proof_devices(s, bulletin_id=played.bulletin_id, page_size=5)
        pages = [proof_devices(s, bulletin_id=played.bulletin_id, page=n, page_size=5) for n in (1, 2, 3, 4)]
        past = proof_devices(s, bulletin_id=played.bulletin_id, page=99, page_size=5)
    rows = [(r.commune_code, r.device_id, r.command_id) for p in pages for r in p.items]
    assert first.total == 19 and len(first.items) == 5 and [len(p.items) for p in pages] == [5, 5, 5, 4]
    assert rows == sorted(rows) and len(set(rows)) == 19
    assert rows[:2] == [(A, "brd-a0", played.expired), (A, "brd-a0", played.live)]
    assert past.page == 4 and past.items == pages[3].items  # past the end: the last page


def test_bad_filters_are_refused_by_name(db: sessionmaker[Session], played: Played) -> None:
    with db() as s:
        with pytest.raises(InvalidBulletin) as state:
            proof_devices(s, bulletin_id=played.bulletin_id, state="played")
        with pytest.raises(InvalidBulletin) as command:
            proof_devices(s, bulletin_id=played.bulletin_id, command_id=played.other_play)
        with pytest.raises(InvalidBulletin):
            list(proof_device_rows(s, bulletin_id=played.bulletin_id, command_id="nope"))
        with pytest.raises(ValueError):
            proof_devices(s, bulletin_id=played.bulletin_id, page=0)
    assert (state.value.field, command.value.field) == ("state", "command")
    assert "played" not in DELIVERY_STATES


def test_a_province_grant_sees_all_communes_and_a_commune_grant_its_own() -> None:
    assert proof_scope({"64", A}, "64") is None
    assert proof_scope({A, B}, "64") == {A, B}


def test_the_proof_counts_speakers_and_boards_apart_from_the_commands_columns(
    db: sessionmaker[Session], played: Played
) -> None:
    with db() as s:
        proof = bulletin_proof(s, bulletin_id=played.bulletin_id)
        scoped = bulletin_proof(s, bulletin_id=played.bulletin_id, communes={B})
    speakers = sum(1 for d in A_DEVICES + B_DEVICES if d.startswith("spk"))
    # live reaches every device of the province, expired every device of commune A
    assert sum(proof.by_kind["speaker"].values()) == speakers + 6 and sum(proof.by_kind["eboard"].values()) == 3
    assert proof.by_kind["eboard"]["pending"] == 2 and proof.by_kind["eboard"]["not_reached"] == 1
    assert sum(scoped.by_kind["eboard"].values()) == 1 and sum(scoped.by_kind["speaker"].values()) == 4
    assert {(c.content_kind, c.duration_ms, c.start_at) for c in proof.commands} == {("audio", 1000, None)}
