"""Alerts for the operators, stored before they are delivered to Slack.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("slack_ts", sqlmodel.AutoString(length=32), nullable=True),
        sa.Column("posted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert"),
    )
    op.create_index("ix_alert_key_created_at", "alert", ["key", "created_at"])
    op.create_index("ix_alert_pending", "alert", ["pending"])


def downgrade() -> None:
    op.drop_index("ix_alert_pending", table_name="alert")
    op.drop_index("ix_alert_key_created_at", table_name="alert")
    op.drop_table("alert")
