"""Building the TTS chain from settings: engine names to engines, in the configured order."""

from __future__ import annotations

from collections.abc import Callable

from source_server.audio.config import DEFAULT_CONFIG, PipelineConfig
from source_server.audio.tts import TtsChain, TtsEngine
from source_server.audio.tts_edge import EdgeTtsEngine
from source_server.audio.tts_espeak import EspeakNgEngine
from source_server.config import Settings

__all__ = ["ENGINES", "build_chain"]

ENGINES: dict[str, Callable[[Settings], TtsEngine]] = {
    "edge": lambda s: EdgeTtsEngine(
        connect_timeout_s=s.tts_edge_connect_timeout_s, receive_timeout_s=s.tts_edge_receive_timeout_s
    ),
    "espeak": lambda s: EspeakNgEngine(rate_wpm=s.tts_espeak_rate_wpm),
}


def build_chain(settings: Settings | None = None, *, config: PipelineConfig = DEFAULT_CONFIG) -> TtsChain:
    """The chain ``NGUON_TTS_ENGINES`` asks for (``settings``, default: from the environment); ValueError naming the
    known engines for an unknown one."""
    settings = settings or Settings()
    names = settings.tts_engine_names
    unknown = [n for n in names if n not in ENGINES]
    if unknown or not names:
        raise ValueError(f"unknown TTS engine(s) {unknown or names!r} in NGUON_TTS_ENGINES; known: {sorted(ENGINES)}")
    return TtsChain(
        [ENGINES[n](settings) for n in names],
        config=config,
        max_chars=settings.tts_max_chars,
        cooldown_s=settings.tts_unavailable_cooldown_s,
    )
