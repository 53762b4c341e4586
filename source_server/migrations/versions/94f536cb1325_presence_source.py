"""device_presence.source: which presence source a device's status hangs on

Existing rows all came from the broker: the server default fills them with ``mqtt``.

Revision ID: 94f536cb1325
Revises: 6b74b6702a92
Create Date: 2026-12-05 02:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "94f536cb1325"
down_revision = "6b74b6702a92"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device_presence") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), server_default="mqtt", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("device_presence") as batch:
        batch.drop_column("source")
