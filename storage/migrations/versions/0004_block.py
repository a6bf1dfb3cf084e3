"""Blocked senders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "block",
        sa.Column("sender", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("blocked_at", UTCDateTime(), nullable=False),
        sa.Column("blocked_by", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sender", name="pk_block"),
    )


def downgrade() -> None:
    op.drop_table("block")
