"""Legacy encodings (TCVN3, VNI-Windows), mojibake, garbled text flagged and refused, NFC."""

from __future__ import annotations

import unicodedata

import pytest

from source_server.audio.textnorm import (
    EmptyText,
    GarbledText,
    detect_legacy,
    ensure_speakable,
    from_tcvn3,
    from_vni,
    normalize,
    repair,
    to_tcvn3,
    to_vni,
)

SENTENCES = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc",
    "Ủy ban nhân dân xã thông báo lịch tiêm phòng cho đàn gia súc, gia cầm.",
    "Người dân chú ý theo dõi thời tiết, đề phòng lũ quét và sạt lở đất ở vùng núi.",
    "Thuỷ lợi phí được miễn; khuyến khích đăng ký sử dụng dịch vụ công trực tuyến.",
    "Đợt rét đậm kéo dài, nhiệt độ thấp nhất từ 8 đến 10 độ, vùng núi có nơi dưới 5 độ.",
]


def cp1252_view(data: bytes) -> str:
    """Bytes as a Windows program shows them (undefined cp1252 bytes come through as C1 controls)."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def test_published_chart_samples_decode() -> None:
    assert from_tcvn3("Céng hßa x· héi chñ nghÜa ViÖt Nam") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert from_tcvn3("§éc lËp - Tù do - H¹nh phóc") == "Độc lập - Tự do - Hạnh phúc"
    assert from_tcvn3("QUYÕT §ÞNH") == "QUYẾT ĐỊNH"  # .VnTimeH capitals are put back in capitals
    assert from_vni("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert from_vni("ÑÔN TRÌNH BAÙO") == "ĐƠN TRÌNH BÁO"
    assert from_vni("ñöôïc nhöõng Chæ thò Myõ") == "được những Chỉ thị Mỹ"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_vni_round_trip_and_detection(sentence: str) -> None:
    pasted = to_vni(sentence)
    assert pasted != sentence
    assert from_vni(pasted) == sentence
    fixed = repair(pasted)
    assert (fixed.text, fixed.encoding) == (sentence, "vni")


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3_round_trip_and_detection(sentence: str) -> None:
    # TCVN3 has no capitals with a tone (.VnTimeH reuses the lower-case bytes): they come back in lower case.
    expected = "".join(c.lower() if c.isupper() and not c.isascii() and c not in "ĐĂÂÊÔƠƯ" else c for c in sentence)
    pasted = to_tcvn3(sentence)
    assert pasted != sentence
    assert from_tcvn3(pasted) == expected
    fixed = repair(pasted)
    assert (fixed.text, fixed.encoding) == (expected, "tcvn3")


def test_a_legacy_paste_is_read_and_reported_but_not_refused() -> None:
    result = normalize(to_vni("Ủy ban nhân dân xã thông báo: ngày 5/7 tiêm phòng."))
    assert result.encoding == "vni"
    assert result.sentences == ("Ủy ban nhân dân xã thông báo: ngày mồng năm tháng bảy tiêm phòng.",)
    assert [(w.code, w.blocking) for w in result.warnings] == [("encoding_repaired", False)]
    assert ensure_speakable(result) is result


def test_mixed_paste_converts_only_the_legacy_lines() -> None:
    text = "Công an xã Ia Grai thông báo\n" + to_tcvn3("người dân cảnh giác với lừa đảo qua điện thoại")
    fixed = repair(text)
    assert fixed.text == "Công an xã Ia Grai thông báo\nngười dân cảnh giác với lừa đảo qua điện thoại"
    assert fixed.lines_changed == 1


@pytest.mark.parametrize(
    "text",
    [
        "Cộng hòa xã hội chủ nghĩa Việt Nam. Tôi là Nam, cà phê và bánh mì.",
        "Các cơ quan, tổ chức có trách nhiệm phối hợp thực hiện.",  # only Latin-1 letters, still Unicode
        "The quick brown fox jumps over the lazy dog.",
        "Señor Muñoz vivía en la mañana con niños pequeños en España.",
        "Zürich, naïve café, résumé, Ångström, façade, crème brûlée.",
        "Tôi yêu Hà Nội",
    ],
)
def test_detection_does_not_fire_on_unicode_vietnamese_or_other_languages(text: str) -> None:
    assert detect_legacy(text) is None
    assert repair(text).text == text
    assert repair(text).encoding == "unicode"


def test_utf8_read_as_windows_1252_is_repaired() -> None:
    original = "Thông báo khẩn: người dân sơ tán khỏi vùng sạt lở."
    garbled = cp1252_view(original.encode("utf-8"))
    assert garbled.startswith("ThÃ´ng bÃ¡o")
    result = normalize(garbled)
    assert result.encoding == "utf8-mojibake"
    assert result.source == original
    assert not result.garbled


def test_replacement_characters_and_lost_letters_are_refused() -> None:
    result = normalize("Th\ufffdng b\ufffdo c\ufffda UBND x\ufffd")
    assert result.garbled
    assert "replacement_char" in {w.code for w in result.warnings}
    with pytest.raises(GarbledText) as err:
        ensure_speakable(result)
    assert "lỗi phông chữ" in str(err.value)
    assert err.value.reason == "garbled"
    assert err.value.warnings

    lost = normalize("Thong bao: Vi?t Nam v?a c? m?a l?n")
    assert [w.code for w in lost.warnings] == ["lost_letter"] * 4
    assert normalize("Có ai ở nhà không?").warnings == ()


def test_pdf_fragments_are_flagged_with_their_position() -> None:
    text = "Ứng dụng công nghệ thông tin nh m đ y mạnh cải cách, tiêu chu n quốc tế."
    result = normalize(text)
    flagged = [text[w.start : w.end] for w in result.warnings if w.code == "broken_word"]
    assert flagged == ["nh m đ", "n"]
    with pytest.raises(GarbledText):
        ensure_speakable(result)


def test_an_undetected_encoding_or_another_script_is_flagged() -> None:
    assert normalize("ÐÕÑ ÞÚÛ ÊËÌ ÐÕÑ ¼½¾ ÐÕÑ").garbled
    assert normalize("Уважаемые граждане, завтра отключат воду").garbled
    assert normalize("Xin chào\x07 bà con").garbled  # a control character


def test_normal_text_units_and_list_letters_are_not_flagged() -> None:
    text = "a) Trồng 5 ha lúa, 20 m2 rau, 3 km kênh; b) giá 100.000 đ/kg; khu B và khu C; Zalo, internet, eCabinet."
    assert normalize(text).warnings == ()


def test_empty_text_is_refused() -> None:
    with pytest.raises(EmptyText) as err:
        ensure_speakable(normalize("  \n - "))
    assert err.value.reason == "empty"


def test_decomposed_input_reads_exactly_like_composed_input() -> None:
    composed = "Ủy ban nhân dân xã Ia Kriêng thông báo: ngày 09/01/2020, mưa lớn ở Đắk Đoa."
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normalize(decomposed) == normalize(composed)
    assert normalize(decomposed).source == composed
