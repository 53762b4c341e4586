"""A bulletin's audio: speech synthesised from its text (normalised first), or a file the writer uploaded.

Both go through the one audio pipeline (loudness, format, the bulletin's intro and outro jingles mixed in) and
the content-addressed media store. Speech made from the text belongs to the version whose text it reads: the
version number does not change, the bulletin records which engine and voice produced it (and why earlier engines
were skipped), and editing the text or the jingles drops it. An uploaded file is content the writer chose, so it
makes a new version like any edit; its decoded source is kept losslessly, and when the jingles change it is mixed
again from that source (same version, like speech).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from source_server.accounts.service import Principal, audit
from source_server.audio.config import PipelineConfig
from source_server.audio.dictionary.service import entries_for
from source_server.audio.exceptions import AllEnginesFailed, AudioRejected, TextRejected, TtsError, describe
from source_server.audio.pipeline import Jingle, ProcessedAudio, keep_source, prepare_audio
from source_server.audio.textnorm import Normalized, UnspeakableText, ensure_speakable, normalize
from source_server.audio.tts import Gender, Speech, TtsChain
from source_server.bulletins import jingles, service
from source_server.bulletins.exceptions import BulletinErrorCode as Code
from source_server.bulletins.exceptions import InvalidBulletin
from source_server.bulletins.models import Bulletin
from source_server.bulletins.workflow import Action
from source_server.config import Settings
from source_server.dispatch.media import MediaStore
from source_server.dispatch.service import store_media


@dataclass(frozen=True)
class Studio:
    """What a bulletin's audio is made with: sessions, the media store, the speech engines, and the settings that
    bound uploads (``max_upload_bytes``, ``max_audio_seconds``) and name the province whose dictionary reads."""

    sessions: sessionmaker[Session]
    media: MediaStore
    tts: TtsChain
    settings: Settings


@dataclass(frozen=True)
class Spoken:
    """Speech for a text, stored: the media hash and duration, what spoke it, and the reading it spoke."""

    sha256: str
    duration_ms: int
    engine: str
    voice: str
    record: dict[str, Any]
    reading: Normalized


def _why(exc: TtsError) -> str:
    if isinstance(exc, AllEnginesFailed):
        tried = "; ".join(f"{a.engine} ({a.voice}): {a.error}" for a in exc.attempts)
        return f"no speech engine could read the text ({tried})"
    return str(exc)


async def speak(
    studio: Studio,
    *,
    text: str,
    actor: str,
    gender: Gender = "female",
    voice: str | None = None,
    audited: bool = False,
    area: str | None = None,
    intro: Jingle | None = None,
    outro: Jingle | None = None,
) -> Spoken:
    """Normalise ``text``, refuse it when garbled, synthesise it (engines in order) between the jingles, if any,
    and store the audio.

    ``audited``: write an audit entry for the stored speech (a preview; a bulletin's speech is audited when
    attached). ``area``: whose abbreviation dictionary reads the text (the province's without one).
    InvalidBulletin("text", …) when the text cannot or could not be spoken.
    """
    with studio.sessions() as db:
        abbreviations = entries_for(db, area or studio.settings.province_code)
    reading = normalize(text, abbreviations=abbreviations)
    try:
        ensure_speakable(reading)
    except UnspeakableText as exc:
        raise InvalidBulletin(Code.TEXT_UNSPEAKABLE, "text", str(exc), detail=str(exc)) from None
    try:
        speech: Speech = await studio.tts.speak(
            list(reading.sentences), gender=gender, voice=voice, intro=intro, outro=outro
        )
    except TextRejected as exc:
        code = Code.SPEECH_TOO_LONG if exc.reason == "too_long" else Code.TEXT_UNSPEAKABLE
        raise InvalidBulletin(code, "text", _why(exc), detail=exc.detail) from None
    except TtsError as exc:
        raise InvalidBulletin(Code.TTS_FAILED, "text", _why(exc)) from None
    except AudioRejected as exc:  # a jingle's stored source no longer decodes
        raise InvalidBulletin(Code.JINGLE_BROKEN, "intro_jingle_id", describe(exc)) from None
    with studio.sessions.begin() as db:
        store_media(db, store=studio.media, audio=speech.audio, original_name="speech.mp3", actor=actor)
        if audited:
            audit(db, actor=actor, action="media.speech", object_type="media", object_id=speech.audio.sha256,
                  summary=f"{speech.engine} {speech.voice}", detail=speech.record())  # fmt: skip
    return Spoken(speech.audio.sha256, speech.audio.duration_ms, speech.engine, speech.voice, speech.record(), reading)


def _limits(studio: Studio, size: int) -> dict[str, Any]:
    """The pipeline limits for a bulletin's audio (a kept source may be larger than an upload may be)."""
    settings = studio.settings
    return {"max_bytes": max(settings.max_upload_bytes, size), "max_seconds": settings.max_audio_seconds}


async def _mix(studio: Studio, source: bytes, intro: Jingle | None, outro: Jingle | None) -> ProcessedAudio:
    """A bulletin's own file (its kept source) between its jingles, in the device format."""
    try:
        return await asyncio.to_thread(
            prepare_audio, source, "source.flac", intro=intro, outro=outro, **_limits(studio, len(source))
        )
    except AudioRejected as exc:
        raise InvalidBulletin(Code.AUDIO_REJECTED, "audio", describe(exc), reason=str(exc.reason)) from None


async def ensure_speech(
    studio: Studio,
    *,
    principal: Principal,
    bulletin_id: int,
    for_action: Action = Action.SUBMIT,
    source_ip: str | None = None,
) -> Bulletin | None:
    """Give a bulletin its audio before ``for_action`` (submit, send directly, or an edit that sends it back to the
    approver): speech for a text-only one, its own file mixed again after its jingles changed; None when it needs
    none. Everything ``for_action`` would refuse is refused first."""
    with studio.sessions() as db:
        bulletin = service.get(db, principal=principal, bulletin_id=bulletin_id)
        service.precheck(db, principal=principal, bulletin=bulletin, action=for_action)
        source = bulletin.audio_source_sha256
        if bulletin.media_sha256 or (not source and not bulletin.text.strip()):
            return None
        text, version, area = bulletin.text, bulletin.version, bulletin.owner_area
        intro, outro = jingles.sounds(db, studio.media, bulletin.intro_jingle_id, bulletin.outro_jingle_id)
    if source:
        path = studio.media.path_for(source, "flac")
        if path is None:
            raise InvalidBulletin(
                Code.AUDIO_SOURCE_MISSING,
                "audio",
                "the bulletin's uploaded file is missing from the media store; upload it again",
            )
        audio = await _mix(studio, path.read_bytes(), intro, outro)
        with studio.sessions.begin() as db:
            store_media(db, store=studio.media, audio=audio, original_name="mixed.mp3", actor=principal.username)
            return service.attach_mix(
                db, principal=principal, bulletin_id=bulletin_id, version=version, sha256=audio.sha256,
                source_ip=source_ip,
            )  # fmt: skip
    spoken = await speak(studio, text=text, actor=principal.username, area=area, intro=intro, outro=outro)
    with studio.sessions.begin() as db:
        return service.attach_speech(
            db,
            principal=principal,
            bulletin_id=bulletin_id,
            version=version,
            sha256=spoken.sha256,
            engine=spoken.engine,
            voice=spoken.voice,
            record=spoken.record,
            source_ip=source_ip,
        )


async def upload_audio(
    studio: Studio,
    *,
    principal: Principal,
    bulletin_id: int,
    data: bytes,
    filename: str,
    source_ip: str | None = None,
) -> Bulletin:
    """Put an uploaded or recorded file through the pipeline with the bulletin's jingles and make it the bulletin's
    audio (a new version); its decoded source is kept for mixing again."""
    with studio.sessions() as db:
        bulletin = service.get(db, principal=principal, bulletin_id=bulletin_id)  # 404 before any work
        chosen = (bulletin.intro_jingle_id, bulletin.outro_jingle_id)
        intro, outro = jingles.sounds(db, studio.media, *chosen)
    limits = _limits(studio, 0)
    try:
        source = await asyncio.to_thread(
            keep_source, data, filename, config=PipelineConfig(max_bytes=limits["max_bytes"]),
            max_seconds=limits["max_seconds"],
        )  # fmt: skip
    except AudioRejected as exc:
        raise InvalidBulletin(Code.AUDIO_REJECTED, "audio", describe(exc), reason=str(exc.reason)) from None
    audio = await _mix(studio, source.data, intro, outro)
    with studio.sessions.begin() as db:
        now = service.get(db, principal=principal, bulletin_id=bulletin_id)
        if (now.intro_jingle_id, now.outro_jingle_id) != chosen:
            message = "the jingles changed while the file was processed; upload it again"
            raise InvalidBulletin(Code.CHANGED_MEANWHILE, "audio", message)
        studio.media.put_bytes(source.data, source.ext)
        store_media(db, store=studio.media, audio=audio, original_name=filename[:255], actor=principal.username)
        return service.update(
            db,
            principal=principal,
            bulletin_id=bulletin_id,
            changes={"media_sha256": audio.sha256, "audio_source_sha256": source.sha256},
            source_ip=source_ip,
        )


async def submit_with_speech(
    studio: Studio, *, principal: Principal, bulletin_id: int, source_ip: str | None = None
) -> Bulletin:
    """Synthesise a text-only bulletin's speech, then submit it (the approver hears what will play)."""
    await ensure_speech(studio, principal=principal, bulletin_id=bulletin_id, source_ip=source_ip)
    with studio.sessions.begin() as db:
        return service.submit(db, principal=principal, bulletin_id=bulletin_id, source_ip=source_ip)
