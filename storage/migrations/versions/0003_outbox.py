"""The outbox: queued replies on their message's row, with what sending them recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("reply_due_at", UTCDateTime(), nullable=True),
    sa.Column("reply_recipient", sa.LargeBinary(), nullable=True),
    sa.Column("reply_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("reply_attempted_at", UTCDateTime(), nullable=True),
    sa.Column("reply_sent_at", UTCDateTime(), nullable=True),
    sa.Column("reply_provider_id", sqlmodel.AutoString(length=64), nullable=True),
    sa.Column("reply_error", sqlmodel.AutoString(length=64), nullable=True),
    sa.Column("reply_delivery", sqlmodel.AutoString(length=16), nullable=True),
    sa.Column("reply_price_micro", sa.BigInteger(), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        for column in COLUMNS:
            batch.add_column(column)
        batch.create_index("ix_message_reply_provider_id", ["reply_provider_id"])
        batch.create_index("ix_message_reply_status_reply_due_at", ["reply_status", "reply_due_at"])
    with op.batch_alter_table("message") as batch:
        batch.alter_column("reply_attempts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_index("ix_message_reply_status_reply_due_at")
        batch.drop_index("ix_message_reply_provider_id")
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
