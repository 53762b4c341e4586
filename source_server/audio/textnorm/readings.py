"""How each kind of token is read: numbers and quantities, dates, times, document numbers, phones, web addresses.

Every function takes the regex match of its pattern (see ``scanner.py``) and the lexicon, and returns words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from source_server.audio.textnorm import numbers as num
from source_server.audio.textnorm.letters import UPPER, is_syllable, spell
from source_server.audio.textnorm.lexicon import Lexicon, syllables

_DIGIT_RUN = re.compile(r"\d+")
_CASE_RUNS = re.compile(f"[{UPPER}]+|[^\\W\\d_{UPPER}]+")
_URL_LABELS = {
    "gov": "gốp", "vn": "vê en", "com": "com", "net": "nét", "org": "o rờ gờ", "edu": "e đu", "info": "in phô",
}  # fmt: skip
_TRAILING = ".,;:!?"
_PER_UNITS = {"h": "giờ", "s": "giây", "ng": "người", "th": "tháng"}


def number(text: str) -> str:
    """A written number: "4.911", "4.022 000 000", "93,8", "06" (thousands with dots, decimals with a comma)."""
    sign = ""
    if text[:1] in "-−":
        sign, text = "âm ", text[1:]
    whole, _, frac = text.partition(",")
    whole = re.sub(r"[.\s]", "", whole)
    return sign + (num.decimal(whole, frac) if frac else num.integer(whole))


def quantity(m: re.Match[str], lex: Lexicon) -> str:
    """A number or a range of numbers, with its unit or currency: "93,8%", "5-10 km", "100.000đ", "$5"."""
    dollar, first, second, unit = m.group("dollar"), m.group("first"), m.group("second"), m.group("unit")
    words = number(first)
    if second:
        words += " đến " + number(second)
    if unit:
        words += " " + lex.units[unit]
        if per := m.group("per"):  # "50 kg/ha" → "… ki lô gam trên héc ta"
            words += " trên " + (lex.units.get(per) or _PER_UNITS.get(per) or per)
    elif dollar:
        words += " đô la"
    return words


def version(m: re.Match[str], lex: Lexicon) -> str:
    """Dotted numbers that are not thousands: "2.0" → "hai chấm không" (versions, section numbers)."""
    return " chấm ".join(num.integer(part) if len(part) < 4 else num.digits(part) for part in m.group(0).split("."))


def fraction(m: re.Match[str], lex: Lexicon) -> str:
    """Two numbers with a slash that are not a date: "1/2" → "một trên hai"."""
    return " trên ".join(num.integer(part) for part in m.group(0).split("/"))


def per_hundred(m: re.Match[str], lex: Lexicon) -> str:
    """A rate: "TB/100 dân" → "… trên một trăm dân"."""
    return " trên " + number(m.group(0)[1:])


def _date_words(day: int | None, month: int, year: str | None) -> str | None:
    """Day, month and year in words, or None when they are not a real date."""
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    parts = [f"ngày {num.day(day)}"] if day is not None else []
    parts.append(f"tháng {num.month(month)}")
    if year:
        parts.append(f"năm {num.integer(year)}")
    return " ".join(parts)


def date(m: re.Match[str], lex: Lexicon) -> str:
    """A full or day-month date: "ngày 09/01/2020", "01/7/2025", "ngày 05/7/" (prefix "ngày" added if missing)."""
    prefix = m.group("dprefix")
    values = _DIGIT_RUN.findall(m.group(0)[len(prefix or "") :])
    day, month, year = int(values[0]), int(values[1]), values[2] if len(values) > 2 else None
    words = _date_words(day, month, year)
    if words is None:
        words = " trên ".join(num.integer(v) for v in values)
        return f"{prefix} {words}" if prefix else words
    if prefix and prefix.lower() in {"mồng", "mùng"}:
        words = words.replace("ngày mồng", prefix.lower(), 1).replace("ngày ", prefix.lower() + " ", 1)
    return words


def month_year(m: re.Match[str], lex: Lexicon) -> str:
    """ "tháng 7/2025" or "12/2021" → "tháng bảy năm hai nghìn …"; otherwise a plain fraction."""
    month, year = int(m.group("mm")), m.group("yyyy")
    words = _date_words(None, month, year)
    if words is None:
        return f"{num.integer(m.group('mm'))} trên {num.integer(year)}"
    return words


def month_word(m: re.Match[str], lex: Lexicon) -> str:
    """ "tháng 4" → "tháng tư"."""
    value = int(m.group("mo"))
    return f"{m.group('mword')} {num.month(value) if 1 <= value <= 12 else num.integer(m.group('mo'))}"


def time(m: re.Match[str], lex: Lexicon) -> str:
    """ "13h30", "7h", "14:00", "06:00–06:30" → "mười ba giờ ba mươi phút", …; ranges read "đến"."""
    spans = [s for s in re.split(r"\s*[-–—]\s*", m.group(0)) if s]
    readings = []
    for span in spans:
        hour, minute = [*_DIGIT_RUN.findall(span), "0"][:2]
        words = f"{num.integer(hour)} giờ"
        if int(minute):
            words += f" {num.integer(minute)} phút"
        readings.append(words)
    return " đến ".join(readings)


def ordinal(m: re.Match[str], lex: Lexicon) -> str:
    """ "thứ 2" → "thứ hai", "lần thứ 1" → "lần thứ nhất"."""
    return f"{m.group('oword')} {num.ordinal(int(m.group('on')))}"


def roman_after_word(m: re.Match[str], lex: Lexicon) -> str:
    """ "Phần IV" → "Phần bốn", "lần thứ XXI" → "lần thứ hai mươi mốt"; other capitals are left as they are."""
    word, roman = m.group("rword"), m.group("roman")
    value = num.roman_value(roman)
    if value is None:
        return m.group(0)
    return f"{word} {num.ordinal(value) if word.lower() == 'thứ' else num.cardinal(value)}"


def doc_number(m: re.Match[str], lex: Lexicon) -> str:
    """ "Số: 06/GM-VP" → "số không sáu trên giấy mời văn phòng"; "09/2017/NĐ-CP", "04-NQ/TU" alike."""
    head = m.group("docno")
    words = num.digits(head) if head.startswith("0") and len(head) > 1 else num.integer(head)
    if m.group("docyear"):
        words += " năm " + num.integer(m.group("docyear"))
    if m.group("doctype"):  # party style: number-TYPE/ISSUER
        words += " " + lex.doc_code(m.group("doctype"))
    codes = [lex.doc_code(part) for part in re.split(r"\s*[-–]\s*", m.group("codes"))]
    return ("số " if m.group("docprefix") else "") + words + " trên " + " ".join(codes)


def doc_zero(m: re.Match[str], lex: Lexicon) -> str:
    """A document named by a number with leading zeros: "Đề án 06" → "Đề án không sáu"."""
    return f"{m.group('zword')} {num.digits(m.group('zno'))}"


def phone(m: re.Match[str], lex: Lexicon) -> str:
    """A phone number, digit by digit in its written groups: "0269 3823 456"."""
    text = m.group(0)
    words = []
    if text.startswith("+84"):
        words.append("cộng tám tư")
        text = text[3:]
    groups = [g for g in re.split(r"[\s.-]+", text) if g]
    if len(groups) == 1 and len(groups[0]) >= 10:
        g = groups[0]
        groups = [g[:4], g[4:7], g[7:]]
    words += [num.digits(g) for g in groups]
    return ", ".join(words)


def _label(label: str) -> str:
    """One part of a host name or mailbox: known word, Vietnamese syllables, or letters and digits."""
    lower = label.lower()
    if lower in _URL_LABELS:
        return _URL_LABELS[lower]
    if lower.isalpha() and (pieces := syllables(lower)):
        return " ".join(pieces)
    parts = re.findall(r"\d+|[^\W\d_]+", lower)
    return " ".join(num.digits(p) if p.isdigit() else spell(p) for p in parts)


def web_address(m: re.Match[str], lex: Lexicon) -> str:
    """A URL is read as its host ("dti chấm gốp chấm vê en"; scheme and path skipped); an e-mail in full."""
    text = m.group(0)
    trailing = ""
    while text and text[-1] in _TRAILING:
        trailing, text = text[-1] + trailing, text[:-1]
    if "@" in text and "://" not in text:
        local, _, host = text.partition("@")
        mailbox = " chấm ".join(_label(p) for p in re.split(r"[._-]+", local) if p)
        return f"{mailbox} a còng {_host(host)}{trailing}"
    host = re.sub(r"^[a-z]+://", "", text, flags=re.IGNORECASE).split("/", 1)[0].split(":", 1)[0]
    return _host(host) + trailing


def _host(host: str) -> str:
    """A host name label by label, "www" dropped."""
    labels = [p for p in host.split(".") if p and p.lower() != "www"]
    return " chấm ".join(_label(p) for p in labels)


def alphanumeric(m: re.Match[str], lex: Lexicon) -> str:
    """Letters and digits together: "IPv6" → "i pê vê sáu", "2G" → "hai giê", "COVID19" → "cô vít mười chín"."""
    words = []
    for part in re.findall(r"\d+|[^\W\d_]+", m.group(0)):
        if part.isdigit():
            words.append(num.integer(part))
        elif (known := lex.lookup(part)) is not None:
            words.append(known)
        else:  # "IPv": capitals spelled as a run, a lone lower-case letter spelled too
            for run in _CASE_RUNS.findall(part):
                words.append(spell(run) if len(run) == 1 else word_reading(run, heading=mostly_capitals(m.string)))
    return " ".join(words)


@lru_cache(maxsize=16)
def mostly_capitals(text: str) -> bool:
    """Whether a block is written in capitals (a heading), where capital words are words, not acronyms."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) * 10 >= len(letters) * 6


def word_reading(word: str, *, heading: bool = False) -> str:
    """A word with no dictionary entry: capitals are read as a word when they are a syllable with a tone or
    shape mark ("KHẨN"), or any syllable in a heading; otherwise spelled ("IP" i pê). Other words are kept.
    """
    if word.islower() or not word.isupper():
        return word
    if len(word) == 1:
        return spell(word) if word.lower() not in "aăâeêioôơuưy" else word.lower()
    if is_syllable(word) and (heading or not word.isascii()):
        return word.lower()
    return spell(word)
