"""The normalisation pipeline: clean Unicode, repair encoding, flag garbled text, lay out blocks, read tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from source_server.audio.textnorm import layout, sentences
from source_server.audio.textnorm.encoding import repair
from source_server.audio.textnorm.exceptions import EmptyText, GarbledText
from source_server.audio.textnorm.garble import TextWarning, find_garbled
from source_server.audio.textnorm.scanner import scanner_for

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\f\v]")
_REPAIR_MESSAGES = {
    "tcvn3": "Văn bản gõ bằng phông TCVN3 (ABC) đã được chuyển sang Unicode. Xin kiểm tra lại.",
    "vni": "Văn bản gõ bằng phông VNI đã được chuyển sang Unicode. Xin kiểm tra lại.",
    "utf8-mojibake": "Văn bản bị lỗi bảng mã (UTF-8 đọc sai) đã được sửa. Xin kiểm tra lại.",
}


@dataclass(frozen=True)
class Normalized:
    """The reading of a text: ``text`` to speak, its ``sentences`` (to synthesise one by one), and ``warnings``
    whose positions index ``source`` (the input after Unicode and encoding repair, as the user should see it).
    """

    source: str
    text: str
    sentences: tuple[str, ...]
    warnings: tuple[TextWarning, ...]
    encoding: str

    @property
    def garbled(self) -> bool:
        """Whether any warning forbids reading the text aloud."""
        return any(w.blocking for w in self.warnings)


def clean_unicode(text: str) -> str:
    """NFC, one kind of line break and space, no invisible characters (soft hyphens are TCVN3's "ư": repair first)."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACES.sub(" ", text)
    return _INVISIBLE.sub("", text)


def normalize(text: str, *, abbreviations: Mapping[str, str] | None = None) -> Normalized:
    """Vietnamese text as it should be spoken; see the package docstring for the rules."""
    fixed = repair(unicodedata.normalize("NFC", _LINE_BREAKS.sub("\n", text)))
    source = clean_unicode(fixed.text)
    warnings = find_garbled(source)
    if fixed.encoding != "unicode":
        note = TextWarning("encoding_repaired", _REPAIR_MESSAGES[fixed.encoding], 0, len(source), "", blocking=False)
        warnings.insert(0, note)
    scanner = scanner_for(frozenset((abbreviations or {}).items()))
    spoken: list[str] = []
    for block in layout.blocks(source.replace("./.", ".")):
        spoken += sentences.split(sentences.tidy(scanner.run(block)))
    return Normalized(source, " ".join(spoken), tuple(spoken), tuple(warnings), fixed.encoding)


def ensure_speakable(result: Normalized) -> Normalized:
    """The result unchanged if it may be read aloud; else EmptyText or GarbledText with a message for the user."""
    blocking = [w for w in result.warnings if w.blocking]
    if blocking:
        shown = "; ".join(f"“{w.excerpt}”" for w in blocking[:3])
        more = f" và {len(blocking) - 3} chỗ khác" if len(blocking) > 3 else ""
        raise GarbledText(
            f"Văn bản có {len(blocking)} chỗ bị lỗi phông chữ hoặc mất ký tự, không thể đọc đúng: {shown}{more}. "
            "Xin sửa lại (hoặc gõ lại bằng Unicode) rồi thử lại.",
            blocking,
        )
    if not result.sentences:
        raise EmptyText("Văn bản không có nội dung để đọc.")
    return result
