"""Decisions and outcomes.

Revision ID: 0001
Revises:
Create Date: 2026-05-01

The schema ``service.store.schema`` defined before migrations existed (databases created by
``metadata.create_all`` then are adopted at this revision by ``migrate.upgrade``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``decisions`` and ``outcomes`` with their indexes."""
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False, unique=True),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("occurred_at", sa.Float, nullable=False),
        sa.Column("decided_at", sa.Float, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("action", sa.Integer, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("spec_hash", sa.String(32), nullable=False),
        sa.Column("degraded", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_decisions_account", "decisions", ["account_id", "occurred_at"])
    op.create_index("ix_decisions_occurred", "decisions", ["occurred_at"])
    op.create_table(
        "outcomes",
        sa.Column("outcome_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("label", sa.Integer, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.Float, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_index("ix_outcomes_account", "outcomes", ["account_id", "occurred_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("outcomes")
    op.drop_table("decisions")
