"""Partial indexes of threats and of budget refusals, for the spike detector.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

THREATS = sa.text("label = 'threat'")
REFUSED = sa.text("outcome = 'budget'")


def upgrade() -> None:
    op.create_index(
        "ix_message_threat_received_at",
        "message",
        ["received_at"],
        sqlite_where=THREATS,
        postgresql_where=THREATS,
    )
    op.create_index(
        "ix_message_budget_received_at",
        "message",
        ["received_at"],
        sqlite_where=REFUSED,
        postgresql_where=REFUSED,
    )


def downgrade() -> None:
    op.drop_index("ix_message_budget_received_at", table_name="message")
    op.drop_index("ix_message_threat_received_at", table_name="message")
