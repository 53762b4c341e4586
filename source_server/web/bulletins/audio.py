"""What the bulletin pages show about audio: the bulletin's player and who or what made it, and the settings and
words the page's script needs to read a text aloud, upload a file or record one (in the page's language).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from source_server.audio.exceptions import RejectReason
from source_server.audio.tts_edge import EdgeTtsEngine
from source_server.audio.tts_espeak import EspeakNgEngine
from source_server.bulletins.exceptions import BulletinErrorCode
from source_server.bulletins.models import Bulletin
from source_server.config import Settings
from source_server.web.kit.errors import WORDS, Coded
from source_server.web.kit.errors import words as code_words
from source_server.web.kit.i18n import t
from source_server.web.kit.templating import localtime
from source_server.web.strings.bulletin_audio import CLIENT_KEYS

ENGINE_NAMES = {"espeak": "espeak-ng", "edge": "edge-tts"}
"""Engine codes (as recorded on a bulletin) → the names people know them by."""
ACCEPT = "audio/*,.mp3,.wav,.m4a,.aac,.ogg,.oga,.opus,.webm,.flac,.wma,.amr,.3gp"
"""What the file chooser offers; the pipeline decides what it can read (ffmpeg)."""
_VOICE_NOTES = {v.id: v.label for engine in (EspeakNgEngine, EdgeTtsEngine) for v in engine.voices}


def engine_name(engine: str) -> str:
    """``espeak`` → ``espeak-ng``; unknown codes as they are."""
    return ENGINE_NAMES.get(engine, engine)


def voice_label(voice: str, lang: str) -> str:
    """``vi+f3, giọng nữ miền Bắc`` (the description is in Vietnamese only: English pages show the voice id)."""
    note = _VOICE_NOTES.get(voice, "")
    for name in ENGINE_NAMES.values():
        note = note.removeprefix(f"{name}, ")
    return f"{voice}, {note}" if note and lang == "vi" else voice


@dataclass(frozen=True)
class AudioView:
    """A bulletin's audio as its pages show it: where to play it and, in words, what produced it."""

    url: str
    made_by: str
    detail: str
    synthesised: bool


def audio_view(bulletin: Bulletin, lang: str) -> AudioView | None:
    """The player's source and the line under it; None when the bulletin has no audio yet."""
    sha = bulletin.media_sha256
    if not sha:
        return None
    url = f"/media/{sha}.mp3"  # same origin as the page: no absolute media host needed in the browser
    if bulletin.tts_engine:
        made_by = t("bulletin.audio.by_tts", lang).format(
            engine=engine_name(bulletin.tts_engine), voice=voice_label(bulletin.tts_voice or "", lang)
        )
        return AudioView(url, made_by, "", True)
    first = next((v for v in bulletin.versions if v.media_sha256 == sha), None)
    detail = ""
    if first is not None:
        detail = t("bulletin.audio.upload_detail", lang).format(
            n=first.version, who=first.edited_by, at=localtime(first.at)
        )
    return AudioView(url, t("bulletin.audio.by_upload", lang), detail, False)


def client_config(settings: Settings, lang: str, *, bulletin_id: int | None = None) -> dict[str, Any]:
    """Everything ``bulletin_audio.js`` needs: limits, words, engine and voice names, the words of each error code."""
    max_mb = settings.max_upload_bytes // (1024 * 1024)
    max_minutes = settings.max_audio_seconds // 60
    words = {key.removeprefix("bulletin."): t(key, lang) for key in CLIENT_KEYS}
    codes = {code.value: code_words(Coded(code), lang) for code in BulletinErrorCode if code in WORDS}
    rejected = BulletinErrorCode.AUDIO_REJECTED
    codes |= {f"{rejected}:{r}": code_words(Coded(rejected, {"reason": r.value}), lang) for r in RejectReason}
    return {
        "bulletin": bulletin_id,
        "maxBytes": settings.max_upload_bytes,
        "maxSeconds": settings.max_audio_seconds,
        "maxMb": max_mb,
        "maxMinutes": max_minutes,
        "lang": lang,
        "t": {k: v.replace("{mb}", str(max_mb)).replace("{minutes}", str(max_minutes)) for k, v in words.items()},
        "engines": ENGINE_NAMES,
        "voices": {voice: voice_label(voice, lang) for voice in _VOICE_NOTES},
        "codes": codes,
    }
