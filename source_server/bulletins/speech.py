"""A bulletin's audio: speech synthesised from its text (normalised first), or a file the writer uploaded.

Both go through the one audio pipeline (loudness, format) and the content-addressed media store. Speech made
from the text belongs to the version whose text it reads: the version number does not change, the bulletin
records which engine and voice produced it (and why earlier engines were skipped), and editing the text
drops it. An uploaded file is content the writer chose, so it makes a new version like any edit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from source_server.accounts.service import Principal, audit
from source_server.audio.exceptions import AllEnginesFailed, AudioRejected, TtsError, describe
from source_server.audio.pipeline import prepare_audio
from source_server.audio.textnorm import Normalized, UnspeakableText, ensure_speakable, normalize
from source_server.audio.tts import Gender, Speech
from source_server.bulletins import service
from source_server.bulletins.exceptions import InvalidBulletin
from source_server.bulletins.models import Bulletin
from source_server.bulletins.workflow import Action
from source_server.dispatch.service import store_media

if TYPE_CHECKING:
    from source_server.runtime import Runtime


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
    runtime: Runtime,
    *,
    text: str,
    actor: str,
    gender: Gender = "female",
    voice: str | None = None,
    audited: bool = False,
) -> Spoken:
    """Normalise ``text``, refuse it when garbled, synthesise it (engines in order) and store the audio.

    ``audited``: write an audit entry for the stored speech (a preview; a bulletin's speech is audited when
    attached). InvalidBulletin("text", …) when the text cannot or could not be spoken.
    """
    reading = normalize(text)
    try:
        ensure_speakable(reading)
    except UnspeakableText as exc:
        raise InvalidBulletin("text", str(exc)) from None
    try:
        speech: Speech = await runtime.tts.speak(list(reading.sentences), gender=gender, voice=voice)
    except TtsError as exc:
        raise InvalidBulletin("text", _why(exc)) from None
    with runtime.sessions.begin() as db:
        store_media(db, store=runtime.media, audio=speech.audio, original_name="speech.mp3", actor=actor)
        if audited:
            audit(db, actor=actor, action="media.speech", object_type="media", object_id=speech.audio.sha256,
                  summary=f"{speech.engine} {speech.voice}", detail=speech.record())  # fmt: skip
    return Spoken(speech.audio.sha256, speech.audio.duration_ms, speech.engine, speech.voice, speech.record(), reading)


async def ensure_speech(
    runtime: Runtime,
    *,
    principal: Principal,
    bulletin_id: int,
    for_action: Action = Action.SUBMIT,
    source_ip: str | None = None,
) -> Bulletin | None:
    """Give a text-only bulletin its speech before ``for_action`` (submit, send directly, or an edit that sends it
    back to the approver); None when it needs none. Everything ``for_action`` would refuse is refused first."""
    with runtime.sessions() as db:
        bulletin = service.get(db, principal=principal, bulletin_id=bulletin_id)
        service.precheck(db, principal=principal, bulletin=bulletin, action=for_action)
        if bulletin.media_sha256 or not bulletin.text.strip():
            return None
        text, version = bulletin.text, bulletin.version
    spoken = await speak(runtime, text=text, actor=principal.username)
    with runtime.sessions.begin() as db:
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
    runtime: Runtime,
    *,
    principal: Principal,
    bulletin_id: int,
    data: bytes,
    filename: str,
    source_ip: str | None = None,
) -> Bulletin:
    """Put an uploaded or recorded file through the pipeline and make it the bulletin's audio (a new version)."""
    settings = runtime.settings
    with runtime.sessions() as db:
        service.get(db, principal=principal, bulletin_id=bulletin_id)  # 404 before any work
    try:
        audio = await asyncio.to_thread(
            prepare_audio,
            data,
            filename,
            max_bytes=settings.max_upload_bytes,
            max_seconds=settings.max_audio_seconds,
        )
    except AudioRejected as exc:
        raise InvalidBulletin("audio", describe(exc)) from None
    with runtime.sessions.begin() as db:
        store_media(db, store=runtime.media, audio=audio, original_name=filename[:255], actor=principal.username)
        return service.update(
            db,
            principal=principal,
            bulletin_id=bulletin_id,
            changes={"media_sha256": audio.sha256},
            source_ip=source_ip,
        )


async def submit_with_speech(
    runtime: Runtime, *, principal: Principal, bulletin_id: int, source_ip: str | None = None
) -> Bulletin:
    """Synthesise a text-only bulletin's speech, then submit it (the approver hears what will play)."""
    await ensure_speech(runtime, principal=principal, bulletin_id=bulletin_id, source_ip=source_ip)
    with runtime.sessions.begin() as db:
        return service.submit(db, principal=principal, bulletin_id=bulletin_id, source_ip=source_ip)
