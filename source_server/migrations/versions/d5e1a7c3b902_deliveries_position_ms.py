"""deliveries.position_ms: how far an interrupted play got

Revision ID: d5e1a7c3b902
Revises: d5a1c3e7f920
Create Date: 2026-12-04 23:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd5e1a7c3b902'
down_revision = 'd5a1c3e7f920'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('position_ms', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('position_ms')
