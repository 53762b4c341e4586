"""Tables of bulletins: categories, jingles, the bulletin, every version of its content, and every decision on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    media_sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256"))
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
