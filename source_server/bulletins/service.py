"""Bulletins: write, edit (versioned), submit, approve or reject, send an emergency directly, cancel (no HTTP).

Every step checks the caller's role in the bulletin's area, moves the state only as ``workflow`` allows,
records a decision on the bulletin and an entry in the audit log, and changes nothing when it refuses.

The intro and outro jingles are content like the text: choosing them makes a new version. The audio is
made with them (``speech.py``), so a change of jingles drops audio made with the old ones: speech is made
again, an uploaded file is mixed again from its kept source. Audio given only by its hash (API) has no
source to mix, so it cannot be combined with jingles.

A bulletin's content reaches devices as **renditions** (``models.Rendition``): its audio is the ``audio``
rendition, written whenever the audio is set, replaced or dropped; other kinds (text, image, video, stream) are
added with ``add_rendition`` and taken away with ``remove_rendition``. Other domains read bulletins only through
this module, including the lookups it re-exports from ``renditions.py`` (``find``, ``find_many``,
``renditions_of``, ``rendition_for``, ``with_rendition``, ``ids_in_state``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from protocols import Capability, OriginLevel, Priority
from source_server.accounts.service import READ_ROLES, Principal, Role, audit
from source_server.audio.textnorm import UnspeakableText, ensure_speakable, normalize
from source_server.bulletins import jingles
from source_server.bulletins.exceptions import BulletinErrorCode as Code
from source_server.bulletins.exceptions import BulletinNotFound, InvalidBulletin, NotPermitted, TransitionRefused
from source_server.bulletins.models import Bulletin as Bulletin
from source_server.bulletins.models import BulletinDecision, BulletinVersion, Category
from source_server.bulletins.models import Rendition as Rendition
from source_server.bulletins.renditions import find as find
from source_server.bulletins.renditions import find_many as find_many
from source_server.bulletins.renditions import ids_in_state as ids_in_state
from source_server.bulletins.renditions import kind_of, put_audio
from source_server.bulletins.renditions import rendition_for as rendition_for
from source_server.bulletins.renditions import renditions_of as renditions_of
from source_server.bulletins.renditions import with_rendition as with_rendition
from source_server.bulletins.workflow import (
    EMERGENCY_SENDERS,
    WRITE_ROLES,
    Action,
    State,
    approver_roles,
    next_state,
)
from source_server.db import utcnow
from source_server.dispatch.service import get_media
from source_server.fleet import service as fleet

TITLE_MAX = 200
TEXT_MAX = 30_000
"""About half an hour of speech: longer texts are refused (split them into several bulletins)."""
TARGET_TYPES = ("province", "commune", "village", "group", "devices")
CONTENT_FIELDS = ("title", "category_code", "priority", "target_type", "target_codes", "text", "media_sha256",
                  "intro_jingle_id", "outro_jingle_id", "valid_from", "valid_until")  # fmt: skip
AUDIO_FIELDS = ("tts_engine", "tts_voice", "audio_source_sha256")
"""How the audio was made: set with it (speech, upload), not a writer's content."""
COLUMNS = tuple(name for name in (*CONTENT_FIELDS, *AUDIO_FIELDS) if name != "media_sha256")
"""Fields stored on the bulletin itself; ``media_sha256`` is its audio rendition's media."""
STREAM_KINDS = frozenset({Capability.STREAM.value})
"""Rendition kinds that play an address (``url``) rather than a stored file."""


@dataclass
class BulletinInput:
    """What a writer sets on a bulletin."""

    title: str
    category_code: str
    owner_area: str
    target_type: str
    target_codes: list[str]
    priority: str = Priority.NORMAL.value
    text: str = ""
    media_sha256: str | None = None
    intro_jingle_id: int | None = None
    outro_jingle_id: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    tts_engine: str | None = None
    tts_voice: str | None = None
    audio_source_sha256: str | None = None


