"""Document numbers and administrative abbreviations (default dictionary and the caller's own)."""

from __future__ import annotations

import pytest

from source_server.audio.textnorm import DEFAULT_ABBREVIATIONS, normalize


def spoken(text: str, abbreviations: dict[str, str] | None = None) -> str:
    out = normalize(text, abbreviations=abbreviations).text
    return (out[0].lower() + out[1:]).rstrip(".")


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("Số: 06/GM-VP", "số không sáu trên giấy mời văn phòng"),
        (
            "Kế hoạch số 2415/KH-UBND",
            "kế hoạch số hai nghìn bốn trăm mười lăm trên kế hoạch ủy ban nhân dân",
        ),
        ("Quyết định số 38/QĐ-UBND", "quyết định số ba mươi tám trên quyết định ủy ban nhân dân"),
        (
            "Thông tư 39/2020/TT-BTTTT",
            "thông tư ba mươi chín năm hai nghìn không trăm hai mươi trên thông tư bộ thông tin và truyền thông",
        ),
        (
            "Nghị định 09/2017/NĐ-CP",
            "nghị định không chín năm hai nghìn không trăm mười bảy trên nghị định chính phủ",
        ),
        ("Nghị quyết số 04-NQ/TU", "nghị quyết số không bốn nghị quyết trên tỉnh ủy"),
        ("Quyết định số 749/QĐ-TTg", "quyết định số bảy trăm bốn mươi chín trên quyết định thủ tướng"),
        ("Kế hoạch số 01/KH-BCĐCĐS", "kế hoạch số không một trên kế hoạch ban chỉ đạo chuyển đổi số"),
        ("Công văn 12/XYZ-UBND", "công văn mười hai trên ích xì i dài dét ủy ban nhân dân"),  # unknown part spelled
        ("Đề án 06", "đề án không sáu"),
        ("có 06 công chức", "có sáu công chức"),
    ],
)
def test_document_numbers(written: str, words: str) -> None:
    assert spoken(written) == words


def test_a_document_code_cut_by_a_line_break_is_joined() -> None:
    text = "Quyết định số 825/QĐ-\n\nUBND ngày 25/8/2023 về việc kiện toàn."
    assert normalize(text).sentences == (
        "Quyết định số tám trăm hai mươi lăm trên quyết định ủy ban nhân dân ngày hai mươi lăm tháng tám "
        "năm hai nghìn không trăm hai mươi ba về việc kiện toàn.",
    )


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("UBND tỉnh", "ủy ban nhân dân tỉnh"),
        ("HĐND xã", "hội đồng nhân dân xã"),
        ("Sở TT&TT", "sở thông tin và truyền thông"),
        ("ứng dụng CNTT", "ứng dụng công nghệ thông tin"),
        ("hệ thống LGSP", "hệ thống e lờ giê ét xì pê"),  # unknown capitals are spelled
        ("TP. Pleiku", "thành phố Pleiku"),
        ("Tp. Hồ Chí Minh", "thành phố Hồ Chí Minh"),
        ("P. Hoa Lư", "phường Hoa Lư"),
        ("TX. An Khê", "thị xã An Khê"),
        ("Lưu: VT, P.CNTT", "lưu: văn thư, phòng công nghệ thông tin"),
        ("T.T. Tỉnh ủy", "thường trực Tỉnh ủy"),
        ("Đ/c Nguyễn Văn An", "đồng chí Nguyễn Văn An"),
        ("V/v tổ chức họp", "về việc tổ chức họp"),
        ("y tế, giáo dục, v.v.", "y tế, giáo dục, vân vân"),
        ("ĐT: 0269 3823 456", "điện thoại: không hai sáu chín, ba tám hai ba, bốn năm sáu"),
        ("tuyến ĐT 664", "tuyến đường tỉnh sáu trăm sáu mươi tư"),
        ("Số TT", "số thứ tự"),
        ("xã/phường", "xã hoặc phường"),
        ("GIÁM ĐỐC", "giám đốc"),  # capitals that are Vietnamese words are read as words
        ("KHẨN CẤP: mưa lớn", "khẩn cấp: mưa lớn"),
    ],
)
def test_default_abbreviations(written: str, words: str) -> None:
    assert spoken(written) == words


def test_the_callers_dictionary_adds_and_overrides() -> None:
    assert "UBND" in DEFAULT_ABBREVIATIONS
    own = {"HTX": "hợp tác xã nông nghiệp", "UBND": "chính quyền", "ĐVHC": "đơn vị hành chính", "k/h": "khách hàng"}
    assert spoken("HTX Ia Grai, UBND xã, ĐVHC mới, K/h", abbreviations=own) == (
        "hợp tác xã nông nghiệp Ia Grai, chính quyền xã, đơn vị hành chính mới, khách hàng"
    )
    assert spoken("Số 5/QĐ-UBND", abbreviations=own) == "số năm trên quyết định chính quyền"  # in codes too
    assert spoken("UBND xã") == "ủy ban nhân dân xã"  # the default is untouched afterwards


def test_an_acronym_that_repeats_the_words_before_it_is_not_read_twice() -> None:
    assert spoken("lĩnh vực Công nghệ thông tin (CNTT):") == "lĩnh vực Công nghệ thông tin"
    assert spoken("Thông tin và Truyền thông (TT&TT) theo") == "thông tin và Truyền thông theo"
    assert spoken("kiến trúc Chính quyền điện tử (CQĐT) của tỉnh") == "kiến trúc Chính quyền điện tử của tỉnh"
    assert spoken("nền tảng của tỉnh (LGSP) để") == "nền tảng của tỉnh, e lờ giê ét xì pê, để"
