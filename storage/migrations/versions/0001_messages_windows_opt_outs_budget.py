"""Messages with their replies, reply windows, opt-outs and the daily budget.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("provider_id", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("received_at", UTC_DATETIME(), nullable=False),
        sa.Column("receiver", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("sender", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("media_count", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("outcome", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("inbound_cost_micro", sa.BigInteger(), nullable=False),
        sa.Column("reply_body", sa.Text(), nullable=True),
        sa.Column("reply_segments", sa.Integer(), nullable=True),
        sa.Column("reply_cost_micro", sa.BigInteger(), nullable=False),
        sa.Column("reply_status", sqlmodel.AutoString(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
        sa.UniqueConstraint("channel", "provider_id", name="uq_message_channel_provider_id"),
    )
    op.create_index("ix_message_received_at", "message", ["received_at"])
    op.create_index("ix_message_sender", "message", ["sender"])
    op.create_table(
        "reply_window",
        sa.Column("sender", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("opened_at", UTC_DATETIME(), nullable=False),
        sa.Column("until", UTC_DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("sender", name="pk_reply_window"),
    )
    op.create_table(
        "opt_out",
        sa.Column("number", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("since", UTC_DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_opt_out"),
    )
    op.create_table(
        "budget_day",
        sa.Column("day", sqlmodel.AutoString(length=10), nullable=False),
        sa.Column("cap_micro", sa.BigInteger(), nullable=False),
        sa.Column("spent_micro", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_budget_day"),
    )


def downgrade() -> None:
    op.drop_table("budget_day")
    op.drop_table("opt_out")
    op.drop_table("reply_window")
    op.drop_index("ix_message_sender", table_name="message")
    op.drop_index("ix_message_received_at", table_name="message")
    op.drop_table("message")
