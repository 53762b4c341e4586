"""Vietnamese text normalisation for text to speech: what a bulletin's text sounds like when read by an announcer.

Pure Python, no I/O. ``normalize(text, abbreviations=...)`` returns a ``Normalized`` (spoken ``text``,
``sentences`` to synthesise one by one, ``warnings`` with positions in ``source``); ``ensure_speakable`` raises
``GarbledText`` / ``EmptyText`` with a Vietnamese message when the text must not be read aloud.

Order of work: NFC and one kind of line break → encoding repair (TCVN3 / VNI-Windows pasted as Unicode, UTF-8
mojibake; per line, only when the words become Vietnamese syllables) → garbled-text warnings → blocks (PDF lines
joined back into sentences, bullets dropped, list markers read) → one left-to-right pass reading each token by
the first rule that fits → punctuation tidied, sentences split (at most ~300 characters each).

Reading rules (northern standard):
- Numbers: "." groups thousands, "," is the decimal mark. 0 không, 10 mười, 15 mười lăm, 21 hai mươi mốt,
  24 hai mươi tư, 101 một trăm linh một, 1.005 một nghìn không trăm linh năm, 4.911 bốn nghìn chín trăm mười một;
  empty groups are skipped (1.000.005 một triệu không trăm linh năm); triệu, tỷ, nghìn tỷ. "93,8%" chín mươi ba
  phẩy tám phần trăm; up to three decimals read as a number after their leading zeros ("0,05" không phẩy không
  năm), more digit by digit. Leading zeros of a count are typography ("06 công chức" sáu công chức). "-5" âm năm.
  "2021-2025" hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm. "2.0" hai chấm không.
  Phone numbers (0… with 10–11 digits, +84) digit by digit in their written groups.
- Dates: "ngày 09/01/2020" ngày mồng chín tháng một năm hai nghìn không trăm hai mươi (days 1–10 take "mồng";
  "ngày" is added when missing); "tháng 7/2025" and "7/2025" tháng bảy năm …; "tháng 4" tháng tư. A day/month
  without a year is a date only after "ngày"/"mồng", otherwise a fraction ("1/2" một trên hai); "24/7" hai mươi
  tư trên bảy.
- Times: "13h30" mười ba giờ ba mươi phút, "7h" bảy giờ, "14:00" mười bốn giờ, "06:00–06:30" … đến …;
  "7 giờ 30" is read as written (bảy giờ ba mươi).
- Ordinals and Roman numerals: "thứ 2" thứ hai, "lần thứ 1" thứ nhất, "thứ 4" thứ tư. Roman numerals are read
  after a word that takes them (Phần IV phần bốn, lần thứ XXI thứ hai mươi mốt, khóa XVI, quý I …) and as list
  markers at the start of a line ("II. MỤC TIÊU" hai, mục tiêu). "1." / "1/" / "a)" markers are read as
  "một," / "a,"; bullets (- + • * …) are dropped.
- Document numbers are read as announcers read them aloud: the number, "năm" and the year when there is one,
  "trên" for the slash before the code, and the code's parts in words (unknown parts spelled):
  "Kế hoạch số 2415/KH-UBND" số hai nghìn bốn trăm mười lăm trên kế hoạch ủy ban nhân dân;
  "Số: 06/GM-VP" số không sáu trên giấy mời văn phòng (a document number's leading zeros are read: "Đề án 06"
  đề án không sáu); "Thông tư 39/2020/TT-BTTTT" ba mươi chín năm hai nghìn không trăm hai mươi trên thông tư bộ
  thông tin và truyền thông; "04-NQ/TU" không bốn nghị quyết trên tỉnh ủy.
- Abbreviations: a configurable dictionary (``DEFAULT_ABBREVIATIONS``; the caller's entries win, an empty
  reading switches a default off, ``overlay`` layers one set of entries over another) — UBND ủy ban
  nhân dân, TT&TT thông tin và truyền thông, v.v. vân vân, "TP. Pleiku" thành phố Pleiku, "P.CNTT" phòng công
  nghệ thông tin, ĐT điện thoại (đường tỉnh before a road number). Other words in capitals are read as words when
  they are a Vietnamese syllable (headings: "MỤC TIÊU") and spelled with Vietnamese letter names otherwise
  ("LGSP" e lờ giê ét xì pê); letters and digits together are split ("IPv6" i pê vê sáu, "5G" năm giê).
- Units and currency after a number: km, m2/m², kg, ha, °C, %, đ/đồng/VNĐ, USD, $ … ("100.000đ" một trăm nghìn
  đồng, "1,5 tỷ đồng" một phẩy năm tỷ đồng).
- Web and e-mail addresses are spelled, not skipped, because a listener may need them: a URL is read as its host
  (labels that are Vietnamese syllables as words, others letter by letter, "." chấm, "gov" gốp, "vn" vê en;
  scheme and path skipped); an e-mail as mailbox, "a còng", host.
- Symbols: quotes and * dropped, brackets and dashes between words become pauses, "/" between words "hoặc",
  "&" và, ">" lớn hơn, "…" a pause.
- Encoding: garbled text (replacement characters, "?" for lost letters, consonant-only fragments left by PDF
  extraction, lines full of non-Vietnamese characters) is reported in ``warnings`` and makes ``ensure_speakable``
  refuse the text; it is never read aloud silently. A repaired encoding is reported as a non-blocking warning.
"""

from __future__ import annotations

from source_server.audio.textnorm.abbreviations import DEFAULT_ABBREVIATIONS
from source_server.audio.textnorm.encoding import detect_legacy, repair
from source_server.audio.textnorm.exceptions import EmptyText, GarbledText, UnspeakableText
from source_server.audio.textnorm.garble import TextWarning, find_garbled
from source_server.audio.textnorm.legacy import from_tcvn3, from_vni, to_tcvn3, to_vni
from source_server.audio.textnorm.lexicon import overlay
from source_server.audio.textnorm.normalize import Normalized, ensure_speakable, normalize
from source_server.audio.textnorm.numbers import cardinal

__all__ = [
    "DEFAULT_ABBREVIATIONS",
    "EmptyText",
    "GarbledText",
    "Normalized",
    "TextWarning",
    "UnspeakableText",
    "cardinal",
    "detect_legacy",
    "ensure_speakable",
    "find_garbled",
    "from_tcvn3",
    "from_vni",
    "normalize",
    "overlay",
    "repair",
    "to_tcvn3",
    "to_vni",
]
