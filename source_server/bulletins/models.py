"""Tables of bulletins: categories, jingles, the bulletin, its renditions, every version of its content, and every
decision on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from protocols import Capability
from source_server.db import Base, UtcDateTime, utcnow


class Category(Base):
    """A field (lĩnh vực) bulletins are filed under; the list is configurable by administrators."""

    __tablename__ = "bulletin_categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(Integer, default=100)


class Jingle(Base):
    """An intro or outro sound (nhạc hiệu) an area's bulletins may start or end with; kept as its lossless source."""

    __tablename__ = "jingles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    """intro | outro | any (usable as either)"""
    owner_area: Mapped[str] = mapped_column(String(32), index=True)
    """The province (its jingles serve every commune) or a commune."""
    source_sha256: Mapped[str] = mapped_column(String(64))
    """The decoded upload as FLAC in the media store (``<sha256>.flac``): what is mixed into bulletins."""
    preview_sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256"))
    """The jingle alone in the device format, to listen to on its page."""
    duration_ms: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Bulletin(Base):
    """A bulletin and its current content; ``state`` moves only through the workflow in ``workflow.py``."""

    __tablename__ = "bulletins"
    __table_args__ = (Index("ix_bulletins_area_state", "owner_area", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(ForeignKey("bulletin_categories.code"))
    origin: Mapped[str] = mapped_column(String(16))
    """central | province | commune"""
    priority: Mapped[str] = mapped_column(String(16))
    """normal | priority | emergency"""
    owner_area: Mapped[str] = mapped_column(String(32), index=True)
    """The province or commune that owns it (and whose approver decides)."""
    target_type: Mapped[str] = mapped_column(String(16))
    """province | commune | village | group | devices"""
    target_codes: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    intro_jingle_id: Mapped[int | None] = mapped_column(ForeignKey("jingles.id"))
    outro_jingle_id: Mapped[int | None] = mapped_column(ForeignKey("jingles.id"))
    audio_source_sha256: Mapped[str | None] = mapped_column(String(64))
    """An uploaded or recorded file's lossless source (FLAC in the media store): mixed again when the jingles change."""
    tts_engine: Mapped[str | None] = mapped_column(String(32))
    tts_voice: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    approved_version: Mapped[int | None] = mapped_column(Integer)
    """The version the last approval was for (kept when a later edit sends it back, for the diff)."""
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    versions: Mapped[list[BulletinVersion]] = relationship(
        cascade="all, delete-orphan", order_by="BulletinVersion.version", lazy="selectin"
    )
    decisions: Mapped[list[BulletinDecision]] = relationship(
        cascade="all, delete-orphan", order_by="BulletinDecision.id", lazy="selectin"
    )
    renditions: Mapped[list[Rendition]] = relationship(
        cascade="all, delete-orphan", order_by="Rendition.kind", lazy="selectin"
    )
    """Its content in the forms devices render (``service.renditions_of``); written only by ``service``."""

    def rendition(self, kind: Capability | str) -> Rendition | None:
        """Its rendition of ``kind``, if it has one."""
        return next((r for r in self.renditions if r.kind == kind), None)

    @property
    def media_sha256(self) -> str | None:
        """The media of its audio rendition (what loudspeakers play); None without audio. Read-only: the audio
        is set through ``service`` (speech, upload, a media hash)."""
        audio = self.rendition(Capability.AUDIO)
        return audio.media_sha256 if audio else None


class Rendition(Base):
    """One form of a bulletin a kind of device renders: ``audio`` for loudspeakers; ``text``, ``image``, ``video``
    and ``stream`` for the next channels. The bulletin stays the editorial unit (approval, validity, versions);
    each rendition has its own length, which the programme places and times. At most one of each kind."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("bulletin_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    """A ``protocols.Capability`` value: what a device must be able to render to play it."""
    content_type: Mapped[str] = mapped_column(String(64))
    media_sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256"))
    """The stored file it plays; None for a stream (``url``)."""
    url: Mapped[str | None] = mapped_column(String(500))
    """A stream's address (``kind`` stream)."""
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    """How long it plays; None when it has no length of its own (a live stream)."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BulletinVersion(Base):
    """The content of one version, frozen when it was saved (approvals and diffs refer to these)."""

    __tablename__ = "bulletin_versions"

    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    target_type: Mapped[str] = mapped_column(String(16))
    target_codes: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    intro_jingle_id: Mapped[int | None] = mapped_column(Integer)
    outro_jingle_id: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    edited_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BulletinDecision(Base):
    """One step of the workflow: who moved the bulletin from which state to which, on which version, and why."""

    __tablename__ = "bulletin_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
