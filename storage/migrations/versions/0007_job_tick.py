"""Scheduled jobs run once per tick across replicas.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_tick",
        sa.Column("job", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("tick", sa.BigInteger(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "tick", name="pk_job_tick"),
    )


def downgrade() -> None:
    op.drop_table("job_tick")
