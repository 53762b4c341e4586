"""The abbreviation dictionary in the normaliser: caller entries override, switch off, and layer (pure, no I/O)."""

from __future__ import annotations

import pytest

from source_server.audio.dictionary.exceptions import EntryRefused
from source_server.audio.dictionary.rules import check_entry, found_by_reader, is_vietnamese_word
from source_server.audio.textnorm import normalize, overlay

TEXT = "UBND phường họp với HTX Đông Hà về CĐS."


def said(text: str, entries: dict[str, str] | None = None) -> str:
    return normalize(text, abbreviations=entries).text


def test_an_entry_changes_the_reading_and_leaves_the_rest() -> None:
    assert said(TEXT) == "Ủy ban nhân dân phường họp với hợp tác xã Đông Hà về chuyển đổi số."
    changed = said(TEXT, {"HTX": "hợp tác xã nông nghiệp"})
    assert changed == "Ủy ban nhân dân phường họp với hợp tác xã nông nghiệp Đông Hà về chuyển đổi số."
    assert said("Gặp BQL chợ.") == "Gặp bê quy e lờ chợ."  # unknown: spelled
    assert said("Gặp BQL chợ.", {"BQL": "ban quản lý"}) == "Gặp ban quản lý chợ."


def test_an_empty_reading_switches_a_default_off_and_the_word_is_spelled() -> None:
    assert said("UBND và TT&TT.", {"UBND": "", "TT&TT": ""}) == "U bê en nờ dê và tê tê và tê tê."
    # A document code keeps its own table: "UBND" there is still the issuing body.
    assert "quyết định ủy ban nhân dân" in said("Số 38/QĐ-UBND.", {"UBND": ""})


def test_case_rules_capitals_exact_lower_case_any_case_and_lower_case_words() -> None:
    entries = {"TDP": "tổ dân phố", "ko": "không"}
    assert said("TDP 5 và Tdp 6.", entries).startswith("Tổ dân phố năm và")
    assert "tổ dân phố sáu" not in said("TDP 5 và Tdp 6.", entries)  # written in capitals: exactly that
    assert said("Ko đi, ko về.", entries) == "Không đi, không về."  # lower case: any case, lower case too
    # Without an entry a lower-case word is never looked up.
    assert said("Ko đi, ko về.") == "Ko đi, ko về."


def test_a_lower_case_entry_takes_over_the_default_written_in_capitals() -> None:
    assert said("UBND, Ubnd.", {"ubnd": "ủy ban"}) == "Ủy ban, ủy ban."
    assert overlay({"UBND": "a", "HTX": "b"}, {"ubnd": "c"}) == {"HTX": "b", "ubnd": "c"}


def test_a_commune_layer_wins_over_the_province_layer_only_where_it_is_laid() -> None:
    province = {"HTX": "hợp tác xã kiểu mới", "BQL": "ban quản lý"}
    commune = {"HTX": "hợp tác xã Ia Grai", "BQL": ""}
    in_commune, elsewhere = overlay(province, commune), overlay(province, {})
    assert said("HTX, BQL.", in_commune) == "Hợp tác xã Ia Grai, bê quy e lờ."
    assert said("HTX, BQL.", elsewhere) == "Hợp tác xã kiểu mới, ban quản lý."


@pytest.mark.parametrize(
    ("abbreviation", "reading", "code"),
    [
        ("", "x", "abbr_empty"),
        ("A" * 33, "x", "abbr_long"),
        ("1TDP", "x", "abbr_chars"),
        ("TD#P", "x", "abbr_chars"),
        ("tin", "thông tin", "abbr_word"),
        ("F0", "ép không", "abbr_unmatched"),  # taken apart as a letter and a number first
        ("ĐT", "điện thoại", "abbr_unmatched"),  # read by context (điện thoại / đường tỉnh), never by the table
        ("TDP", "tổ dân phố 5", "reading_chars"),
        ("TDP", "tổ <b>dân</b>", "reading_chars"),
        ("TDP", "x" * 201, "reading_long"),
        ("XYZW", "", "nothing_to_disable"),
        ("ubnd", "ủy ban", "duplicate"),  # the same letters as a sibling "UBND"
    ],
)
def test_an_entry_the_reader_cannot_use_is_refused_with_its_reason(abbreviation: str, reading: str, code: str) -> None:
    with pytest.raises(EntryRefused) as refused:
        check_entry(abbreviation, reading, beneath={}, siblings=["UBND"])
    assert refused.value.code == code


def test_entries_are_cleaned_and_what_the_reader_finds_is_accepted() -> None:
    assert check_entry(" TT&TT ", " thông  tin,  truyền thông ", beneath={}, siblings=[]) == (
        "TT&TT",
        "thông tin, truyền thông",
    )
    assert check_entry("UBND", "", beneath={}, siblings=[]) == ("UBND", "")  # a default to switch off
    assert check_entry("BQL", "", beneath={"BQL": "ban quản lý"}, siblings=[]) == ("BQL", "")  # the province's
    for key in ("COVID-19", "Số TT", "tp.", "ko", "đ/c", "GD-ĐT", "TTg"):
        assert found_by_reader(key), key
    assert [w for w in ("tin", "xã", "kho", "nghe", "ko", "đc", "ge", "ubnd") if is_vietnamese_word(w)] == [
        "tin",
        "xã",
        "kho",
        "nghe",
    ]
