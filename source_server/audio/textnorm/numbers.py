"""Vietnamese number words (northern standard: "linh", "nghìn", "mốt", "tư", "lăm") for cardinals, decimals,
ordinals, Roman numerals, days and months.
"""

from __future__ import annotations

import re

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
#: Beyond this many digits a number is read digit by digit (it is an identifier, not a quantity).
MAX_CARDINAL_DIGITS = 15


def _ones_after_tens(ones: int) -> str:
    """The unit word after "mươi" (20–99): 1 → mốt, 4 → tư, 5 → lăm."""
    return {1: "mốt", 4: "tư", 5: "lăm"}.get(ones, DIGITS[ones])


def _below_thousand(n: int, *, after_higher: bool) -> list[str]:
    """0 < n < 1000; after a higher group (nghìn, triệu) a short group reads "không trăm" and "linh"."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    words: list[str] = []
    if hundreds or after_higher:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if ones:
            if words:
                words.append("linh")
            words.append(DIGITS[ones])
    elif tens == 1:
        words.append("mười")
        if ones:
            words.append("lăm" if ones == 5 else DIGITS[ones])
    else:
        words += [DIGITS[tens], "mươi"]
        if ones:
            words.append(_ones_after_tens(ones))
    return words


def _below_billion(n: int, *, after_higher: bool) -> list[str]:
    """0 < n < 10⁹ as groups of triệu, nghìn and units; empty groups are skipped."""
    words: list[str] = []
    seen = after_higher
    for value, unit in ((n // 1_000_000, "triệu"), (n // 1000 % 1000, "nghìn"), (n % 1000, "")):
        if value == 0:
            continue
        words += _below_thousand(value, after_higher=seen)
        if unit:
            words.append(unit)
        seen = True
    return words


def cardinal(n: int) -> str:
    """An integer in words: 4911 → "bốn nghìn chín trăm mười một", -5 → "âm năm"."""
    if n < 0:
        return "âm " + cardinal(-n)
    if n == 0:
        return "không"
    if n >= 1_000_000_000:
        high, low = divmod(n, 1_000_000_000)
        head = cardinal(high) + " tỷ"
        return head if low == 0 else head + " " + " ".join(_below_billion(low, after_higher=True))
    return " ".join(_below_billion(n, after_higher=False))


def digits(text: str) -> str:
    """Digit by digit: "0269" → "không hai sáu chín" (phone numbers, codes, leading zeros)."""
    return " ".join(DIGITS[int(c)] for c in text if c.isdigit())


def integer(text: str) -> str:
    """A run of digits as a quantity; leading zeros are typography ("06" → "sáu"), very long runs are codes."""
    text = text.lstrip("0") or "0"
    if len(text) > MAX_CARDINAL_DIGITS:
        return digits(text)
    return cardinal(int(text))


def fraction(text: str) -> str:
    """Digits after the decimal comma: up to 3 read as a number after their leading zeros, longer digit by digit."""
    if len(text) > 3:
        return digits(text)
    stripped = text.lstrip("0")
    zeros = ["không"] * (len(text) - len(stripped))
    return " ".join([*zeros, cardinal(int(stripped))] if stripped else zeros)


def decimal(whole: str, frac: str) -> str:
    """A decimal with the Vietnamese comma: ("93", "8") → "chín mươi ba phẩy tám"."""
    return f"{integer(whole)} phẩy {fraction(frac)}"


def ordinal(n: int) -> str:
    """After "thứ": 1 → nhất, 4 → tư, otherwise the cardinal ("thứ hai", "thứ mười bốn")."""
    return {1: "nhất", 4: "tư"}.get(n) or cardinal(n)


def month(n: int) -> str:
    """A month's number as said after "tháng": 4 → tư (tháng tư), otherwise the cardinal."""
    return "tư" if n == 4 else cardinal(n)


def day(n: int) -> str:
    """A day of the month as said after "ngày": 1–10 take "mồng" (ngày mồng chín), the rest the cardinal."""
    return f"mồng {cardinal(n)}" if 1 <= n <= 10 else cardinal(n)


def roman_value(text: str) -> int | None:
    """The value of a well-formed Roman numeral in capitals, else None ("IV" → 4, "IIII" → None)."""
    if not text or not _ROMAN.fullmatch(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    return total
