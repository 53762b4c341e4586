"""content-neutral sending: commands.content_kind/start_at/duration_ms, deliveries.device_kind, devices.capabilities

Existing play commands get their content kind, start and duration from their signed envelope (the media's
duration when the envelope cannot be read); existing deliveries get their device's kind.

Revision ID: 3a5dae333294
Revises: 94f536cb1325
Create Date: 2026-12-05 02:50:00.000000
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import source_server.db

revision = "3a5dae333294"
down_revision = "94f536cb1325"
branch_labels = None
depends_on = None

_KINDS = {"audio/": "audio", "text/": "text", "image/": "image", "video/": "video"}
_BATCH = 1000


def _body(envelope: str) -> dict[str, Any]:
    """The signed payload's body (the signature is not checked: these are our own stored envelopes)."""
    try:
        payload = json.loads(envelope)["payload"]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        body = json.loads(raw)["body"]
        return body if isinstance(body, dict) else {}
    except (ValueError, KeyError, TypeError):
        return {}


def _facts(body: dict[str, Any], media: tuple[str, int] | None) -> dict[str, Any]:
    """content_kind, start_at and duration_ms of one play."""
    stream, ref = body.get("stream"), body.get("media")
    if isinstance(stream, dict):
        kind, duration, ctype = "stream", stream.get("duration_ms"), None
    else:
        ref = ref if isinstance(ref, dict) else {}
        ctype = ref.get("content_type") or (media[0] if media else "audio/mpeg")
        duration = ref.get("duration_ms") or (media[1] if media else None)
        kind = next((k for prefix, k in _KINDS.items() if str(ctype).startswith(prefix)), "audio")
    start = body.get("start_at")
    start_at = None
    if isinstance(start, str):
        try:
            start_at = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            start_at = None
    return {"content_kind": kind, "start_at": start_at, "duration_ms": duration if isinstance(duration, int) else None}


def upgrade() -> None:
    with op.batch_alter_table("commands") as batch:
        batch.add_column(sa.Column("content_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("start_at", source_server.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("device_kind", sa.String(length=16), nullable=True))
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("capabilities", sa.String(length=200), nullable=True))

    conn = op.get_bind()
    commands = sa.table(
        "commands",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("envelope", sa.Text),
        sa.column("media_sha256", sa.String),
        sa.column("content_kind", sa.String),
        sa.column("start_at", source_server.db.UtcDateTime()),
        sa.column("duration_ms", sa.Integer),
    )
    media = sa.table('media', sa.column('sha256', sa.String), sa.column('content_type', sa.String),
                     sa.column('duration_ms', sa.Integer))  # fmt: skip
    known = {sha: (ctype, ms) for sha, ctype, ms in conn.execute(sa.select(media.c.sha256, media.c.content_type,
                                                                           media.c.duration_ms))}  # fmt: skip
    rows = conn.execute(
        sa.select(commands.c.id, commands.c.envelope, commands.c.media_sha256).where(commands.c.type == "play")
    ).all()
    update = (
        commands.update()
        .where(commands.c.id == sa.bindparam('b_id'))
        .values(content_kind=sa.bindparam('content_kind'), start_at=sa.bindparam('start_at'),
                duration_ms=sa.bindparam('duration_ms'))
    )  # fmt: skip
    for i in range(0, len(rows), _BATCH):
        values = [
            {"b_id": cid, **_facts(_body(envelope), known.get(sha) if sha else None)}
            for cid, envelope, sha in rows[i : i + _BATCH]
        ]
        conn.execute(update, values)

    conn.execute(sa.text(
        "UPDATE deliveries SET device_kind = (SELECT devices.kind FROM devices WHERE devices.id = deliveries.device_id)"
    ))  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("capabilities")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("device_kind")
    with op.batch_alter_table("commands") as batch:
        batch.drop_column("duration_ms")
        batch.drop_column("start_at")
        batch.drop_column("content_kind")
