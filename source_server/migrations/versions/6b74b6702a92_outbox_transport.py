"""outbox.transport: one outbox, one lane per transport (every existing row is an MQTT publish)

Revision ID: 6b74b6702a92
Revises: d5e1a7c3b902
Create Date: 2026-12-05 02:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '6b74b6702a92'
down_revision = 'd5e1a7c3b902'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('transport', sa.String(length=32), server_default='mqtt', nullable=False))
    op.execute("UPDATE outbox SET transport = 'mqtt' WHERE transport IS NULL OR transport = ''")
    op.create_index('ix_outbox_transport_sent_at', 'outbox', ['transport', 'sent_at'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE transport <> 'mqtt'")
    op.drop_index('ix_outbox_transport_sent_at', table_name='outbox')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('transport')