def _path(db: Session, code: str) -> tuple[str, ...]:
    return fleet.area_path(db, code)


def _check_target(db: Session, data: BulletinInput, owner_path: tuple[str, ...]) -> None:
    """The target exists and lies inside the owning area."""
    if data.target_type not in TARGET_TYPES:
        raise InvalidBulletin(Code.TARGET_TYPE, "target_type", f"must be one of {', '.join(TARGET_TYPES)}")
    codes = list(dict.fromkeys(c.strip() for c in data.target_codes if c.strip()))
    if not codes:
        raise InvalidBulletin(Code.TARGET_NONE, "target_codes", "choose at least one target")
    data.target_codes = codes
    owner = owner_path[-1]
    if data.target_type == "devices":
        for device_id in codes:
            device = fleet.get_device(db, device_id)
            if device is None or owner not in device.area_path:
                raise InvalidBulletin(
                    Code.TARGET_DEVICE_OUTSIDE,
                    "target_codes",
                    f"device {device_id} is not in area {owner}",
                    code=device_id,
                )
        return
    if data.target_type == "group":
        if len(owner_path) != 1:
            raise InvalidBulletin(Code.TARGET_GROUP_PROVINCE_ONLY, "target_type", "only the province sends to a group")
        return
    for code in codes:
        area = fleet.get_area(db, code)
        if area is None or area.level != data.target_type:
            raise InvalidBulletin(
                Code.TARGET_UNKNOWN, "target_codes", f"{code} is not a known {data.target_type}", code=code
            )
        if not area.active:
            raise InvalidBulletin(Code.TARGET_MERGED, "target_codes", f"{code} is no longer active (merged)", code=code)
        if owner not in _path(db, code):
            raise InvalidBulletin(Code.TARGET_OUTSIDE, "target_codes", f"{code} is outside area {owner}", code=code)


def _check_content(db: Session, data: BulletinInput, *, now: datetime) -> None:
    data.title = " ".join(data.title.split())
    if not data.title:
        raise InvalidBulletin(Code.TITLE_EMPTY, "title", "the title is empty")
    if len(data.title) > TITLE_MAX:
        raise InvalidBulletin(Code.TITLE_LONG, "title", f"at most {TITLE_MAX} characters", n=TITLE_MAX)
    if len(data.text) > TEXT_MAX:
        raise InvalidBulletin(
            Code.TEXT_LONG, "text", f"at most {TEXT_MAX} characters (about half an hour of speech)", n=TEXT_MAX
        )
    if "\ufffd" in data.text or "\x00" in data.text:
        raise InvalidBulletin(
            Code.TEXT_GARBLED, "text", "the text contains undecodable characters; paste it again as Unicode"
        )
    if data.text.strip():
        data.text = normalize(data.text).source  # TCVN3 / VNI-Windows pasted as Unicode is converted here
    if data.priority not in {p.value for p in Priority}:
        raise InvalidBulletin(Code.PRIORITY_UNKNOWN, "priority", "must be normal, priority or emergency")
    category = db.get(Category, data.category_code)
    if category is None or not category.active:
        raise InvalidBulletin(Code.CATEGORY_UNKNOWN, "category_code", f"unknown category {data.category_code!r}")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        raise InvalidBulletin(Code.UNTIL_BEFORE_FROM, "valid_until", "the end of validity must come after its start")
    if data.valid_until and data.valid_until <= now:
        raise InvalidBulletin(Code.UNTIL_PAST, "valid_until", "the end of validity is already past")


def _check_jingles(db: Session, data: BulletinInput, owner: str, *, before: Bulletin | None = None) -> None:
    """Newly chosen jingles are usable by the owning area; audio given only by its hash takes no jingles."""
    for name in jingles.SLOTS:
        chosen = getattr(data, name)
        if before is None or chosen != getattr(before, name):
            jingles.check_choice(db, owner_area=owner, field=name, jingle_id=chosen)
    by_hash = data.media_sha256 and not data.tts_engine and not data.audio_source_sha256
    if by_hash and (data.intro_jingle_id or data.outro_jingle_id):
        field = "intro_jingle_id" if data.intro_jingle_id else "outro_jingle_id"
        message = "audio given by its hash cannot take jingles: upload the file to the bulletin"
        raise InvalidBulletin(Code.JINGLE_BY_HASH, field, message)


