"""Pasted or PDF-extracted text into blocks to be read: broken lines joined back into sentences, page numbers
dropped, bullets removed, list markers ("1.", "a)", "II.") and table rows read.
"""

from __future__ import annotations

import re
import statistics

from source_server.audio.textnorm import numbers as num
from source_server.audio.textnorm.letters import LETTER_NAMES, LOWER, UPPER, is_syllable

_BULLET = re.compile(r"^(?:[•●○◦▪■□►▶❖✓✔➢➤\uf0b7\uf0a7\uf0d8\uf076\uf0fc*]+|[-–—+]+(?=\s|[^\d\s]))\s*")
_PAGE_NUMBER = re.compile(r"[-–—]\s*\d{1,3}\s*[-–—]|[Tt]rang\s+\d{1,3}(?:/\d{1,3})?")
_NUMBER_MARKER = re.compile(
    rf"(\d{{1,2}}(?:\.\d{{1,2}})*)(?:[.)](?:\s+|(?=[^\W\d_]))|/\s+|\s{{2,}}(?=[{UPPER}])|\s(?=[{UPPER}][{LOWER}]))"
)
_LETTER_MARKER = re.compile(r"([a-zđ])[).]\s+")
_ROMAN_MARKER = re.compile(rf"([IVX]+)(?:(?:[.)]\s*|\s+)(?=[{UPPER}\d])|[.)]?\s*$)")
_HEADING_WORD = re.compile(r"(?:Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC|Điều|ĐIỀU|Phụ lục|PHỤ LỤC)\s+[\dIVXLC]+\b")
_WORDS = re.compile(r"[^\W\d_]+")
_URL_LINE = re.compile(r"\(?(?:https?://|www\.)\S+?\)?[.,;]?")
_TERMINAL = (".", "!", "?", ":", ";")
#: A line ending in one of these words cannot end a sentence: the next line continues it.
_CONTINUATION = frozenset({
    "của", "và", "các", "những", "về", "cho", "với", "tại", "theo", "trong", "là", "số", "ngày", "được", "để", "từ",
    "đến", "hoặc", "thì", "mà", "như", "bằng", "trên", "dưới", "năm", "tháng", "cơ", "đã", "sẽ", "đang", "có",
    "một", "hai", "không",
})  # fmt: skip


def is_heading(line: str) -> bool:
    """A heading: words in capitals, not only acronyms ("II. MỤC TIÊU"), or "Phần I" without a sentence after it."""
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return any(len(w) > 1 and is_syllable(w) for w in _WORDS.findall(line))
    return bool(_HEADING_WORD.match(line)) and len(line) < 60 and not line.endswith((".", ";"))


def _marker(line: str) -> re.Match[str] | None:
    """The list marker at the start of a line, if any."""
    return _NUMBER_MARKER.match(line) or _LETTER_MARKER.match(line) or _ROMAN_MARKER.match(line)


def starts_block(line: str) -> bool:
    """Whether a line begins a new block (bullet, list marker, heading) rather than continuing one."""
    return bool(_BULLET.match(line) or _marker(line) or is_heading(line))


def _is_wrapped(lines: list[str]) -> bool:
    """Whether body lines were cut at a fixed width (PDF) rather than being one paragraph each."""
    body = [line for line in lines if "\t" not in line and not starts_block(line)]
    if len(body) < 4:
        return False
    open_ended = [line for line in body if len(line) < 110 and not line.endswith(_TERMINAL)]
    return len(open_ended) / len(body) > 0.4 and statistics.median(len(line) for line in body) < 110


def _joins(current: str, following: str, wrapped: bool) -> bool:
    """Whether the following line continues the current block."""
    if starts_block(following) or is_heading(current):
        return False
    if following[0].islower() or following[0].isdigit() or following[0] in "(,;…":
        return True
    if current.endswith(_TERMINAL):
        return False
    if current.endswith("-") or current.split()[-1].lower() in _CONTINUATION:
        return True
    return wrapped


def _continues_number(current: str, following: str) -> bool:
    """ "Kế hoạch số" + "21/KH-BCĐ …": a line cut right before a number it needs."""
    return following[0].isdigit() and current.split()[-1].lower() in _CONTINUATION


def _join(current: str, following: str) -> str:
    """Glue a document code cut at its hyphen ("QĐ-" + "UBND"), otherwise join with a space."""
    if current.endswith("-") and len(current) > 1 and current[-2].isalpha() and following[0].isupper():
        return current + following
    return current + " " + following


def read_marker(block: str) -> str:
    """The block without its bullet, with its list marker in words: "1. Thể chế số:" → "một, Thể chế số:"."""
    block = _BULLET.sub("", block, count=1)
    m = _marker(block)
    if m is None:
        return block
    token = m.group(1)
    if token.isdigit() or "." in token:
        words = " chấm ".join(num.integer(part) for part in token.split("."))
    elif token.islower():
        words = LETTER_NAMES[token]
    else:
        value = num.roman_value(token)
        if value is None:
            return block
        words = num.cardinal(value)
    rest = block[m.end() :].strip()
    if len(rest) > 1 and rest[0].isupper() and rest[1].islower():  # "Một, đối với …": no capital mid-sentence
        rest = rest[0].lower() + rest[1:]
    return f"{words}, {rest}" if rest else words


def _table_row(line: str) -> str:
    """A tab-separated row: cells read in order with a pause between them, empty cells skipped."""
    cells = [c.strip() for c in line.split("\t") if c.strip()]
    if cells and (value := num.roman_value(cells[0])) is not None and re.fullmatch("[IVX]+", cells[0]):
        cells[0] = num.cardinal(value)
    return ", ".join(cells)


def _drop_repeated_links(lines: list[str]) -> list[str]:
    """Lines that are only a web address already given earlier: link footers a PDF repeats."""
    kept: list[str] = []
    seen = ""
    for line in lines:
        if _URL_LINE.fullmatch(line) and line.strip("().,;") in seen:
            continue
        kept.append(line)
        seen += line + "\n"
    return kept


def blocks(text: str) -> list[str]:
    """The text as blocks (paragraphs, list items, headings, table rows), each to be read as one or more sentences."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line and not _PAGE_NUMBER.fullmatch(line)]
    lines = _drop_repeated_links(lines)
    wrapped = _is_wrapped(lines)
    out: list[str] = []
    current = ""
    for line in lines:
        if "\t" in line:
            if current:
                out.append(current)
            out.append(_table_row(line))
            current = ""
        elif current and (_joins(current, line, wrapped) or _continues_number(current, line)):
            current = _join(current, line)
        else:
            if current:
                out.append(current)
            current = line
    if current:
        out.append(current)
    return [read_marker(b) for b in out]
