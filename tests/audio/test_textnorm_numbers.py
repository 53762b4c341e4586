"""Numbers read the northern Vietnamese way: thousands with dots, decimals with a comma, mốt/tư/lăm/linh."""

from __future__ import annotations

import pytest

from source_server.audio.textnorm import cardinal, normalize
from source_server.audio.textnorm.numbers import roman_value


def spoken(text: str) -> str:
    """The spoken text without the sentence's capital and final period, to compare fragments."""
    out = normalize(text).text
    return (out[0].lower() + out[1:]).rstrip(".")


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("0", "không"),
        ("10", "mười"),
        ("14", "mười bốn"),
        ("15", "mười lăm"),
        ("20", "hai mươi"),
        ("21", "hai mươi mốt"),
        ("24", "hai mươi tư"),
        ("25", "hai mươi lăm"),
        ("100", "một trăm"),
        ("101", "một trăm linh một"),
        ("105", "một trăm linh năm"),
        ("110", "một trăm mười"),
        ("115", "một trăm mười lăm"),
        ("1.000", "một nghìn"),
        ("1.005", "một nghìn không trăm linh năm"),
        ("2021", "hai nghìn không trăm hai mươi mốt"),
        ("3.999", "ba nghìn chín trăm chín mươi chín"),
        ("4.911", "bốn nghìn chín trăm mười một"),
        ("1.000.000", "một triệu"),
        ("1.000.005", "một triệu không trăm linh năm"),
        ("1.050.000", "một triệu không trăm năm mươi nghìn"),
        ("73.346", "bảy mươi ba nghìn ba trăm bốn mươi sáu"),
        ("4.022.000.000", "bốn tỷ không trăm hai mươi hai triệu"),
        ("4.022 000 000", "bốn tỷ không trăm hai mươi hai triệu"),  # as the PDF left it
        ("1.000.000.000.000", "một nghìn tỷ"),
        ("06", "sáu"),  # a count's leading zero is typography
    ],
)
def test_cardinals(written: str, words: str) -> None:
    assert spoken(written) == words


def test_cardinal_function_and_negative() -> None:
    assert cardinal(-5) == "âm năm"
    assert cardinal(1_000_001) == "một triệu không trăm linh một"
    assert spoken("Nhiệt độ -5 và −12") == "nhiệt độ âm năm và âm mười hai"


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("93,8%", "chín mươi ba phẩy tám phần trăm"),
        ("2,56", "hai phẩy năm mươi sáu"),
        ("0,05", "không phẩy không năm"),
        ("1,5 tỷ đồng", "một phẩy năm tỷ đồng"),
        ("3,14159", "ba phẩy một bốn một năm chín"),
        ("1.234,5", "một nghìn hai trăm ba mươi tư phẩy năm"),
        ("100%", "một trăm phần trăm"),
        ("8‰", "tám phần nghìn"),
    ],
)
def test_decimals_and_percentages(written: str, words: str) -> None:
    assert spoken(written) == words


@pytest.mark.parametrize(
    ("written", "words"),
    [
        (
            "giai đoạn 2021-2025",
            "giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm",
        ),
        ("từ 2021 - 2025", "từ hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm"),
        ("đạt 90-95%", "đạt chín mươi đến chín mươi lăm phần trăm"),
        ("phiên bản 2.0", "phiên bản hai chấm không"),
        ("1/2 số hộ", "một trên hai số hộ"),
        ("Lớp 10A, 2G và 5G", "lớp mười a, hai giê và năm giê"),
        ("IPv6", "i pê vê sáu"),
    ],
)
def test_ranges_versions_fractions_and_codes(written: str, words: str) -> None:
    assert spoken(written) == words


def test_phone_numbers_are_read_digit_by_digit_in_their_groups() -> None:
    assert spoken("Gọi 0269 3823 456") == "gọi không hai sáu chín, ba tám hai ba, bốn năm sáu"
    assert spoken("ĐT: 0905.123.456") == "điện thoại: không chín không năm, một hai ba, bốn năm sáu"
    assert spoken("+84 905 123 456") == "cộng tám tư, chín không năm, một hai ba, bốn năm sáu"


def test_roman_numerals_are_validated() -> None:
    assert [roman_value(r) for r in ("I", "IV", "IX", "XIII", "XXI", "XVI", "MCMXC")] == [1, 4, 9, 13, 21, 16, 1990]
    assert roman_value("IIII") is None
    assert roman_value("VX") is None
    assert roman_value("") is None
