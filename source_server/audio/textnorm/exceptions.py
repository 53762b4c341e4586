"""Errors of text normalisation.

UnspeakableText (ValueError)        the text must not be sent to speech synthesis; ``.reason``, ``.warnings``
├── EmptyText                       nothing left to read
└── GarbledText                     broken characters or encoding left in the text (see ``.warnings``)
"""

from __future__ import annotations

from collections.abc import Sequence

from source_server.audio.textnorm.garble import TextWarning


class UnspeakableText(ValueError):
    """The text cannot be read aloud as it is; the message is for the user, in Vietnamese."""

    reason = "unspeakable"

    def __init__(self, message: str, warnings: Sequence[TextWarning] = ()) -> None:
        super().__init__(message)
        self.warnings = tuple(warnings)


class EmptyText(UnspeakableText):
    """Nothing to read after normalisation (empty, or only symbols)."""

    reason = "empty"


class GarbledText(UnspeakableText):
    """The text still looks garbled after encoding repair: the user must fix it first."""

    reason = "garbled"
