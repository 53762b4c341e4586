"""Text typed in the legacy TCVN3 (ABC, .VnTime) or VNI-Windows fonts and pasted as Unicode, back to Unicode.

Such text arrives as the Windows-1252 reading of the font's bytes ("ViÖt Nam", "Vieät Nam"). The tables follow the
published charts: TCVN 5712:1993 VN3 (one byte per letter; capitals with a tone are the same bytes in the
.VnTimeH font, so they decode to lower case and whole words in capitals are put back in capitals) and VNI-Windows
(a base letter followed by a byte carrying its marks). ``to_tcvn3`` and ``to_vni`` do the reverse, for tests.
"""

from __future__ import annotations

import unicodedata

# TCVN3: byte (as its Windows-1252 character) → letter.
_TCVN3_PAIRS = (
    ("\xa1\xa2\xa3\xa4\xa5\xa6\xa7", "ĂÂÊÔƠƯĐ"),
    ("\xa8\xa9\xaa\xab\xac\xad\xae", "ăâêôơưđ"),
    ("\xb5\xb6\xb7\xb8\xb9", "àảãáạ"),
    ("\xbb\xbc\xbd\xbe\xc6", "ằẳẵắặ"),
    ("\xc7\xc8\xc9\xca\xcb", "ầẩẫấậ"),
    ("\xcc\xce\xcf\xd0\xd1", "èẻẽéẹ"),
    ("\xd2\xd3\xd4\xd5\xd6", "ềểễếệ"),
    ("\xd7\xd8\xdc\xdd\xde", "ìỉĩíị"),
    ("\xdf\xe1\xe2\xe3\xe4", "òỏõóọ"),
    ("\xe5\xe6\xe7\xe8\xe9", "ồổỗốộ"),
    ("\xea\xeb\xec\xed\xee", "ờởỡớợ"),
    ("\xef\xf1\xf2\xf3\xf4", "ùủũúụ"),
    ("\xf5\xf6\xf7\xf8\xf9", "ừửữứự"),
    ("\xfa\xfb\xfc\xfd\xfe", "ỳỷỹýỵ"),
)
TCVN3_TO_UNICODE: dict[str, str] = {k: v for keys, vals in _TCVN3_PAIRS for k, v in zip(keys, vals, strict=True)}
_UNICODE_TO_TCVN3 = {v: k for k, v in TCVN3_TO_UNICODE.items()}

_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
# VNI: the byte after a vowel carries (shape mark, tone mark). Lower-case bytes; capitals are the same minus 0x20.
_VNI_MARKS_LOWER = {
    "â": (_CIRC, ""), "á": (_CIRC, _ACUTE), "à": (_CIRC, _GRAVE), "å": (_CIRC, _HOOK), "ã": (_CIRC, _TILDE),
    "ä": (_CIRC, _DOT), "ê": (_BREVE, ""), "é": (_BREVE, _ACUTE), "è": (_BREVE, _GRAVE), "ú": (_BREVE, _HOOK),
    "ü": (_BREVE, _TILDE), "ë": (_BREVE, _DOT), "ù": ("", _ACUTE), "ø": ("", _GRAVE), "û": ("", _HOOK),
    "õ": ("", _TILDE), "ï": ("", _DOT),
}  # fmt: skip
VNI_MARKS = _VNI_MARKS_LOWER | {k.upper(): v for k, v in _VNI_MARKS_LOWER.items()}
# VNI letters that stand alone (one byte): ư ơ đ and the toned i, ỵ.
_VNI_SINGLE_LOWER = {"ö": "ư", "ô": "ơ", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}
VNI_SINGLE = _VNI_SINGLE_LOWER | {k.upper(): v.upper() for k, v in _VNI_SINGLE_LOWER.items()}
_VNI_SHAPE_TARGETS = {_CIRC: "aeoAEO", _BREVE: "aA", "": "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"}
_UNICODE_TO_VNI_SINGLE = {v: k for k, v in VNI_SINGLE.items()} | {"ì": "ì", "í": "í", "Ì": "Ì", "Í": "Í"}
_VNI_MARK_CODE = {v: k for k, v in _VNI_MARKS_LOWER.items()}


def from_tcvn3(text: str) -> str:
    """Decode TCVN3 text; words in capitals whose toned letters came out in lower case are capitalised again."""
    out = "".join(TCVN3_TO_UNICODE.get(c, c) for c in text)
    words = out.split(" ")
    for i, word in enumerate(words):
        ascii_letters = [c for c in word if c.isascii() and c.isalpha()]
        if len(ascii_letters) >= 2 and all(c.isupper() for c in ascii_letters) and word != word.upper():
            words[i] = word.upper()
    return " ".join(words)


def from_vni(text: str) -> str:
    """Decode VNI-Windows text: mark bytes are joined onto the vowel before them, single bytes mapped."""
    out: list[str] = []
    for c in text:
        if c in VNI_SINGLE:
            out.append(VNI_SINGLE[c])
            continue
        marks = VNI_MARKS.get(c)
        if marks and out:
            shape, tone = marks
            base = unicodedata.normalize("NFD", out[-1])
            fits = base[0] in _VNI_SHAPE_TARGETS[shape] and (len(base) == 1 if shape else base[-1] not in _TONES)
            if fits:
                out[-1] = unicodedata.normalize("NFC", base + shape + tone)
                continue
        out.append(c)
    return "".join(out)


def to_tcvn3(text: str) -> str:
    """Encode Unicode as TCVN3 pasted text (capitals with a tone become the lower-case bytes, as .VnTimeH does)."""
    out: list[str] = []
    for c in unicodedata.normalize("NFC", text):
        if c.isascii():
            out.append(c)
        else:
            out.append(_UNICODE_TO_TCVN3.get(c) or _UNICODE_TO_TCVN3.get(c.lower()) or c)
    return "".join(out)


def to_vni(text: str) -> str:
    """Encode Unicode as VNI-Windows pasted text."""
    out: list[str] = []
    for c in unicodedata.normalize("NFC", text):
        if c in _UNICODE_TO_VNI_SINGLE:
            out.append(_UNICODE_TO_VNI_SINGLE[c])
            continue
        parts = unicodedata.normalize("NFD", c)
        base, marks = parts[0], parts[1:]
        if not marks or not base.isascii():
            out.append(c)
            continue
        tone = next((m for m in marks if m in _TONES), "")
        if _HORN in marks:
            horn = {"o": "ô", "u": "ö", "O": "Ô", "U": "Ö"}[base]
            code = _VNI_MARK_CODE[("", tone)] if tone else ""
            out.append(horn + (code.upper() if base.isupper() else code))
            continue
        shape = _CIRC if _CIRC in marks else _BREVE if _BREVE in marks else ""
        mark = _VNI_MARK_CODE.get((shape, tone))
        if mark is None:  # not a Vietnamese letter (ç, ñ …): VNI has no code for it
            out.append(c)
            continue
        out.append(base + (mark.upper() if base.isupper() else mark))
    return "".join(out)