def _check_media(db: Session, data: BulletinInput) -> None:
    """Audio given by its hash is a stored audio file."""
    if data.media_sha256:
        media = get_media(db, sha256=data.media_sha256)
        if media is None:
            raise InvalidBulletin(
                Code.MEDIA_UNKNOWN, "media_sha256", f"no media {data.media_sha256} in the store; upload the file first"
            )
        if kind_of(media.content_type) != Capability.AUDIO.value:
            raise InvalidBulletin(
                Code.MEDIA_WRONG_TYPE, "media_sha256", f"media {data.media_sha256} is {media.content_type}, not audio"
            )


def _snapshot(bulletin: Bulletin, editor: str) -> BulletinVersion:
    return BulletinVersion(
        bulletin_id=bulletin.id,
        version=bulletin.version,
        edited_by=editor,
        at=bulletin.updated_at,
        **{name: getattr(bulletin, name) for name in CONTENT_FIELDS},
    )


def _decide(
    db: Session,
    bulletin: Bulletin,
    *,
    action: Action,
    actor: str,
    reason: str = "",
    source_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move the bulletin by ``action`` (TransitionRefused when the workflow forbids it), log and audit it."""
    before = State(bulletin.state)
    after = before if action is Action.CREATE else next_state(action, before)
    if after is None:
        raise TransitionRefused(action.value, before.value)
    bulletin.state = after.value
    bulletin.decisions.append(
        BulletinDecision(
            version=bulletin.version, action=action.value, from_state=before, to_state=after, actor=actor, reason=reason
        )
    )
    audit(
        db,
        actor=actor,
        action=f"bulletin.{action.value}",
        object_type="bulletin",
        object_id=str(bulletin.id),
        area_code=bulletin.owner_area,
        source_ip=source_ip,
        summary=bulletin.title[:200],
        detail={
            "version": bulletin.version,
            "from": before.value,
            "to": after.value,
            "reason": reason,
            **(detail or {}),
        },
    )


def _require(principal: Principal, roles: Collection[Role], path: tuple[str, ...], action: Action) -> None:
    if not principal.can(roles, path):
        raise NotPermitted(action.value, path[-1])


def create(db: Session, *, principal: Principal, data: BulletinInput, source_ip: str | None = None) -> Bulletin:
    """A new draft owned by ``data.owner_area`` (a commune or the province) with its first version."""
    owner = fleet.get_area(db, data.owner_area)
    if owner is None or owner.level not in ("province", "commune") or not owner.active:
        raise InvalidBulletin(
            Code.OWNER_UNKNOWN, "owner_area", f"{data.owner_area!r} is not an active province or commune"
        )
    path = _path(db, owner.code)
    _require(principal, WRITE_ROLES, path, Action.CREATE)
    now = utcnow()
    _check_content(db, data, now=now)
    _check_target(db, data, path)
    _check_jingles(db, data, owner.code)
    _check_media(db, data)
    bulletin = Bulletin(
        owner_area=owner.code,
        origin=OriginLevel.COMMUNE.value if owner.level == "commune" else OriginLevel.PROVINCE.value,
        author=principal.username,
        state=State.DRAFT.value,
        version=1,
        created_at=now,
        updated_at=now,
        **{name: getattr(data, name) for name in COLUMNS},
    )
    db.add(bulletin)
    put_audio(db, bulletin, data.media_sha256, principal.username)
    db.flush()
    bulletin.versions.append(_snapshot(bulletin, principal.username))
    _decide(db, bulletin, action=Action.CREATE, actor=principal.username, source_ip=source_ip)
    db.flush()
    return bulletin


def get(db: Session, *, principal: Principal, bulletin_id: int) -> Bulletin:
    """The bulletin if the caller may read its area; BulletinNotFound otherwise."""
    bulletin = db.get(Bulletin, bulletin_id)
    if bulletin is None or not principal.can(READ_ROLES, _path(db, bulletin.owner_area)):
        raise BulletinNotFound(bulletin_id)
    return bulletin


def update(
    db: Session,
    *,
    principal: Principal,
    bulletin_id: int,
    changes: Mapping[str, Any],
    source_ip: str | None = None,
) -> Bulletin:
    """Change the content: a new version; an approved or scheduled bulletin goes back for approval.

    Audio made for the old text or jingles is dropped (speech.ensure_speech makes it again)."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    path = _path(db, bulletin.owner_area)
    _require(principal, WRITE_ROLES, path, Action.EDIT)
    if next_state(Action.EDIT, State(bulletin.state)) is None:
        raise TransitionRefused(Action.EDIT.value, bulletin.state)
    unknown = set(changes) - set(CONTENT_FIELDS) - set(AUDIO_FIELDS)
    if unknown:
        raise InvalidBulletin(Code.READ_ONLY, sorted(unknown)[0], "cannot be changed")
    data = BulletinInput(
        owner_area=bulletin.owner_area, **{name: getattr(bulletin, name) for name in (*CONTENT_FIELDS, *AUDIO_FIELDS)}
    )
    for name, value in changes.items():
        setattr(data, name, value)
    if "media_sha256" in changes:  # new audio: it says itself how it was made (a hash alone: no source, no voice)
        for name in AUDIO_FIELDS:
            setattr(data, name, changes.get(name))
    _check_content(db, data, now=utcnow())
    _check_target(db, data, path)
    _check_jingles(db, data, bulletin.owner_area, before=bulletin)
    _check_media(db, data)
    changed = [
        f.name
        for f in fields(BulletinInput)
        if (f.name in changes or f.name in AUDIO_FIELDS) and getattr(bulletin, f.name) != getattr(data, f.name)
    ]
    if not set(changed) & set(CONTENT_FIELDS):
        return bulletin
    for name in changed:
        if name == "media_sha256":
            put_audio(db, bulletin, data.media_sha256, principal.username)
        else:
            setattr(bulletin, name, getattr(data, name))
    jingles_changed = bool(set(changed) & set(jingles.SLOTS))
    if "media_sha256" not in changed:
        if bulletin.tts_engine and ("text" in changed or jingles_changed):
            put_audio(db, bulletin, None, principal.username)  # the speech read the old text, or old jingles
            bulletin.tts_engine = bulletin.tts_voice = None
        elif bulletin.audio_source_sha256 and jingles_changed:
            put_audio(db, bulletin, None, principal.username)  # the file is mixed again with the new jingles
    bulletin.version += 1
    bulletin.updated_at = utcnow()
    bulletin.versions.append(_snapshot(bulletin, principal.username))
    shown = [name for name in changed if name in CONTENT_FIELDS]
    _decide(db, bulletin, action=Action.EDIT, actor=principal.username, source_ip=source_ip, detail={"fields": shown})
    db.flush()
    return bulletin


def precheck(db: Session, *, principal: Principal, bulletin: Bulletin, action: Action) -> None:
    """Refuse, changing nothing, what ``action`` would refuse (role, state, content): callers run it before
    slow work the step needs, such as synthesising speech. EDIT checks the role only."""
    path = _path(db, bulletin.owner_area)
    if action is Action.SEND_DIRECT:
        _require(principal, EMERGENCY_SENDERS, path, action)
        if next_state(action, State(bulletin.state)) is None:
            raise TransitionRefused(action.value, bulletin.state)
        if bulletin.priority != Priority.EMERGENCY.value:
            raise InvalidBulletin(Code.NOT_EMERGENCY, "priority", "only an emergency bulletin may skip approval")
        if not bulletin.text.strip() and not has_audio(bulletin):
            raise InvalidBulletin(Code.CONTENT_NEEDED, "text", "an emergency bulletin needs a text or an audio file")
        _check_speakable(bulletin)
        return
    _require(principal, WRITE_ROLES, path, action)
    if action is Action.SUBMIT:
        check_submittable(bulletin)


def check_submittable(bulletin: Bulletin) -> None:
    """Refuse (nothing changed) what ``submit`` would refuse: wrong state, no content, garbled text."""
    if next_state(Action.SUBMIT, State(bulletin.state)) is None:
        raise TransitionRefused(Action.SUBMIT.value, bulletin.state)
    if not bulletin.text.strip() and not has_audio(bulletin):
        raise InvalidBulletin(
            Code.CONTENT_NEEDED, "text", "a bulletin needs a text or an audio file before it is submitted"
        )
    _check_speakable(bulletin)


def has_audio(bulletin: Bulletin) -> bool:
    """True when the bulletin has its audio, or a file of its own waiting to be mixed again with new jingles."""
    return bool(bulletin.media_sha256 or bulletin.audio_source_sha256)


def _check_speakable(bulletin: Bulletin) -> None:
    """A text that will be read aloud (no recorded audio) must not be garbled: it is flagged, never read."""
    if has_audio(bulletin) or not bulletin.text.strip():
        return
    try:
        ensure_speakable(normalize(bulletin.text))
    except UnspeakableText as exc:
        raise InvalidBulletin(Code.TEXT_UNSPEAKABLE, "text", str(exc), detail=str(exc)) from None


def _attachable(db: Session, principal: Principal, bulletin_id: int, version: int, field: str) -> Bulletin:
    """The bulletin if audio made from ``version`` may become its audio now."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    _require(principal, WRITE_ROLES, _path(db, bulletin.owner_area), Action.EDIT)
    if bulletin.version != version:
        raise InvalidBulletin(Code.CHANGED_MEANWHILE, field, f"the {field} changed while its audio was made; try again")
    if State(bulletin.state) in (State.ON_AIR, State.DONE, State.CANCELLED):
        raise TransitionRefused("attach speech to", bulletin.state)
    return bulletin


def _set_audio(db: Session, bulletin: Bulletin, version: int, sha256: str, actor: str) -> None:
    put_audio(db, bulletin, sha256, actor)
    for snapshot in bulletin.versions:
        if snapshot.version == version:
            snapshot.media_sha256 = sha256


def attach_speech(
    db: Session,
    *,
    principal: Principal,
    bulletin_id: int,
    version: int,
    sha256: str,
    engine: str,
    voice: str,
    record: Mapping[str, Any],
    source_ip: str | None = None,
) -> Bulletin:
    """Speech synthesised from version ``version``'s text becomes its audio (same version; engine recorded)."""
    bulletin = _attachable(db, principal, bulletin_id, version, "text")
    _set_audio(db, bulletin, version, sha256, principal.username)
    bulletin.tts_engine, bulletin.tts_voice = engine, voice
    audit(db, actor=principal.username, action="bulletin.speech", object_type="bulletin", object_id=str(bulletin.id),
          area_code=bulletin.owner_area, source_ip=source_ip, summary=f"{engine} {voice}",
          detail={"version": version, "media": sha256, **dict(record)})  # fmt: skip
    db.flush()
    return bulletin


def attach_mix(
    db: Session, *, principal: Principal, bulletin_id: int, version: int, sha256: str, source_ip: str | None = None
) -> Bulletin:
    """The bulletin's own file, mixed again with version ``version``'s jingles, becomes its audio (same version)."""
    bulletin = _attachable(db, principal, bulletin_id, version, "jingles")
    _set_audio(db, bulletin, version, sha256, principal.username)
    audit(db, actor=principal.username, action="bulletin.remixed", object_type="bulletin", object_id=str(bulletin.id),
          area_code=bulletin.owner_area, source_ip=source_ip, summary=bulletin.title[:200],
          detail={"version": version, "media": sha256, "source": bulletin.audio_source_sha256,
                  "intro_jingle_id": bulletin.intro_jingle_id, "outro_jingle_id": bulletin.outro_jingle_id})  # fmt: skip
    db.flush()
    return bulletin


def _rendition_edit(db: Session, principal: Principal, bulletin_id: int, kind: str) -> Bulletin:
    """The bulletin if its renditions may change (as an edit may), for a change recorded as a new version."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    _require(principal, WRITE_ROLES, _path(db, bulletin.owner_area), Action.EDIT)
    if next_state(Action.EDIT, State(bulletin.state)) is None:
        raise TransitionRefused(Action.EDIT.value, bulletin.state)
    if kind not in {c.value for c in Capability}:
        raise InvalidBulletin(
            Code.RENDITION_KIND_UNKNOWN, "kind", f"must be one of {', '.join(c.value for c in Capability)}"
        )
    if kind == Capability.AUDIO.value:
        raise InvalidBulletin(
            Code.RENDITION_AUDIO_MADE, "kind", "the audio is made from the text, uploaded, or given as media_sha256"
        )
    return bulletin


def _new_version(db: Session, bulletin: Bulletin, principal: Principal, detail: dict[str, Any], ip: str | None) -> None:
    """A rendition changed: a new version, back to the approver when it was approved (what plays is approved)."""
    bulletin.version += 1
    bulletin.updated_at = utcnow()
    bulletin.versions.append(_snapshot(bulletin, principal.username))
    _decide(db, bulletin, action=Action.EDIT, actor=principal.username, source_ip=ip, detail=detail)
    db.flush()


def add_rendition(
    db: Session,
    *,
    principal: Principal,
    bulletin_id: int,
    kind: Capability | str,
    media_sha256: str | None = None,
    url: str | None = None,
    content_type: str | None = None,
    duration_ms: int | None = None,
    source_ip: str | None = None,
) -> Rendition:
    """Give the bulletin (or replace) its rendition of ``kind`` other than audio: a stored file of that kind
    (``media_sha256``; its length unless ``duration_ms`` says how long to show it) or a stream (``url`` and
    ``content_type``). A change of content like an edit: a new version, and an approved bulletin goes back to
    its approver."""
    kind = str(kind)
    bulletin = _rendition_edit(db, principal, bulletin_id, kind)
    if duration_ms is not None and duration_ms <= 0:
        raise InvalidBulletin(Code.DURATION_INVALID, "duration_ms", "a length is a positive number of milliseconds")
    if kind in STREAM_KINDS:
        if not url or not url.startswith(("http://", "https://")) or media_sha256:
            raise InvalidBulletin(
                Code.STREAM_URL_INVALID, "url", "a stream rendition is an http(s) address, not a stored file"
            )
        if not content_type:
            raise InvalidBulletin(
                Code.STREAM_TYPE_MISSING, "content_type", "say what the stream carries, e.g. audio/mpeg"
            )
        fields_ = {
            "media_sha256": None,
            "url": url[:500],
            "content_type": content_type[:64],
            "duration_ms": duration_ms,
        }
    else:
        media = get_media(db, sha256=media_sha256) if media_sha256 else None
        if media is None or url:
            raise InvalidBulletin(
                Code.MEDIA_UNKNOWN, "media_sha256", f"a {kind} rendition is a stored file: upload it first"
            )
        if kind_of(media.content_type) != kind:
            raise InvalidBulletin(
                Code.MEDIA_WRONG_TYPE, "media_sha256", f"media {media.sha256} is {media.content_type}, not {kind}"
            )
        length = duration_ms if duration_ms is not None else media.duration_ms
        if not length or length <= 0:
            raise InvalidBulletin(Code.DURATION_MISSING, "duration_ms", f"say how long the {kind} is shown")
        fields_ = {"media_sha256": media.sha256, "url": None, "content_type": media.content_type, "duration_ms": length}
    rendition = bulletin.rendition(kind)
    if rendition is None:
        rendition = Rendition(kind=kind)
        bulletin.renditions.append(rendition)
    for name, value in fields_.items():
        setattr(rendition, name, value)
    rendition.created_by, rendition.created_at = principal.username, utcnow()
    _new_version(db, bulletin, principal, {"rendition": kind, **fields_}, source_ip)
    return rendition


def remove_rendition(
    db: Session, *, principal: Principal, bulletin_id: int, kind: Capability | str, source_ip: str | None = None
) -> Bulletin:
    """Take the bulletin's rendition of ``kind`` (other than audio) away; a new version like any edit."""
    kind = str(kind)
    bulletin = _rendition_edit(db, principal, bulletin_id, kind)
    rendition = bulletin.rendition(kind)
    if rendition is None:
        return bulletin
    bulletin.renditions.remove(rendition)
    db.flush()
    _new_version(db, bulletin, principal, {"rendition": kind, "removed": True}, source_ip)
    return bulletin


def _owner_level(db: Session, bulletin: Bulletin) -> str:
    area = fleet.get_area(db, bulletin.owner_area)
    return area.level if area else "commune"


def submit(db: Session, *, principal: Principal, bulletin_id: int, source_ip: str | None = None) -> Bulletin:
    """Send a draft (or a rejected bulletin, corrected) to the approver; it must have text or audio."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    precheck(db, principal=principal, bulletin=bulletin, action=Action.SUBMIT)
    _decide(db, bulletin, action=Action.SUBMIT, actor=principal.username, source_ip=source_ip)
    db.flush()
    return bulletin


def approve(
    db: Session, *, principal: Principal, bulletin_id: int, version: int, source_ip: str | None = None
) -> Bulletin:
    """Approve exactly ``version`` (refused if it changed meanwhile); the author cannot approve their own."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    path = _path(db, bulletin.owner_area)
    _require(principal, approver_roles(_owner_level(db, bulletin)), path, Action.APPROVE)
    if principal.username == bulletin.author:
        raise NotPermitted(
            Action.APPROVE.value, bulletin.owner_area, "the author cannot approve their own bulletin", own=True
        )
    if version != bulletin.version:
        raise InvalidBulletin(
            Code.VERSION_CHANGED,
            "version",
            f"the bulletin changed (now version {bulletin.version}); review it again",
            n=bulletin.version,
        )
    _decide(db, bulletin, action=Action.APPROVE, actor=principal.username, source_ip=source_ip)
    bulletin.approved_version = bulletin.version
    db.flush()
    return bulletin


def reject(
    db: Session, *, principal: Principal, bulletin_id: int, reason: str, source_ip: str | None = None
) -> Bulletin:
    """Send it back to the writer with a reason (required)."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    _require(principal, approver_roles(_owner_level(db, bulletin)), _path(db, bulletin.owner_area), Action.REJECT)
    if not reason.strip():
        raise InvalidBulletin(Code.REASON_MISSING, "reason", "say why the bulletin is rejected")
    _decide(db, bulletin, action=Action.REJECT, actor=principal.username, reason=reason.strip(), source_ip=source_ip)
    db.flush()
    return bulletin


def send_direct(
    db: Session, *, principal: Principal, bulletin_id: int, reason: str = "", source_ip: str | None = None
) -> Bulletin:
    """An authorised person approves an emergency bulletin by sending it; logged as such."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    precheck(db, principal=principal, bulletin=bulletin, action=Action.SEND_DIRECT)
    _decide(db, bulletin, action=Action.SEND_DIRECT, actor=principal.username, reason=reason, source_ip=source_ip)
    bulletin.approved_version = bulletin.version
    db.flush()
    return bulletin


def cancel(
    db: Session, *, principal: Principal, bulletin_id: int, reason: str = "", source_ip: str | None = None
) -> Bulletin:
    """Cancel at any time before it is done (writers and approvers of the area)."""
    bulletin = get(db, principal=principal, bulletin_id=bulletin_id)
    _require(principal, WRITE_ROLES, _path(db, bulletin.owner_area), Action.CANCEL)
    _decide(db, bulletin, action=Action.CANCEL, actor=principal.username, reason=reason, source_ip=source_ip)
    db.flush()
    return bulletin


def mark(db: Session, *, bulletin: Bulletin, action: Action, actor: str, reason: str = "") -> bool:
    """Record a step another domain observed (scheduled, on air, done); False, recording nothing, when the
    workflow does not allow it from the bulletin's state or it would not change the state."""
    after = next_state(action, State(bulletin.state))
    if after is None or after.value == bulletin.state:
        return False
    _decide(db, bulletin, action=action, actor=actor, reason=reason)
    db.flush()
    return True


def list_bulletins(
    db: Session,
    *,
    principal: Principal,
    state: str | None = None,
    owner_area: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Bulletin], int]:
    """Bulletins owned by areas the caller may read, newest first, and the total."""
    areas = principal.areas_for(READ_ROLES)
    owners = set(areas) | {a.code for a in fleet.list_areas(db) if a.parent_code in areas and a.level == "commune"}
    query = select(Bulletin).where(Bulletin.owner_area.in_(sorted(owners)))
    if state:
        query = query.where(Bulletin.state == state)
    if owner_area:
        query = query.where(Bulletin.owner_area == owner_area)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Bulletin.updated_at.desc(), Bulletin.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def approval_queue(db: Session, *, principal: Principal) -> list[Bulletin]:
    """Submitted bulletins the caller may approve (not their own), oldest first."""
    items, _ = list_bulletins(db, principal=principal, state=State.SUBMITTED.value, limit=500)
    return sorted(
        (
            b
            for b in items
            if b.author != principal.username
            and principal.can(approver_roles(_owner_level(db, b)), _path(db, b.owner_area))
        ),
        key=lambda b: b.updated_at,
    )


