"""Shadow model columns on decisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A candidate model scored beside the live one leaves its version, score and action on the same
row, so ``signupguard evaluate --from-log`` compares the two on identical traffic.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the three nullable shadow columns."""
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("shadow_model_version", sa.String(64), nullable=True))
        batch.add_column(sa.Column("shadow_score", sa.Float, nullable=True))
        batch.add_column(sa.Column("shadow_action", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop the shadow columns."""
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("shadow_action")
        batch.drop_column("shadow_score")
        batch.drop_column("shadow_model_version")
