"""Default readings of administrative abbreviations, document-code parts, units and currencies.

Keys written with a capital letter match exactly; keys written in lower case match in any case ("tp." also
matches "Tp." and "TP."). Callers pass their own entries to ``normalize(abbreviations=...)``; they win over these
(a caller's lower-case key also over a default written in capitals with the same letters), and a caller's entry
with an empty reading switches a default off: the word is then read by the general rules (a Vietnamese syllable
as a word, anything else letter by letter; its parts in a document code still by ``DOC_CODES``).
"""

from __future__ import annotations

DEFAULT_ABBREVIATIONS: dict[str, str] = {
    # State bodies and administrative units
    "UBND": "ủy ban nhân dân", "HĐND": "hội đồng nhân dân", "UBMTTQ": "ủy ban mặt trận tổ quốc",
    "MTTQ": "mặt trận tổ quốc", "UBKT": "ủy ban kiểm tra", "BCH": "ban chấp hành", "BCĐ": "ban chỉ đạo",
    "BTV": "ban thường vụ", "HTX": "hợp tác xã", "TP": "thành phố", "tp.": "thành phố", "TX": "thị xã",
    "tx.": "thị xã", "TT.": "thị trấn", "T.T.": "thường trực", "T.Ư": "trung ương", "TW": "trung ương",
    "VN": "Việt Nam", "VP": "văn phòng", "VT": "văn thư", "QL": "quốc lộ", "DN": "doanh nghiệp",
    # Ministries, departments, sectors
    "TT&TT": "thông tin và truyền thông", "CNTT&TT": "công nghệ thông tin và truyền thông",
    "BTTTT": "bộ thông tin và truyền thông", "STTTT": "sở thông tin và truyền thông",
    "GD&ĐT": "giáo dục và đào tạo", "GDĐT": "giáo dục đào tạo", "KH&CN": "khoa học và công nghệ",
    "KH&ĐT": "kế hoạch và đầu tư", "TN&MT": "tài nguyên và môi trường", "TNMT": "tài nguyên môi trường",
    "NN&PTNT": "nông nghiệp và phát triển nông thôn", "LĐ-TB&XH": "lao động thương binh và xã hội",
    "VH,TT&DL": "văn hóa, thể thao và du lịch", "VHTT&DL": "văn hóa thể thao và du lịch",
    "GTVT": "giao thông vận tải", "PT-TH": "phát thanh truyền hình", "KHTC": "kế hoạch tài chính",
    # Common terms
    "CNTT": "công nghệ thông tin", "CĐS": "chuyển đổi số", "CQĐT": "chính quyền điện tử",
    "CSDL": "cơ sở dữ liệu", "TTHC": "thủ tục hành chính", "CCHC": "cải cách hành chính",
    "BCVT": "bưu chính viễn thông", "BCCI": "bưu chính công ích", "DVCTT": "dịch vụ công trực tuyến",
    "CBCC": "cán bộ công chức", "CBCCVC": "cán bộ công chức viên chức", "CCVC": "công chức viên chức",
    "NLĐ": "người lao động", "ATTT": "an toàn thông tin", "ANTT": "an ninh trật tự",
    "ATGT": "an toàn giao thông", "KT-XH": "kinh tế xã hội", "KTXH": "kinh tế xã hội",
    "THCS": "trung học cơ sở", "THPT": "trung học phổ thông", "PCCC": "phòng cháy chữa cháy",
    "CSGT": "cảnh sát giao thông", "BHYT": "bảo hiểm y tế", "BHXH": "bảo hiểm xã hội",
    "GPMB": "giải phóng mặt bằng", "NTM": "nông thôn mới", "QĐ": "quyết định", "NĐ": "nghị định",
    "NQ": "nghị quyết", "STT": "số thứ tự", "Số TT": "số thứ tự", "SỐ TT": "số thứ tự", "TB": "thuê bao",
    "COVID": "cô vít", "SOC": "ét o xê", "LAN": "lan", "VNĐ": "đồng", "VND": "đồng", "USD": "đô la Mỹ",
    # Dotted and slashed forms
    "v.v.": "vân vân", "v.v": "vân vân", "v/v": "về việc", "đ/c": "đồng chí",
}  # fmt: skip

#: Parts of document codes ("38/QĐ-UBND", "04-NQ/TU"): the document type and the issuing body.
DOC_CODES: dict[str, str] = {
    "NQ": "nghị quyết", "QĐ": "quyết định", "KH": "kế hoạch", "CT": "chỉ thị", "TT": "thông tư",
    "NĐ": "nghị định", "CV": "công văn", "TB": "thông báo", "BC": "báo cáo", "GM": "giấy mời",
    "TTr": "tờ trình", "HD": "hướng dẫn", "QC": "quy chế", "CTr": "chương trình",
    "CTHĐ": "chương trình hành động", "KL": "kết luận", "QH": "quốc hội", "CP": "chính phủ",
    "TTg": "thủ tướng", "VPCP": "văn phòng chính phủ", "VP": "văn phòng", "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân", "UBTVQH": "ủy ban thường vụ quốc hội", "TU": "tỉnh ủy", "HU": "huyện ủy",
    "ĐU": "đảng ủy", "TW": "trung ương", "BCĐ": "ban chỉ đạo", "CĐS": "chuyển đổi số",
    "BTTTT": "bộ thông tin và truyền thông", "STTTT": "sở thông tin và truyền thông", "BNV": "bộ nội vụ",
    "BTC": "bộ tài chính", "BYT": "bộ y tế", "BCA": "bộ công an", "BQP": "bộ quốc phòng",
    "KGVX": "khoa giáo văn xã", "KSTT": "kiểm soát thủ tục", "THH": "tin học hóa", "SYT": "sở y tế",
    "SNV": "sở nội vụ", "STC": "sở tài chính", "SGDĐT": "sở giáo dục và đào tạo",
}  # fmt: skip

#: Units after a number. Matched exactly (case matters: "MW" is not "mW").
UNITS: dict[str, str] = {
    "%": "phần trăm", "‰": "phần nghìn", "°C": "độ xê", "ºC": "độ xê", "oC": "độ xê", "°": "độ",
    "km²": "ki lô mét vuông", "km2": "ki lô mét vuông", "m²": "mét vuông", "m2": "mét vuông",
    "m³": "mét khối", "m3": "mét khối", "cm": "xăng ti mét", "mm": "mi li mét", "km/h": "ki lô mét trên giờ",
    "km": "ki lô mét", "m": "mét", "ha": "héc ta", "kg": "ki lô gam", "mg": "mi li gam", "g": "gam",
    "ml": "mi li lít", "l": "lít", "kWh": "ki lô oát giờ", "kW": "ki lô oát", "MW": "mê ga oát", "W": "oát",
    "kV": "ki lô vôn", "V": "vôn", "MHz": "mê ga héc", "kHz": "ki lô héc", "Hz": "héc", "GB": "gi ga bai",
    "MB": "mê ga bai", "Mbps": "mê ga bít trên giây", "Gbps": "gi ga bít trên giây",
    "VNĐ": "đồng", "VND": "đồng", "vnđ": "đồng", "đ": "đồng", "USD": "đô la Mỹ", "$": "đô la",
    "EUR": "ơ rô", "€": "ơ rô", "trđ": "triệu đồng", "tr.đ": "triệu đồng",
}  # fmt: skip
