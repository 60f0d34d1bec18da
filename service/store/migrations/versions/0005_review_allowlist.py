"""Review allow list: a LEGITIMATE verdict's identifiers, exempt from velocity until they expire.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

The twin of ``review_denylist``: one row per (verdict action, identifier key), keyed hashes only,
removed by undo (by ``source``). Servers hold the newest ``allow_max`` live entries in memory
(service.review.effects), so the scoring path never reads this table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the allow-list table and its indexes."""
    op.create_table(
        "review_allowlist",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(36), nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_review_allowlist_account", "review_allowlist", ["account_id"])
    op.create_index("ix_review_allowlist_source", "review_allowlist", ["source"])
    op.create_index("ix_review_allowlist_expires", "review_allowlist", ["expires_at"])


def downgrade() -> None:
    """Drop the allow-list table."""
    op.drop_table("review_allowlist")
