"""One left-to-right pass over a block of text: every token is matched by the first rule that fits and replaced by
its reading, so what one rule wrote is never read again by another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from source_server.audio.textnorm import readings as rd
from source_server.audio.textnorm.letters import LOWER, UPPER, strip_tone
from source_server.audio.textnorm.lexicon import Lexicon
from source_server.audio.textnorm.numbers import integer

Handler = Callable[[re.Match[str], Lexicon], str]

_PAREN = re.compile(r"\(\s*([^()]{1,40}?)\s*\)")
_WORDS = re.compile(r"[^\W\d_]+")
_CODE_AHEAD = re.compile(f"[{UPPER}]{{2,}}")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_B = r"(?<![\w.,/])"  # a number starts here: not inside a word, a number or a code
_NUM_INT = r"\d{1,3}(?:\.\d{3})+(?: \d{3})*(?![.,]?\d)|\d+(?![.,]?\d)"
_NUM = rf"(?:{_NUM_INT}|\d{{1,3}}(?:\.\d{{3}})*,\d+|\d+,\d+)"
_CODE = r"[A-ZĐ][A-Za-zĐđ]*"
_TIME = r"(?:[01]?\d|2[0-4])(?:[hg:][0-5]\d|[hg])"
_DATE_WORDS = r"(?P<dprefix>[Nn]gày|NGÀY|[Mm]ồng|[Mm]ùng)"
_DOC_WORDS = (
    r"số|đề án|nghị quyết|quyết định|chỉ thị|kế hoạch|công văn|thông tư|nghị định|thông báo|tờ trình|chương trình"
)
_ROMAN_WORDS = (
    r"phần|chương|mục|khóa|khoá|kỳ|quý|thứ|thế kỷ|giai đoạn|đợt|tập|loại|hạng|cấp độ|nhóm|vùng|đại hội|"
    r"hội nghị|quốc hội|phụ lục"
)
_ADMIN_DOT = {"P": "phường", "Q": "quận", "H": "huyện", "X": "xã", "TX": "thị xã", "TT": "thị trấn"}
_SYMBOLS = {
    "&": " và ", "%": " phần trăm ", "‰": " phần nghìn ", "≥": " lớn hơn hoặc bằng ", ">=": " lớn hơn hoặc bằng ",
    "≤": " nhỏ hơn hoặc bằng ", "<=": " nhỏ hơn hoặc bằng ", ">": " lớn hơn ", "<": " nhỏ hơn ", "=": " bằng ",
    "×": " nhân ", "~": " khoảng ", "≈": " khoảng ", "№": " số ", "°": " độ ", "…": ", ", "...": ", ",
    "(": ", ", ")": ", ", "[": ", ", "]": ", ", "{": ", ", "}": ", ", "/": " hoặc ",
}  # fmt: skip


def _units_pattern(lex: Lexicon) -> str:
    """Units after a number, longest first; a unit ending in a letter must end the word."""
    parts = [re.escape(u) + (r"(?!\w)" if u[-1].isalnum() else "") for u in sorted(lex.units, key=len, reverse=True)]
    return "|".join(parts)


def _keys_pattern(lex: Lexicon) -> str:
    """Abbreviations with punctuation, case-sensitive unless written in lower case."""
    parts = []
    for key in lex.punctuated_keys():
        body = re.escape(key) if key != key.lower() else f"(?i:{re.escape(key)})"
        before = r"(?<![\w&])" if key[0].isalnum() else ""
        after = r"(?![\w&])" if key[-1].isalnum() else ""
        parts.append(before + body + after)
    return "|".join(parts) or r"(?!x)x"


def _abbreviation(m: re.Match[str], lex: Lexicon) -> str:
    """An abbreviation written with punctuation ("TT&TT", "v.v.", "Đ/c")."""
    return lex.lookup(m.group(0)) or m.group(0)


def _admin_dot(m: re.Match[str], lex: Lexicon) -> str:
    """ "P. Hoa Lư" → "phường Hoa Lư", "P.CNTT" → "phòng …", "TP. Pleiku" → "thành phố Pleiku"."""
    key = m.group("adm")
    if key == "P" and _CODE_AHEAD.match(m.string, m.end()):
        return "phòng "
    return ("thành phố" if key.upper() == "TP" else _ADMIN_DOT[key]) + " "


def _word(m: re.Match[str], lex: Lexicon) -> str:
    """A word: dictionary entry, "ĐT" by context (điện thoại / đường tỉnh), or capitals spelled."""
    word = m.group(0)
    if word.islower():  # only a caller's lower-case entry ("ko") reads a lower-case word differently
        return lex.any_case.get(word, word)
    if word == "ĐT":
        return "đường tỉnh" if re.match(r"\s?\d{1,4}(?!\d)", m.string[m.end() :]) else "điện thoại"
    return lex.lookup(word) or rd.word_reading(word, heading=rd.mostly_capitals(m.string))


def _symbol(m: re.Match[str], lex: Lexicon) -> str:
    """A symbol in words, or a pause, or nothing."""
    text = m.group(0)
    if text in _SYMBOLS:
        return _SYMBOLS[text]
    if text in "-–—":  # a dash between words or numbers that no other rule took: a pause
        return ", "
    return " "


def _rules(lex: Lexicon) -> list[tuple[str, Handler]]:
    """Patterns in priority order: at one position the first that matches wins."""
    date_sep = r"\d{1,2}(?:/\d{1,2}/(?:\d{4}|\d{2})|\.\d{1,2}\.\d{4}|-\d{1,2}-\d{4})(?![\d/])"
    return [
        (
            r"(?:https?://|www\.)[^\s<>\"“”()]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
            r"|(?<![\w.@])[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|gov|edu|info)(?![\w.]\w)(?:/[^\s<>\"“”()]*)?",
            rd.web_address,
        ),
        (
            rf"(?:(?P<docprefix>[Ss]ố|SỐ)\s*:?\s*)?{_B}(?P<docno>\d{{1,5}})"
            rf"(?:(?:/(?P<docyear>\d{{4}}))?/|-(?P<doctype>{_CODE})/)"
            rf"(?P<codes>{_CODE}(?:\s?[-–]\s?{_CODE})*)(?![\w/])",
            rd.doc_number,
        ),
        (rf"(?<!\w)(?P<zword>(?i:{_DOC_WORDS}))\s+(?P<zno>0\d+)(?![\d/.,:])", rd.doc_zero),
        (rf"(?:{_DATE_WORDS}\s+)?{_B}{date_sep}", rd.date),
        (rf"{_DATE_WORDS}\s+\d{{1,2}}/\d{{1,2}}(?:/(?!\d))?(?![\d/])", rd.date),
        (rf"(?:(?:[Tt]háng|THÁNG)\s+)?{_B}(?P<mm>\d{{1,2}})/(?P<yyyy>\d{{4}})(?![\d/])", rd.month_year),
        (r"(?<!\w)(?P<mword>[Tt]háng|THÁNG)\s+(?P<mo>\d{1,2})(?![\d/.,]\d|[\d/])", rd.month_word),
        (rf"(?<![\w.,:/]){_TIME}(?:\s?[-–—]\s?{_TIME})?(?:\s?phút|')?(?![\w:])", rd.time),
        (rf"(?<!\w)(?P<rword>(?i:{_ROMAN_WORDS}))\s+(?P<roman>[IVXLCDM]+)(?![\w])", rd.roman_after_word),
        (r"(?<!\w)(?P<oword>[Tt]hứ|THỨ)\s+(?P<on>\d{1,3})(?![\d/.,]\d|[\d/])", rd.ordinal),
        (r"(?<!\d)24/7(?![\d/])", lambda m, lex: "hai mươi tư trên bảy"),
        (r"(?<![\w.,/])(?:\+84[\s.]?|0)\d{2,3}(?:[\s.-]?\d){6,8}(?![\w])", rd.phone),
        (r"/(?:100|1\.?000|10\.?000|100\.?000)(?!\d)", rd.per_hundred),
        (r"(?<![\w/])\d+(?:/\d+)+(?![\w/])", rd.fraction),
        (
            rf"(?P<dollar>\$)?{_B}(?P<first>[-−]?{_NUM})(?:\s?[-–—]\s?(?P<second>[-−]?{_NUM}))?"
            rf"(?:\s?(?P<unit>{_units_pattern(lex)})(?:/(?P<per>[^\W\d_]+[23²³]?)(?!\w))?|(?![\w]))",
            rd.quantity,
        ),
        (r"(?<![\w.,])\d+(?:\.\d+)+(?![\w])", rd.version),
        (r"(?<!\w)(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+(?!\w)", rd.alphanumeric),
        (rf"(?<!\w)(?P<adm>[PQHX]|TX|TT|TP|Tp)\.(?:\s?(?=[{UPPER}][{LOWER}])|(?=[{UPPER}]{{2,}}))", _admin_dot),
        (_keys_pattern(lex), _abbreviation),
        (r"[^\W\d_]+(?:'[^\W\d_]+)*", _word),
        (r"(?<=\w)-(?=\w)", lambda m, lex: " "),  # a hyphen inside a word: "vắc-xin", "COVID-19"
        (r">=|<=|\.\.\.|[-–—&%‰≥≤><=×~≈№°…()\[\]{}/]", _symbol),
        (r"[\"“”«»„‟`‘’'*•·§¶|\\^_#@]+", lambda m, lex: " "),
        (r"\d+", lambda m, lex: " " + integer(m.group(0)) + " "),
    ]


class Scanner:
    """All rules compiled into one alternation for one lexicon."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        rules = _rules(lex)
        self._patterns = [re.compile(p) for p, _ in rules]
        self._handlers = [h for _, h in rules]
        # In the alternation the rules' own group names would clash: they are read from each rule's own match.
        bare = [_NAMED_GROUP.sub("(?:", p) for p, _ in rules]
        self._master = re.compile("|".join(f"(?P<r{i}>{p})" for i, p in enumerate(bare)))

    def run(self, text: str) -> str:
        """The block with every token replaced by its reading."""
        return self._master.sub(self._dispatch, _PAREN.sub(self._drop_definition, text))

    def _drop_definition(self, m: re.Match[str]) -> str:
        """ "Công nghệ thông tin (CNTT)": an acronym in brackets that repeats the words before it is not read."""
        inner = m.group(1)
        tokens = _WORDS.findall(inner)
        if not tokens or not all(len(t) > 1 and t.isupper() for t in tokens):
            return m.group(0)
        before = [w.lower() for w in _WORDS.findall(m.string[: m.start()])]
        whole = self.lex.lookup(inner)
        parts = [whole] if whole else [self.lex.lookup(t) for t in tokens]
        if all(parts):
            expansion = [w.lower() for p in parts for w in _WORDS.findall(p or "")]
            if expansion and before[-len(expansion) :] == expansion:
                return " "
        initials = [c for t in tokens for c in strip_tone(t.lower())[0]]
        heads = [strip_tone(w[0])[0] for w in before[-len(initials) :]]
        return " " if len(initials) > 1 and heads == initials else m.group(0)

    def _dispatch(self, m: re.Match[str]) -> str:
        """Hand the token to the rule that matched it, with that rule's own named groups."""
        index = int((m.lastgroup or "r0")[1:])
        pattern = self._patterns[index]
        own = pattern.fullmatch(m.string, m.start(), m.end()) or pattern.match(m.string, m.start())
        if own is None:  # cannot happen: the same pattern just matched here
            return m.group(0)
        return self._handlers[index](own, self.lex)


@lru_cache(maxsize=32)
def scanner_for(extra: frozenset[tuple[str, str]]) -> Scanner:
    """A compiled scanner per abbreviation set (compiling takes longer than normalising a page)."""
    return Scanner(Lexicon.build(dict(extra)))
