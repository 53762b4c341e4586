"""Dates, times, ordinals and Roman numerals as an announcer reads them."""

from __future__ import annotations

import pytest

from source_server.audio.textnorm import normalize


def spoken(text: str) -> str:
    out = normalize(text).text
    return (out[0].lower() + out[1:]).rstrip(".")


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("ngày 09/01/2020", "ngày mồng chín tháng một năm hai nghìn không trăm hai mươi"),
        ("01/7/2025", "ngày mồng một tháng bảy năm hai nghìn không trăm hai mươi lăm"),  # "ngày" added
        ("Ngày 20/10/2023", "ngày hai mươi tháng mười năm hai nghìn không trăm hai mươi ba"),
        ("ngày 24/4/2023", "ngày hai mươi tư tháng tư năm hai nghìn không trăm hai mươi ba"),
        ("ngày 01.7.2025", "ngày mồng một tháng bảy năm hai nghìn không trăm hai mươi lăm"),
        ("mồng 2/9/2025", "mồng hai tháng chín năm hai nghìn không trăm hai mươi lăm"),
        ("ngày 14/4", "ngày mười bốn tháng tư"),
        ("ngày 05/7/ về việc", "ngày mồng năm tháng bảy về việc"),  # year lost in the PDF
        ("tháng 7/2025", "tháng bảy năm hai nghìn không trăm hai mươi lăm"),
        ("Tháng 12/2021", "tháng mười hai năm hai nghìn không trăm hai mươi mốt"),
        ("hạn 12/2021", "hạn tháng mười hai năm hai nghìn không trăm hai mươi mốt"),
        ("tháng 4", "tháng tư"),
        ("tháng 02 đến tháng 04/2021", "tháng hai đến tháng tư năm hai nghìn không trăm hai mươi mốt"),
        ("năm 2025", "năm hai nghìn không trăm hai mươi lăm"),
        ("hoạt động 24/7", "hoạt động hai mươi tư trên bảy"),
        ("ngày 32/13/2020", "ngày ba mươi hai trên mười ba trên hai nghìn không trăm hai mươi"),  # not a date
    ],
)
def test_dates(written: str, words: str) -> None:
    assert spoken(written) == words


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("13h30", "mười ba giờ ba mươi phút"),
        ("7h", "bảy giờ"),
        ("7h00", "bảy giờ"),
        ("7h05", "bảy giờ năm phút"),
        ("14:00", "mười bốn giờ"),
        ("7g30", "bảy giờ ba mươi phút"),
        ("7 giờ 30", "bảy giờ ba mươi"),
        ("06:00–06:30", "sáu giờ đến sáu giờ ba mươi phút"),
        ("từ 7h30 đến 11h", "từ bảy giờ ba mươi phút đến mười một giờ"),
    ],
)
def test_times(written: str, words: str) -> None:
    assert spoken(written) == words


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("thứ 2", "thứ hai"),
        ("Thứ 4", "thứ tư"),
        ("lần thứ 3", "lần thứ ba"),
        ("lần thứ 1", "lần thứ nhất"),
        ("lần thứ XXI", "lần thứ hai mươi mốt"),
        ("Phần I", "phần một"),
        ("Phần IV", "phần bốn"),
        ("Chương II", "chương hai"),
        ("quý IV", "quý bốn"),
        ("khoá XVI", "khoá mười sáu"),
        ("thế kỷ XXI", "thế kỷ hai mươi mốt"),
    ],
)
def test_ordinals_and_roman_numerals_after_a_word(written: str, words: str) -> None:
    assert spoken(written) == words


def test_roman_numerals_as_heading_markers() -> None:
    assert normalize("I. MỤC TIÊU").sentences == ("Một, mục tiêu.",)
    assert normalize("III  NHIỆM VỤ").sentences == ("Ba, nhiệm vụ.",)  # the PDF lost the period
    assert normalize("VI. TỔ CHỨC THỰC HIỆN").sentences == ("Sáu, tổ chức thực hiện.",)
