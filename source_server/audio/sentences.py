"""Interim sentence splitter for text to speech.

Seam: the Vietnamese text normaliser (``audio.textnorm.normalize(text).sentences``) hands the TTS chain normalised
sentences, and ``TtsChain.speak`` takes such a list; a caller that wants the spoken reading (numbers, dates,
abbreviations) normalises first. Plain text given to ``speak`` is only split here, on sentence punctuation followed
by a space and on line breaks, so "4.911" or "93,8%" stay whole.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_BOUNDARY = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, empty ones dropped."""
    return [s.strip() for s in _BOUNDARY.split(text) if s and s.strip()]
