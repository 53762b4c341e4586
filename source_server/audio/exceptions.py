"""Errors of the audio package; every refusal carries its reason as data, so the UI can say it in Vietnamese.

AudioError
 ├── AudioRejected          input that is not usable broadcast audio; ``reason`` is a RejectReason
 │    ├── EmptyAudio        zero bytes
 │    ├── TooLarge          over the byte limit (checked before decoding); ``size``, ``limit``
 │    ├── NotAudio          nothing ffmpeg recognises as an audio stream
 │    ├── CorruptAudio      audio that breaks off or fails to decode; ``decoded_s``, ``declared_s``
 │    ├── TooLong           over the duration limit; ``limit_s``
 │    ├── TooShort          under the minimum duration; ``seconds``, ``minimum_s``
 │    └── SilentAudio       nothing audible; ``loudness_lufs``, ``peak_dbfs``
 ├── AudioProcessingError   our own processing failed or timed out (not the user's fault)
 └── TtsError
      ├── TextRejected      text that cannot be spoken: empty or too long; ``reason``
      ├── EngineFailed      one engine could not speak; ``engine``, ``voice``, ``reason``, ``unavailable``
      └── AllEnginesFailed  every engine of a chain failed; ``attempts``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class RejectReason(StrEnum):
    """Why an input was refused; stable codes for the API and the UI strings."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_AUDIO = "not_audio"
    CORRUPT = "corrupt"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    SILENT = "silent"


class AudioError(Exception):
    """Base of every audio error."""


class AudioRejected(AudioError):
    """Input refused before anything was stored; ``reason`` is the code, ``detail`` the English explanation."""

    reason: RejectReason

    def __init__(self, detail: str) -> None:
        super().__init__(f"audio rejected ({self.reason}): {detail}")
        self.detail = detail


class EmptyAudio(AudioRejected):
    """The upload has no bytes at all."""

    reason = RejectReason.EMPTY

    def __init__(self) -> None:
        super().__init__("the file is empty")


class TooLarge(AudioRejected):
    """Over the byte limit; refused before any decoding work."""

    reason = RejectReason.TOO_LARGE

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the file is {size} bytes, over the {limit}-byte limit")
        self.size = size
        self.limit = limit


class NotAudio(AudioRejected):
    """Not a file with an audio stream ffmpeg can read."""

    reason = RejectReason.NOT_AUDIO


class CorruptAudio(AudioRejected):
    """An audio file that is truncated or fails to decode part-way."""

    reason = RejectReason.CORRUPT

    def __init__(self, detail: str, *, decoded_s: float | None = None, declared_s: float | None = None) -> None:
        super().__init__(detail)
        self.decoded_s = decoded_s
        self.declared_s = declared_s


class TooLong(AudioRejected):
    """Longer than the configured maximum duration."""

    reason = RejectReason.TOO_LONG

    def __init__(self, limit_s: float) -> None:
        super().__init__(f"too long: over {limit_s:g} s")
        self.limit_s = limit_s


class TooShort(AudioRejected):
    """Shorter than the minimum duration worth broadcasting."""

    reason = RejectReason.TOO_SHORT

    def __init__(self, seconds: float, minimum_s: float) -> None:
        super().__init__(f"too short: {seconds:.2f} s (minimum {minimum_s:g} s)")
        self.seconds = seconds
        self.minimum_s = minimum_s


class SilentAudio(AudioRejected):
    """Nothing audible: integrated loudness or peak below the silence thresholds."""

    reason = RejectReason.SILENT

    def __init__(self, loudness_lufs: float, peak_dbfs: float) -> None:
        super().__init__(f"the audio is silent (loudness {loudness_lufs:.1f} LUFS, peak {peak_dbfs:.1f} dBFS)")
        self.loudness_lufs = loudness_lufs
        self.peak_dbfs = peak_dbfs


class AudioProcessingError(AudioError):
    """Our processing failed on audio that had been accepted (a bug or a timeout, not bad input)."""


class TtsError(AudioError):
    """Base of text-to-speech errors."""


class TextRejected(TtsError):
    """Text that cannot be spoken; ``reason`` is ``empty`` or ``too_long``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"text rejected ({reason}): {detail}")
        self.reason = reason
        self.detail = detail


class EngineFailed(TtsError):
    """One engine could not speak; ``unavailable`` when it is unreachable or not installed (worth skipping a while)."""

    def __init__(self, engine: str, voice: str, reason: str, *, unavailable: bool = False) -> None:
        super().__init__(f"{engine} ({voice}) failed: {reason}")
        self.engine = engine
        self.voice = voice
        self.reason = reason
        self.unavailable = unavailable


@dataclass(frozen=True)
class TtsAttempt:
    """An engine that did not speak, and why (the data ``AllEnginesFailed`` carries; ``tts`` re-exports it)."""

    engine: str
    voice: str
    error: str
    skipped: bool = False


class AllEnginesFailed(TtsError):
    """Every engine of the chain failed; ``attempts`` says why, in order."""

    def __init__(self, attempts: Sequence[TtsAttempt]) -> None:
        why = "; ".join(f"{a.engine}: {a.error}" for a in attempts) or "no engine configured"
        super().__init__(f"no text-to-speech engine could speak: {why}")
        self.attempts = tuple(attempts)


REJECT_MESSAGES: dict[str, str] = {
    "empty": "the file is empty",
    "too_large": "the file is too large",
    "not_audio": "the file is not audio (or its format is not supported)",
    "corrupt": "the file is damaged or cut short",
    "too_long": "the recording is too long",
    "too_short": "the recording is too short",
    "silent": "the recording is silent",
}


def describe(exc: AudioRejected) -> str:
    """One plain sentence for a refused file, with the figures behind it."""
    return f"{REJECT_MESSAGES.get(str(exc.reason), 'the file was refused')}: {exc.detail}"
