"""Text-to-speech settings from the environment (prefix ``NGUON_``), e.g. ``NGUON_TTS_ENGINES=edge,espeak``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["TtsSettings"]


class TtsSettings(BaseSettings):
    """Which engines speak, in which order, and how patiently."""

    model_config = SettingsConfigDict(env_prefix="NGUON_", env_file=".env", extra="ignore")

    tts_engines: str = "edge,espeak"
    """Comma-separated engine names, tried in this order: ``edge`` (online neural voices), ``espeak`` (offline)."""
    tts_edge_connect_timeout_s: float = 3.0
    """How long to wait for the edge-tts service before falling back: short, since in a closed network it never answers."""
    tts_edge_receive_timeout_s: float = 30.0
    tts_espeak_rate_wpm: int = 150
    """Speaking rate of espeak-ng; slower than its 175 default, for horns in the open."""
    tts_max_chars: int = 20_000
    """Longest text accepted (about 25 minutes of speech)."""
    tts_unavailable_cooldown_s: float = 60.0
    """An engine found unreachable is skipped this long (and the skip recorded) instead of being waited on again."""

    @property
    def engine_names(self) -> list[str]:
        """The configured engine names, in order."""
        return [n.strip().lower() for n in self.tts_engines.split(",") if n.strip()]
