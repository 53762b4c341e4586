"""renditions: a bulletin's content per kind of device; its audio moves into an ``audio`` rendition

Every bulletin's audio (``bulletins.media_sha256``) becomes its ``audio`` rendition with the media's type and
length; the column goes. Programme items say which rendition they play (``schedule_items.content_kind``, audio
for every existing item). The downgrade puts the audio back on the bulletin (other kinds are dropped).

Revision ID: ae97f8eeb107
Revises: 3a5dae333294
Create Date: 2026-12-05 02:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import source_server.db

revision = 'ae97f8eeb107'
down_revision = '3a5dae333294'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'renditions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('bulletin_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('media_sha256', sa.String(length=64), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', source_server.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], name=op.f('fk_renditions_bulletin_id_bulletins'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['media_sha256'], ['media.sha256'], name=op.f('fk_renditions_media_sha256_media')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renditions')),
        sa.UniqueConstraint('bulletin_id', 'kind', name=op.f('uq_renditions_bulletin_id')),
    )
    op.execute(
        "INSERT INTO renditions (bulletin_id, kind, content_type, media_sha256, url, duration_ms, created_by, created_at)"
        " SELECT b.id, 'audio', m.content_type, m.sha256, NULL, m.duration_ms, COALESCE(m.created_by, b.author),"
        " m.created_at FROM bulletins b JOIN media m ON m.sha256 = b.media_sha256"
    )
    with op.batch_alter_table('bulletins') as batch:
        batch.drop_constraint(batch.f('fk_bulletins_media_sha256_media'), type_='foreignkey')
        batch.drop_column('media_sha256')
    with op.batch_alter_table('schedule_items') as batch:
        batch.add_column(sa.Column('content_kind', sa.String(length=16), server_default='audio', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('schedule_items') as batch:
        batch.drop_column('content_kind')
    with op.batch_alter_table('bulletins') as batch:
        batch.add_column(sa.Column('media_sha256', sa.String(length=64), nullable=True))
        batch.create_foreign_key(batch.f('fk_bulletins_media_sha256_media'), 'media', ['media_sha256'], ['sha256'])
    op.execute(
        "UPDATE bulletins SET media_sha256 = (SELECT r.media_sha256 FROM renditions r"
        " WHERE r.bulletin_id = bulletins.id AND r.kind = 'audio')"
    )
    op.drop_table('renditions')
