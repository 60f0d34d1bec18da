"""Operator rules, and what rules read and said on each decision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

``rules`` keeps every version of every rule; ``rules_revision`` is one counter that servers
poll to hot-reload. ``decisions.signals`` holds the derived signals a rule may read (never raw
PII) and ``decisions.rule_hits`` every live and shadow rule that matched, so a backtest replays
conditions over values as they were at decision time; ``decisions.features_f64`` is the vector
as packed float64, which a backtest reads ~20x faster than the JSON list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the two decision columns and the two rule tables."""
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("signals", sa.Text, nullable=True))
        batch.add_column(sa.Column("rule_hits", sa.Text, nullable=True))
        batch.add_column(sa.Column("features_f64", sa.LargeBinary, nullable=True))
    op.create_table(
        "rules",
        sa.Column("rule_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("condition", sa.Text, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "rules_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.bulk_insert(
        sa.table("rules_revision", sa.column("id", sa.Integer), sa.column("revision", sa.Integer)),
        [{"id": 1, "revision": 0}],
    )


def downgrade() -> None:
    """Drop the rule tables and the two decision columns."""
    op.drop_table("rules_revision")
    op.drop_table("rules")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("features_f64")
        batch.drop_column("rule_hits")
        batch.drop_column("signals")