def categories(db: Session, *, active_only: bool = True) -> list[Category]:
    """The configured categories in display order."""
    query = select(Category)
    if active_only:
        query = query.where(Category.active.is_(True))
    return list(db.scalars(query.order_by(Category.sort, Category.code)))


DEFAULT_CATEGORIES = (
    ("chinh-tri", "Chính trị, chủ trương, chính sách", "Politics and policy"),
    ("thien-tai", "Phòng, chống thiên tai", "Disaster prevention"),
    ("y-te", "Y tế, phòng chống dịch bệnh", "Health and epidemics"),
    ("an-ninh", "An ninh, trật tự", "Security and public order"),
    ("nong-nghiep", "Nông nghiệp, nông thôn", "Agriculture and rural life"),
    ("giao-duc", "Giáo dục", "Education"),
    ("van-hoa", "Văn hóa, xã hội", "Culture and society"),
    ("kinh-te", "Kinh tế, việc làm", "Economy and jobs"),
    ("chuyen-doi-so", "Chuyển đổi số", "Digital transformation"),
    ("thong-bao", "Thông báo của địa phương", "Local announcements"),
)


def seed_categories(db: Session) -> int:
    """Insert the default categories when none exist (a fresh installation); returns how many were added."""
    if db.scalar(select(func.count()).select_from(Category)):
        return 0
    for n, (code, vi, en) in enumerate(DEFAULT_CATEGORIES):
        db.add(Category(code=code, name_vi=vi, name_en=en, sort=10 * (n + 1)))
    db.flush()
    return len(DEFAULT_CATEGORIES)
