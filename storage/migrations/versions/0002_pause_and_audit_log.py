"""Paused channels, and the audit log of who changed what.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pause",
        sa.Column("channel", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("paused_at", UTCDateTime(), nullable=False),
        sa.Column("paused_by", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name="pk_pause"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("pause")
