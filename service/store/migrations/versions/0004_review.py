"""Ops review: reviewers, cases and their events, identifier links, campaigns, verdicts, audit.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06

Cases are opened by the decision writer from the decision's own journal line (same transaction
as the decision row). Identifier links hold the state layer's keyed hashes, never raw values;
campaigns are connected components over them (service.review.campaigns).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the review tables and their indexes."""
    op.create_table(
        "reviewers",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("verdict", sa.Integer, nullable=True),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("last_event_at", sa.Float, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("max_action", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claim_expires_at", sa.Float, nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.Float, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("action_id", sa.String(36), nullable=True),
        sa.Column("merged_into", sa.String(36), nullable=True),
    )
    op.create_index("ix_cases_account", "cases", ["account_id"])
    op.create_index("ix_cases_action", "cases", ["action_id"])
    op.create_index("ix_cases_state", "cases", ["state", "opened_at"])
    op.create_table(
        "case_events",
        sa.Column("decision_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("occurred_at", sa.Float, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("action", sa.Integer, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("masked", sa.Text, nullable=False),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id", "occurred_at"])
    op.create_table(
        "identifier_links",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("key", "account_id"),
    )
    op.create_index("ix_identifier_links_account", "identifier_links", ["account_id"])
    op.create_table(
        "identifier_stats",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("anchor", sa.String(128), nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.String(32), primary_key=True),
        sa.Column("min_account", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("first_at", sa.Float, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
    )
    op.create_index("ix_campaigns_size", "campaigns", ["size"])
    op.create_table(
        "campaign_members",
        sa.Column("account_id", sa.String(128), primary_key=True),
        sa.Column("campaign_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_campaign_members_campaign", "campaign_members", ["campaign_id"])
    op.create_table(
        "account_verdicts",
        sa.Column("account_id", sa.String(128), primary_key=True),
        sa.Column("verdict", sa.Integer, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("released", sa.Boolean, nullable=False),
    )
    op.create_table(
        "review_denylist",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(36), nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_review_denylist_account", "review_denylist", ["account_id"])
    op.create_index("ix_review_denylist_source", "review_denylist", ["source"])
    op.create_table(
        "campaign_actions",
        sa.Column("action_id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("verdict", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("undone_at", sa.Float, nullable=True),
        sa.Column("undone_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "review_audit",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("account_id", sa.String(128), nullable=True),
        sa.Column("campaign_id", sa.String(32), nullable=True),
        sa.Column("action_id", sa.String(36), nullable=True),
        sa.Column("verdict", sa.Integer, nullable=True),
        sa.Column("prev_verdict", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_review_audit_account", "review_audit", ["account_id"])
    op.create_index("ix_review_audit_action", "review_audit", ["action_id"])
    op.create_index("ix_review_audit_case", "review_audit", ["case_id"])


def downgrade() -> None:
    """Drop the review tables (indexes go with them)."""
    op.drop_table("review_audit")
    op.drop_table("campaign_actions")
    op.drop_table("review_denylist")
    op.drop_table("account_verdicts")
    op.drop_table("campaign_members")
    op.drop_table("campaigns")
    op.drop_table("identifier_stats")
    op.drop_table("identifier_links")
    op.drop_table("case_events")
    op.drop_table("cases")
    op.drop_table("reviewers")
