"""HTTP API of bulletins: categories, writing, versions and diffs, and the approval workflow (thin over service).

Errors: outside the caller's areas → 404; a role that does not allow the step → 403; a step the workflow
does not allow from the current state → 409; a wrong field → 422 with ``{"errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy.orm import Session

from source_server.accounts.service import ADMIN_ROLES, READ_ROLES, Principal, audit
from source_server.audio.dictionary.exceptions import NotFound
from source_server.audio.dictionary.service import check_text_area, entries_for
from source_server.audio.textnorm import UnspeakableText, ensure_speakable, normalize
from source_server.bulletins import jingles, onair, service
from source_server.bulletins.diff import version_diff
from source_server.bulletins.exceptions import (
    BulletinErrorCode,
    BulletinNotFound,
    InvalidBulletin,
    NotPermitted,
    TransitionRefused,
)
from source_server.bulletins.models import Bulletin, Category
from source_server.bulletins.proof import bulletin_proof, proof_scope
from source_server.bulletins.schemas import (
    Approval,
    BulletinAudioForm,
    BulletinCreate,
    BulletinDetail,
    BulletinDiff,
    BulletinPage,
    BulletinRead,
    BulletinUpdate,
    CategoryCreate,
    CategoryRead,
    ProofRead,
    Reading,
    ReadingRequest,
    ReadingWarning,
    Reason,
    SpeechPreview,
    SpeechRequest,
)
from source_server.bulletins.speech import ensure_speech, speak, submit_with_speech, upload_audio
from source_server.bulletins.workflow import WRITE_ROLES, Action, State
from source_server.deps import CurrentUser, SessionDep, SettingsDep, SignerDep, StudioDep, client_ip
from source_server.dispatch.service import media_url
from source_server.dispatch.upload import multipart_body, read_form

router = APIRouter(prefix="/bulletins")


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Domain errors as HTTP answers (nothing was changed: the request's transaction rolls back)."""
    try:
        yield
    except BulletinNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such bulletin in your area.") from exc
    except NotPermitted as exc:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"Your role does not allow this here. {exc.why}".strip()
        ) from exc
    except TransitionRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Not possible: the bulletin is {exc.state}.") from exc
    except InvalidBulletin as exc:
        params = {k: v if isinstance(v, int | float | str) else str(v) for k, v in exc.params.items()}
        detail = [{"field": exc.field, "message": exc.message, "code": exc.code.value, "params": params}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from exc


@router.get("/categories", response_model=list[CategoryRead])
def list_categories(db: SessionDep, user: CurrentUser, include_inactive: bool = False) -> list[Category]:
    """The categories (lĩnh vực) bulletins are filed under."""
    return service.categories(db, active_only=not include_inactive)


@router.put("/categories", response_model=CategoryRead)
def put_category(
    db: SessionDep, settings: SettingsDep, user: CurrentUser, body: CategoryCreate, request: Request
) -> Category:
    """Add a category or change one (province administrators)."""
    if not user.can(ADMIN_ROLES, [settings.province_code]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only a province administrator edits the categories.")
    category = db.get(Category, body.code) or Category(code=body.code)
    for name, value in body.model_dump().items():
        setattr(category, name, value)
    db.add(category)
    audit(db, actor=user.username, action="bulletin_category.saved", object_type="category", object_id=body.code,
          source_ip=client_ip(request), summary=body.name_vi, detail=body.model_dump())  # fmt: skip
    db.flush()
    return category


def _dictionary_area(db: Session, user: Principal, area: str | None) -> str | None:
    """The area whose abbreviation dictionary reads a preview: one the caller reads (404 otherwise), or None."""
    if area:
        try:
            check_text_area(db, user, area)
        except NotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such area in your areas.") from None
    return area or None


@router.post("/reading", response_model=Reading)
def reading(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: ReadingRequest) -> Reading:
    """The text as it will be read aloud (numbers, dates, abbreviations in words with the dictionary of ``area``),
    legacy encodings repaired, garbled passages flagged: what the writer checks before submitting. Changes nothing."""
    area = _dictionary_area(db, user, body.area) or settings.province_code
    result = normalize(body.text, abbreviations=entries_for(db, area))
    reason = ""
    try:
        ensure_speakable(result)
    except UnspeakableText as exc:
        reason = str(exc)
    return Reading(
        source=result.source,
        spoken=result.text,
        sentences=list(result.sentences),
        encoding=result.encoding,
        warnings=[ReadingWarning(**asdict(w)) for w in result.warnings],
        speakable=not reason,
        reason=reason,
    )


@router.get("", response_model=BulletinPage)
def list_bulletins(
    db: SessionDep,
    user: CurrentUser,
    state: Annotated[State | None, Query()] = None,
    owner_area: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Bulletins of your areas, newest first."""
    items, total = service.list_bulletins(
        db, principal=user, state=state.value if state else None, owner_area=owner_area, limit=limit, offset=offset
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/queue", response_model=list[BulletinRead])
def approval_queue(db: SessionDep, user: CurrentUser) -> list[Bulletin]:
    """Submitted bulletins waiting for your approval, oldest first."""
    return service.approval_queue(db, principal=user)


@router.post("", response_model=BulletinDetail, status_code=201)
def create_bulletin(db: SessionDep, user: CurrentUser, body: BulletinCreate, request: Request) -> Bulletin:
    """A new draft (writers of the owning area)."""
    with _domain_errors():
        return service.create(
            db, principal=user, data=service.BulletinInput(**body.model_dump()), source_ip=client_ip(request)
        )


@router.get("/{bulletin_id}", response_model=BulletinDetail)
def get_bulletin(db: SessionDep, user: CurrentUser, bulletin_id: int) -> Bulletin:
    """One bulletin with its versions and decisions."""
    with _domain_errors():
        return service.get(db, principal=user, bulletin_id=bulletin_id)


@router.patch("/{bulletin_id}", response_model=BulletinDetail)
async def update_bulletin(
    db: SessionDep, studio: StudioDep, user: CurrentUser, bulletin_id: int, body: BulletinUpdate, request: Request
) -> Bulletin:
    """Change the content (a new version; an approved bulletin goes back for approval, with new speech; an uploaded
    file is mixed again when the jingles change)."""
    with _domain_errors():
        bulletin = service.update(
            db,
            principal=user,
            bulletin_id=bulletin_id,
            changes=body.model_dump(exclude_unset=True),
            source_ip=client_ip(request),
        )
        remix = bool(bulletin.audio_source_sha256)
        if (bulletin.state != State.SUBMITTED.value and not remix) or bulletin.media_sha256:
            return bulletin
        db.commit()  # the approver must hear the new text, the writer their file with the new jingles: now
        await ensure_speech(
            studio, principal=user, bulletin_id=bulletin_id, for_action=Action.EDIT, source_ip=client_ip(request)
        )
        db.expire_all()
        return service.get(db, principal=user, bulletin_id=bulletin_id)


def _step(
    action: Callable[..., Bulletin], db: SessionDep, user: CurrentUser, bulletin_id: int, request: Request, **kw: Any
) -> Bulletin:
    with _domain_errors():
        return action(db, principal=user, bulletin_id=bulletin_id, source_ip=client_ip(request), **kw)


@router.post("/{bulletin_id}/submit", response_model=BulletinDetail)
async def submit(db: SessionDep, studio: StudioDep, user: CurrentUser, bulletin_id: int, request: Request) -> Bulletin:
    """Send it to the approver; a text-only bulletin is first given its speech, so the approver hears it."""
    with _domain_errors():
        await submit_with_speech(studio, principal=user, bulletin_id=bulletin_id, source_ip=client_ip(request))
        return service.get(db, principal=user, bulletin_id=bulletin_id)


@router.post("/{bulletin_id}/approve", response_model=BulletinDetail)
def approve(db: SessionDep, user: CurrentUser, bulletin_id: int, body: Approval, request: Request) -> Bulletin:
    """Approve the version you read (the commune leader, or the province for its own bulletins)."""
    return _step(service.approve, db, user, bulletin_id, request, version=body.version)


@router.post("/{bulletin_id}/reject", response_model=BulletinDetail)
def reject(db: SessionDep, user: CurrentUser, bulletin_id: int, body: Reason, request: Request) -> Bulletin:
    """Send it back with a reason."""
    return _step(service.reject, db, user, bulletin_id, request, reason=body.reason)


@router.post("/{bulletin_id}/send-direct", response_model=BulletinDetail)
async def send_direct(
    db: SessionDep,
    studio: StudioDep,
    signer: SignerDep,
    user: CurrentUser,
    bulletin_id: int,
    body: Reason,
    request: Request,
) -> Bulletin:
    """An authorised person puts an emergency bulletin on air now, approving it by that act (logged): its speech
    is made if needed, then one signed emergency play per targeted area interrupts whatever plays."""
    with _domain_errors():
        await onair.send_now(
            studio,
            signer=signer,
            principal=user,
            bulletin_id=bulletin_id,
            reason=body.reason,
            source_ip=client_ip(request),
        )
        return service.get(db, principal=user, bulletin_id=bulletin_id)


@router.post("/{bulletin_id}/stop", response_model=BulletinDetail)
def stop(
    db: SessionDep, settings: SettingsDep, signer: SignerDep, user: CurrentUser, bulletin_id: int, request: Request
) -> Bulletin:
    """Stop an emergency on air everywhere with one action (a signed stop to every device it was sent to)."""
    with _domain_errors():
        onair.stop(
            db, settings=settings, signer=signer, principal=user, bulletin_id=bulletin_id,
            source_ip=client_ip(request),
        )  # fmt: skip
        bulletin = service.get(db, principal=user, bulletin_id=bulletin_id)
    db.commit()  # the stops are queued before the answer says so (the commit wakes the dispatcher)
    return bulletin


@router.get("/{bulletin_id}/proof", response_model=ProofRead)
def proof(db: SessionDep, settings: SettingsDep, user: CurrentUser, bulletin_id: int) -> Any:
    """Proof of play: per commune and per command, what each device said (received … done, failed, not reached)."""
    with _domain_errors():
        service.get(db, principal=user, bulletin_id=bulletin_id)
    communes = proof_scope(user.areas_for(READ_ROLES), settings.province_code)
    return asdict(bulletin_proof(db, bulletin_id=bulletin_id, communes=communes))


@router.post("/speech-preview", response_model=SpeechPreview)
async def speech_preview(studio: StudioDep, user: CurrentUser, body: SpeechRequest) -> SpeechPreview:
    """Hear a text before submitting it: normalised, synthesised (engine fallback recorded) between the chosen
    jingles, stored by hash."""
    if not user.areas_for(WRITE_ROLES):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only bulletin writers make speech.")
    with studio.sessions() as db:
        area = _dictionary_area(db, user, body.area)
    with _domain_errors():
        with studio.sessions() as db:
            for field in jingles.SLOTS:
                jingles.check_for_preview(db, principal=user, field=field, jingle_id=getattr(body, field))
            intro, outro = jingles.sounds(db, studio.media, body.intro_jingle_id, body.outro_jingle_id)
        spoken = await speak(
            studio, text=body.text, actor=user.username, gender=body.gender, voice=body.voice, audited=True,
            intro=intro, outro=outro, area=area,
        )  # fmt: skip
    return SpeechPreview(
        url=media_url(studio.settings, spoken.sha256),
        sha256=spoken.sha256,
        duration_ms=spoken.duration_ms,
        engine=spoken.engine,
        voice=spoken.voice,
        fallbacks=spoken.record.get("fallbacks", []),
        spoken=spoken.reading.text,
    )


@router.post("/{bulletin_id}/audio", response_model=BulletinDetail, openapi_extra=multipart_body(BulletinAudioForm))
async def upload_bulletin_audio(studio: StudioDep, user: CurrentUser, bulletin_id: int, request: Request) -> Bulletin:
    """Upload or record the bulletin's audio (any common format; the pipeline levels and encodes it)."""
    form = await read_form(request, max_file_bytes=studio.settings.max_upload_bytes)
    if not form.file_data:
        missing = {
            "field": "audio",
            "message": "choose a file",
            "code": BulletinErrorCode.FILE_MISSING.value,
            "params": {},
        }
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [missing])
    with _domain_errors():
        return await upload_audio(
            studio,
            principal=user,
            bulletin_id=bulletin_id,
            data=form.file_data,
            filename=form.file_name or "upload",
            source_ip=client_ip(request),
        )


@router.post("/{bulletin_id}/cancel", response_model=BulletinDetail)
def cancel(db: SessionDep, user: CurrentUser, bulletin_id: int, body: Reason, request: Request) -> Bulletin:
    """Cancel before it is done."""
    return _step(service.cancel, db, user, bulletin_id, request, reason=body.reason)


@router.get("/{bulletin_id}/diff", response_model=BulletinDiff)
def diff(
    db: SessionDep,
    user: CurrentUser,
    bulletin_id: int,
    base: Annotated[int | None, Query(ge=1)] = None,
    head: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """What changed since the approved version (or between two versions), the text word by word."""
    with _domain_errors():
        bulletin = service.get(db, principal=user, bulletin_id=bulletin_id)
    b, h = base or bulletin.approved_version or 1, head or bulletin.version
    try:
        changes = version_diff(bulletin, base=b, head=h)
    except ValueError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such version.") from None
    return {"bulletin_id": bulletin.id, "base": b, "head": h, "changes": [asdict(c) for c in changes]}
