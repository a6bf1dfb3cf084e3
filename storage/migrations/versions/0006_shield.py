"""The abuse shield: sealed evidence, the spike detector's state, budget alerts, the flood check.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sender", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("channel", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
        sa.UniqueConstraint("message_id", name="uq_evidence_message_id"),
    )
    op.create_index("ix_evidence_received_at", "evidence", ["received_at"])
    op.create_index("ix_evidence_sender", "evidence", ["sender"])
    op.create_table(
        "spike_state",
        sa.Column("channel", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("inbound_per_minute", sa.Float(), nullable=False),
        sa.Column("senders_per_minute", sa.Float(), nullable=False),
        sa.Column("replies_per_minute", sa.Float(), nullable=False),
        sa.Column("episode_started_at", UTCDateTime(), nullable=True),
        sa.Column("quiet_since", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("channel", name="pk_spike_state"),
    )
    with op.batch_alter_table("budget_day") as batch:
        batch.add_column(
            sa.Column("alerted_percent", sa.Integer(), nullable=False, server_default="0")
        )
    op.drop_index("ix_message_sender", table_name="message")
    op.create_index("ix_message_sender_received_at", "message", ["sender", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_message_sender_received_at", table_name="message")
    op.create_index("ix_message_sender", "message", ["sender"])
    with op.batch_alter_table("budget_day") as batch:
        batch.drop_column("alerted_percent")
    op.drop_table("spike_state")
    op.drop_index("ix_evidence_sender", table_name="evidence")
    op.drop_index("ix_evidence_received_at", table_name="evidence")
    op.drop_table("evidence")
