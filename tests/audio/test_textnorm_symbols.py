"""Units and currency, web addresses, bullets and stray symbols, PDF line breaks, sentences."""

from __future__ import annotations

import pytest

from source_server.audio.textnorm import normalize
from source_server.audio.textnorm.sentences import MAX_SENTENCE_CHARS


def spoken(text: str) -> str:
    out = normalize(text).text
    return (out[0].lower() + out[1:]).rstrip(".")


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("5 km", "năm ki lô mét"),
        ("20 m2", "hai mươi mét vuông"),
        ("20 m²", "hai mươi mét vuông"),
        ("100 m³", "một trăm mét khối"),
        ("30 kg", "ba mươi ki lô gam"),
        ("2 ha", "hai héc ta"),
        ("60 km/h", "sáu mươi ki lô mét trên giờ"),
        ("50 kg/ha", "năm mươi ki lô gam trên héc ta"),
        ("35°C", "ba mươi lăm độ xê"),
        ("-5°C", "âm năm độ xê"),
        ("500.000 đồng", "năm trăm nghìn đồng"),
        ("100.000đ", "một trăm nghìn đồng"),
        ("100.000 đ", "một trăm nghìn đồng"),
        ("500.000 VNĐ", "năm trăm nghìn đồng"),
        ("1,5 tỷ đồng", "một phẩy năm tỷ đồng"),
        ("5 USD", "năm đô la Mỹ"),
        ("$20", "hai mươi đô la"),
        ("5 máy", "năm máy"),  # "m" is a unit only on its own
        ("Đơn vị: VNĐ", "đơn vị: đồng"),
        ("TB/100 dân", "thuê bao trên một trăm dân"),
    ],
)
def test_units_and_currency(written: str, words: str) -> None:
    assert spoken(written) == words


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("Xem (https://dti.gov.vn/).", "xem, dê tê i chấm gốp chấm vê en"),
        (
            "địa chỉ http://stttt.gialai.gov.vn được duy trì",
            "địa chỉ ét xì tê tê tê tê chấm gia lai chấm gốp chấm vê en được duy trì",
        ),
        ("Truy cập www.dichvucong.gov.vn/p/home", "truy cập dich vu cong chấm gốp chấm vê en"),
        ("Gửi về vanthu@gialai.gov.vn nhé", "gửi về van thu a còng gia lai chấm gốp chấm vê en nhé"),
    ],
)
def test_web_and_mail_addresses_are_spelled_by_host(written: str, words: str) -> None:
    assert spoken(written) == words


def test_bullets_and_stray_symbols() -> None:
    text = "- Mục một;\n+ Mục hai;\n• Mục ba;\n* Mục bốn\n**1.846** tỷ “đồng” (dự kiến)… xong./."
    assert normalize(text).sentences == (  # a list item is a sentence of its own: it ends with a period
        "Mục một.",
        "Mục hai.",
        "Mục ba.",
        "Mục bốn.",
        "Một nghìn tám trăm bốn mươi sáu tỷ đồng, dự kiến, xong.",
    )


def test_list_markers_are_read() -> None:
    text = "1. Thể chế số:\n2/ Về bưu chính:\na) Ứng dụng CNTT\nđ) Phát triển hạ tầng"
    assert normalize(text).sentences == (
        "Một, thể chế số.",
        "Hai, về bưu chính.",
        "A, ứng dụng công nghệ thông tin.",
        "Đê, phát triển hạ tầng.",
    )


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("kinh tế - xã hội", "kinh tế, xã hội"),
        ("Phát thanh – Truyền hình", "phát thanh, Truyền hình"),
        ("tỷ lệ >80", "tỷ lệ lớn hơn tám mươi"),
        ("A & B", "a và bê"),
        ("COVID-19", "cô vít mười chín"),
        ("tiêm vắc-xin", "tiêm vắc xin"),
    ],
)
def test_dashes_and_operators(written: str, words: str) -> None:
    assert spoken(written) == words


def test_pdf_lines_are_joined_back_into_sentences() -> None:
    pdf = (
        "Phần I \n\nĐÁNH GIÁ KẾT QUẢ \n\nSở Thông tin và Truyền thông tỉnh Gia Lai cơ bản đã hoàn thành các mục tiêu \n\n"
        "đề ra trong Kế hoạch của Sở năm 2023; cụ thể như sau: \n\n1. Thể chế số: \n\n- Tham mưu Ủy ban nhân dân "
        "tỉnh ban hành Kế hoạch số \n\n21/KH-BCĐ ngày 14/02/2023 về việc kiểm tra, đánh giá mức độ \n\nChính quyền "
        "điện tử tại các cơ quan hành chính.\n\n-7- \n"
    )
    assert normalize(pdf).sentences == (
        "Phần một.",
        "Đánh giá kết quả.",
        "Sở Thông tin và Truyền thông tỉnh Gia Lai cơ bản đã hoàn thành các mục tiêu đề ra trong Kế hoạch của Sở "
        "năm hai nghìn không trăm hai mươi ba; cụ thể như sau.",
        "Một, thể chế số.",
        "Tham mưu Ủy ban nhân dân tỉnh ban hành Kế hoạch số hai mươi mốt trên kế hoạch ban chỉ đạo ngày mười bốn "
        "tháng hai năm hai nghìn không trăm hai mươi ba về việc kiểm tra, đánh giá mức độ Chính quyền điện tử tại "
        "các cơ quan hành chính.",
    )


def test_one_paragraph_per_line_keeps_its_paragraphs() -> None:
    text = "Thông báo lịch cắt điện\nTừ 7h đến 11h ngày 5/7/2025, khu vực thôn 3 mất điện\nXin cảm ơn!"
    assert normalize(text).sentences == (
        "Thông báo lịch cắt điện.",
        "Từ bảy giờ đến mười một giờ ngày mồng năm tháng bảy năm hai nghìn không trăm hai mươi lăm, khu vực thôn ba "
        "mất điện.",
        "Xin cảm ơn!",
    )


def test_long_sentences_are_cut_at_clause_marks_only() -> None:
    clause = "tăng cường công tác tuyên truyền đến từng thôn, làng"
    text = "; ".join([clause] * 20) + "."
    result = normalize(text)
    assert all(len(s) <= MAX_SENTENCE_CHARS for s in result.sentences)
    assert len(result.sentences) > 1
    assert " ".join(result.sentences) == result.text
    assert result.text.lower().replace(";", "").replace(",", "").replace(".", "").split() == (
        text.lower().replace(";", "").replace(",", "").replace(".", "").split()
    )


def test_empty_and_symbol_only_text_has_no_sentences() -> None:
    assert normalize("").sentences == ()
    assert normalize(" \n\n - • … ").sentences == ()
