"""API shapes of bulletins (kept apart from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CategoryRead(BaseModel):
    """A category (lĩnh vực)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name_vi: str
    name_en: str
    active: bool
    sort: int


class CategoryCreate(BaseModel):
    """A new category, or new names/order/activity for an existing code."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name_vi: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    active: bool = True
    sort: int = Field(default=100, ge=0, le=10_000)


class BulletinBase(BaseModel):
    """Content fields a writer sets."""

    title: str = Field(max_length=200)
    category_code: str = Field(max_length=32)
    priority: str = "normal"
    target_type: str = Field(max_length=16)
    target_codes: list[str] = Field(max_length=500)
    text: str = Field(default="", max_length=30_000)
    media_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    intro_jingle_id: int | None = Field(default=None, ge=1)
    """Played before the bulletin: a jingle of its area or of the province (``GET /jingles?area=``)."""
    outro_jingle_id: int | None = Field(default=None, ge=1)
    """Played after the bulletin."""
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class BulletinCreate(BulletinBase):
    """A new draft, owned by a commune or the province."""

    owner_area: str = Field(max_length=32)


class BulletinUpdate(BaseModel):
    """Fields to change (absent ones stay); a change makes a new version."""

    title: str | None = Field(default=None, max_length=200)
    category_code: str | None = Field(default=None, max_length=32)
    priority: str | None = None
    target_type: str | None = Field(default=None, max_length=16)
    target_codes: list[str] | None = Field(default=None, max_length=500)
    text: str | None = Field(default=None, max_length=30_000)
    media_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    intro_jingle_id: int | None = Field(default=None, ge=1)
    """null removes the intro."""
    outro_jingle_id: int | None = Field(default=None, ge=1)
    """null removes the outro."""
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class Approval(BaseModel):
    """Approve exactly this version (what the approver read)."""

    version: int = Field(ge=1)


class Reason(BaseModel):
    """A reason for a rejection, a cancellation or a direct emergency send."""

    reason: str = Field(default="", max_length=2000)


class DecisionRead(BaseModel):
    """One step of the workflow."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    action: str
    from_state: str
    to_state: str
    actor: str
    reason: str
    at: datetime


class VersionRead(BaseModel):
    """A saved version of the content."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    title: str
    category_code: str
    priority: str
    target_type: str
    target_codes: list[str]
    text: str
    media_sha256: str | None
    intro_jingle_id: int | None
    outro_jingle_id: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    edited_by: str
    at: datetime


class BulletinRead(BulletinBase):
    """A bulletin as the list shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_area: str
    origin: str
    state: str
    version: int
    approved_version: int | None
    author: str
    tts_engine: str | None
    tts_voice: str | None
    created_at: datetime
    updated_at: datetime


class RenditionRead(BaseModel):
    """One form of the bulletin a kind of device plays (``audio`` for loudspeakers)."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    content_type: str
    media_sha256: str | None
    url: str | None
    duration_ms: int | None
    created_by: str
    created_at: datetime


class BulletinDetail(BulletinRead):
    """A bulletin with its renditions, versions and decisions."""

    renditions: list[RenditionRead]
    versions: list[VersionRead]
    decisions: list[DecisionRead]


class BulletinPage(BaseModel):
    """A page of bulletins, newest first."""

    items: list[BulletinRead]
    total: int
    limit: int
    offset: int


class TextOpRead(BaseModel):
    """A run of a word-level text diff."""

    op: str
    text: str


class FieldChangeRead(BaseModel):
    """A changed field between two versions."""

    field: str
    before: object
    after: object
    text_ops: list[TextOpRead] = []


class BulletinDiff(BaseModel):
    """What changed from ``base`` to ``head``."""

    bulletin_id: int
    base: int
    head: int
    changes: list[FieldChangeRead]


class ReadingRequest(BaseModel):
    """A text to see as it will be read aloud."""

    text: str = Field(max_length=30_000)
    area: str | None = Field(default=None, max_length=32)
    """Whose abbreviation dictionary reads it (the bulletin's owner area); the province's when left out."""


class ReadingWarning(BaseModel):
    """A problem in the text; ``start``/``end`` index ``source``."""

    code: str
    message: str
    start: int
    end: int
    excerpt: str
    blocking: bool


class Reading(BaseModel):
    """How the text will be read: the repaired text to show, the spoken form, sentences and warnings."""

    source: str
    spoken: str
    sentences: list[str]
    encoding: str
    warnings: list[ReadingWarning]
    speakable: bool
    reason: str = ""


class SpeechRequest(BaseModel):
    """A text to hear as the devices will play it."""

    text: str = Field(max_length=30_000)
    gender: Literal["female", "male"] = "female"
    voice: str | None = Field(default=None, max_length=64)
    area: str | None = Field(default=None, max_length=32)
    """Whose abbreviation dictionary reads it (the bulletin's owner area); the province's when left out."""
    intro_jingle_id: int | None = Field(default=None, ge=1)
    outro_jingle_id: int | None = Field(default=None, ge=1)


class SpeechPreview(BaseModel):
    """Synthesised speech: where to fetch it, how long, and which engine and voice made it."""

    url: str
    sha256: str
    duration_ms: int
    engine: str
    voice: str
    fallbacks: list[dict[str, object]]
    spoken: str


class CommandProofRead(BaseModel):
    """One play command of the bulletin and its delivery counts."""

    command_id: str
    issued_at: datetime
    start_at: datetime | None
    target: dict[str, object]
    expired: bool
    total: int
    counts: dict[str, int]
    content_kind: str | None = None
    """What it played: audio, text, image, video or stream."""
    duration_ms: int | None = None


class ProofRead(BaseModel):
    """Proof of play: counts per delivery state overall, per commune, per device kind, and per command."""

    bulletin_id: int
    total: int
    counts: dict[str, int]
    by_commune: dict[str, dict[str, int]]
    by_kind: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Device kind (speaker, eboard; '' unknown) → counts per state."""
    commands: list[CommandProofRead]


JingleKind = Literal["intro", "outro", "any"]


class JingleUploadForm(BaseModel):
    """The multipart fields of ``POST /api/v1/jingles`` (documentation: the route reads them itself)."""

    file: bytes = Field(description="The audio, any common format, at most 30 s.")
    name: str = Field(max_length=100)
    kind: JingleKind = "any"
    owner_area: str = Field(description="Code of the area (province or commune) that owns the jingle.")


class BulletinAudioForm(BaseModel):
    """The multipart field of ``POST /api/v1/bulletins/{id}/audio`` (documentation: the route reads it itself)."""

    file: bytes = Field(description="The bulletin's audio, any common format (levelled and encoded by the server).")


class JingleRead(BaseModel):
    """A jingle (nhạc hiệu): where it may be used, how long it is, and where to listen to it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    """intro | outro | any (usable as either)"""
    owner_area: str
    duration_ms: int
    preview_sha256: str | None
    """The jingle alone in the device format: ``/media/{preview_sha256}.mp3``."""
    original_name: str
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class JingleUpdate(BaseModel):
    """Rename, change the kind, deactivate (hidden from new choices) or reactivate."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: JingleKind | None = None
    active: bool | None = None
