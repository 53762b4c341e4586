"""abbreviations: the province's and communes' own entries of the reading dictionary

Revision ID: 9c4e2d7a1b53
Revises: 3b8d1e6f2a90
Create Date: 2026-11-24 13:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import source_server.db


revision = '9c4e2d7a1b53'
down_revision = '3b8d1e6f2a90'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('abbreviations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('abbreviation', sa.String(length=32), nullable=False),
    sa.Column('reading', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', source_server.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', source_server.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_abbreviations')),
    sa.UniqueConstraint('area_code', 'abbreviation', name=op.f('uq_abbreviations_area_code'))
    )
    with op.batch_alter_table('abbreviations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_abbreviations_area_code'), ['area_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('abbreviations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_abbreviations_area_code'))

    op.drop_table('abbreviations')
