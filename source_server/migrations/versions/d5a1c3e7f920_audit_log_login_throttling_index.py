"""audit_log: an index for log-in throttling (one user name's entries of an action, by time)

Revision ID: d5a1c3e7f920
Revises: 9c4e2d7a1b53
Create Date: 2026-12-05 00:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = 'd5a1c3e7f920'
down_revision = '9c4e2d7a1b53'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_object_action_at', 'audit_log', ['object_id', 'action', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_object_action_at', table_name='audit_log')
