"""Text to speech: the engine interface and the chain that tries engines in order and says which one spoke.

Engines live side by side (``tts_edge.py``: online neural voices; ``tts_espeak.py``: offline). A chain synthesises
every sentence with one engine (concurrently, as far as the engine allows), joins them without clicks, and sends the
whole through the audio pipeline. When an engine fails the next one speaks the whole text again, so a bulletin never
mixes voices; the result records the engine, the voice and why the earlier ones failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from source_server.audio.config import DEFAULT_CONFIG, PipelineConfig
from source_server.audio.exceptions import AllEnginesFailed, EngineFailed, TextRejected, TtsAttempt
from source_server.audio.pipeline import Jingle, ProcessedAudio, process_audio
from source_server.audio.sentences import split_sentences
from source_server.audio.speech_join import join_speech

__all__ = ["Gender", "Speech", "TtsAttempt", "TtsChain", "TtsEngine", "Voice"]

Gender = Literal["female", "male"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Voice:
    """One voice of one engine: its id for the engine, gender, language and a label for the UI."""

    id: str
    gender: Gender
    label: str
    language: str = "vi"


class TtsEngine(ABC):
    """A speech synthesiser: a name, its voices, and text → audio bytes (WAV or MP3)."""

    name: str
    voices: tuple[Voice, ...]
    max_concurrency: int = 1
    """How many sentences it may synthesise at once."""

    @abstractmethod
    async def synthesize(self, text: str, voice: str) -> bytes:
        """Speak ``text`` with ``voice``; EngineFailed (``unavailable`` when unreachable) if it cannot."""

    def voice_for(self, gender: Gender) -> Voice:
        """This engine's first voice of ``gender`` (else its first voice)."""
        return next((v for v in self.voices if v.gender == gender), self.voices[0])

    def find_voice(self, voice_id: str) -> Voice | None:
        """The voice with this id, if the engine has it."""
        return next((v for v in self.voices if v.id == voice_id), None)


@dataclass(frozen=True)
class Speech:
    """Synthesised, processed speech and what produced it (the bulletin keeps ``record()``)."""

    audio: ProcessedAudio
    engine: str
    voice: str
    sentences: int
    attempts: tuple[TtsAttempt, ...] = ()

    def record(self) -> dict[str, object]:
        """What a bulletin stores about how its speech was made."""
        return {
            "engine": self.engine,
            "voice": self.voice,
            "sentences": self.sentences,
            "fallbacks": [dataclasses.asdict(a) for a in self.attempts],
        }


class TtsChain:
    """Engines tried in order; the first that speaks every sentence wins."""

    def __init__(
        self,
        engines: Sequence[TtsEngine],
        *,
        config: PipelineConfig = DEFAULT_CONFIG,
        max_chars: int = 20_000,
        engine_timeout_s: float = 120.0,
        cooldown_s: float = 60.0,
        sentence_gap_ms: int = 350,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not engines:
            raise ValueError("a TTS chain needs at least one engine")
        self.engines = tuple(engines)
        self.config = config
        self.max_chars = max_chars
        self.engine_timeout_s = engine_timeout_s
        self.cooldown_s = cooldown_s
        self.sentence_gap_ms = sentence_gap_ms
        self._clock = clock
        self._down_since: dict[str, tuple[float, str]] = {}

    def _sentences(self, text: str | Sequence[str]) -> list[str]:
        """Validate the text and return its sentences."""
        sentences = split_sentences(text) if isinstance(text, str) else [s.strip() for s in text if s.strip()]
        total = sum(len(s) for s in sentences)
        if not sentences:
            raise TextRejected("empty", "there is no text to speak")
        if total > self.max_chars:
            raise TextRejected("too_long", f"{total} characters, over the {self.max_chars}-character limit")
        return sentences

    def _voice(self, engine: TtsEngine, gender: Gender, voice: str | None) -> Voice:
        """The requested voice when this engine has it, else this engine's voice of the requested gender."""
        if voice is not None:
            if (own := engine.find_voice(voice)) is not None:
                return own
            for other in self.engines:
                if (theirs := other.find_voice(voice)) is not None:
                    return engine.voice_for(theirs.gender)
        return engine.voice_for(gender)

    async def _synthesize(self, engine: TtsEngine, voice: str, sentences: list[str]) -> list[bytes]:
        """Every sentence through one engine, at most ``max_concurrency`` at once, in order."""
        gate = asyncio.Semaphore(max(1, engine.max_concurrency))

        async def one(sentence: str) -> bytes:
            async with gate:
                return await engine.synthesize(sentence, voice)

        async with asyncio.timeout(self.engine_timeout_s):
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(s)) for s in sentences]
        return [t.result() for t in tasks]

    async def _attempt(self, engine: TtsEngine, voice: str, sentences: list[str]) -> list[bytes] | EngineFailed:
        """The engine's audio for every sentence, or the failure that stopped it (any error falls back)."""
        try:
            return await self._synthesize(engine, voice, sentences)
        except TimeoutError:
            return EngineFailed(engine.name, voice, f"took longer than {self.engine_timeout_s:g} s")
        except ExceptionGroup as group:
            first = group.exceptions[0]
            if isinstance(first, EngineFailed):
                return first
            log.warning("TTS engine %s failed unexpectedly", engine.name, exc_info=first)
            return EngineFailed(engine.name, voice, f"{type(first).__name__}: {first}")

    async def speak(
        self,
        text: str | Sequence[str],
        *,
        gender: Gender = "female",
        voice: str | None = None,
        intro: Jingle | None = None,
        outro: Jingle | None = None,
    ) -> Speech:
        """Speak ``text`` (plain text, or sentences from the normaliser), between the jingles if given;
        AllEnginesFailed when nobody can (AudioRejected for an unusable jingle)."""
        sentences = self._sentences(text)
        attempts: list[TtsAttempt] = []
        for engine in self.engines:
            chosen = self._voice(engine, gender, voice)
            down = self._down_since.get(engine.name)
            if down is not None and self._clock() - down[0] < self.cooldown_s:
                ago = self._clock() - down[0]
                attempts.append(
                    TtsAttempt(engine.name, chosen.id, f"skipped: unavailable {ago:.0f} s ago: {down[1]}", True)
                )
                continue
            outcome = await self._attempt(engine, chosen.id, sentences)
            if isinstance(outcome, EngineFailed):
                if outcome.unavailable:
                    self._down_since[engine.name] = (self._clock(), outcome.reason)
                attempts.append(TtsAttempt(engine.name, chosen.id, outcome.reason))
                continue
            self._down_since.pop(engine.name, None)
            audio = await asyncio.to_thread(self._render, outcome, intro, outro)
            return Speech(audio, engine.name, chosen.id, len(sentences), tuple(attempts))
        raise AllEnginesFailed(attempts)

    def _render(self, pieces: list[bytes], intro: Jingle | None = None, outro: Jingle | None = None) -> ProcessedAudio:
        """Join the sentences and put the whole, with its jingles, through the audio pipeline."""
        wav = join_speech(pieces, gap_ms=self.sentence_gap_ms, timeout=self.config.timeout_s)
        config = dataclasses.replace(self.config, max_bytes=max(self.config.max_bytes, len(wav)))
        return process_audio(wav, "speech.wav", config=config, intro=intro, outro=outro)
