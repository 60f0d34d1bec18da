"""The decision store's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("event_type", String(16), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("occurred_at", Float, nullable=False),
    Column("decided_at", Float, nullable=False),
    Column("score", Float, nullable=False),
    Column("action", Integer, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("spec_hash", String(32), nullable=False),
    Column("degraded", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of {code, message, weight}
    Column("features", Text, nullable=False),  # JSON list in spec order, null for missing
    Column("case_id", String(36), nullable=False, default=""),
    # A shadow model's verdict on the same event: logged, never acted on (0002).
    Column("shadow_model_version", String(64), nullable=True),
    Column("shadow_score", Float, nullable=True),
    Column("shadow_action", Integer, nullable=True),
    # What rules read and what they said (0003): derived signals (JSON object: domains,
    # regions, keyed hashes; never raw PII) and every live and shadow rule hit (JSON list).
    Column("signals", Text, nullable=True),
    Column("rule_hits", Text, nullable=True),
    # The feature vector again as little-endian float64 bytes (NaN kept): a backtest reads
    # 100k of them with one np.frombuffer instead of parsing 9M JSON numbers (0003).
    Column("features_f64", LargeBinary, nullable=True),
    Index("ix_decisions_account", "account_id", "occurred_at"),
    Index("ix_decisions_occurred", "occurred_at"),
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("outcome_id", String(36), primary_key=True),
    Column("account_id", String(128), nullable=False),
    Column("label", Integer, nullable=False),
    Column("source", String(64), nullable=False),
    Column("occurred_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Index("ix_outcomes_account", "account_id", "occurred_at"),
)

# Operator rules (0003): every version of every rule is kept; the newest version is the rule.
rules = Table(
    "rules",
    metadata,
    Column("rule_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("event_type", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("condition", Text, nullable=False),
    Column("action", String(16), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("author", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
)

# One row: bumped in the transaction of every rule change, polled by servers to hot-reload.
rules_revision = Table(
    "rules_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
)

# -- review (0004): reviewers, cases, identifier links, campaigns, verdicts, audit ----------------
# Identifier keys are the state layer's keyed hashes (service.hashing), never raw values.

reviewers = Table(
    "reviewers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the bearer token
    Column("created_at", Float, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("account_id", String(128), nullable=False),
    Column("state", String(16), nullable=False),  # open | claimed | resolved | merged
    Column("verdict", Integer, nullable=True),  # 1 fraud, 2 legitimate (the Label numbers)
    Column("opened_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("last_event_at", Float, nullable=False),
    Column("events", Integer, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("max_action", Integer, nullable=False),
    Column("claimed_by", String(64), nullable=True),
    Column("claim_expires_at", Float, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("resolved_at", Float, nullable=True),
    Column("note", Text, nullable=True),
    Column("action_id", String(36), nullable=True),  # the campaign verdict that resolved it
    Column("merged_into", String(36), nullable=True),  # opened beside an open case: joined it
    Index("ix_cases_state", "state", "opened_at"),
    Index("ix_cases_account", "account_id"),
    Index("ix_cases_action", "action_id"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("event_type", String(16), nullable=False),
    Column("occurred_at", Float, nullable=False),
    Column("score", Float, nullable=False),
    Column("action", Integer, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("reasons", Text, nullable=False),  # JSON, as in decisions
    Column("masked", Text, nullable=False),  # JSON {email, phone, ip, card}: masks only
    Index("ix_case_events_case", "case_id", "occurred_at"),
)

identifier_links = Table(
    "identifier_links",
    metadata,
    Column("key", String(64), nullable=False),  # keyed hash (IP /24, cells: + time bucket)
    Column("account_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # service.review.config.LINK_KINDS
    Column("at", Float, nullable=False),
    Column("rank", Integer, nullable=False),  # n-th account seen with the key (1-based)
    Column("decision_id", String(36), nullable=False),
    PrimaryKeyConstraint("key", "account_id"),
    Index("ix_identifier_links_account", "account_id"),
)

identifier_stats = Table(
    "identifier_stats",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("accounts", Integer, nullable=False),
    Column("anchor", String(128), nullable=False),  # the first account: later ones link to it
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(32), primary_key=True),  # derived from min_account
    Column("min_account", String(128), nullable=False),
    Column("size", Integer, nullable=False),
    Column("first_at", Float, nullable=False),
    Column("last_at", Float, nullable=False),
    Index("ix_campaigns_size", "size"),
)

campaign_members = Table(
    "campaign_members",
    metadata,
    Column("account_id", String(128), primary_key=True),
    Column("campaign_id", String(32), nullable=False),
    Index("ix_campaign_members_campaign", "campaign_id"),
)

account_verdicts = Table(
    "account_verdicts",
    metadata,
    Column("account_id", String(128), primary_key=True),
    Column("verdict", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("released", Boolean, nullable=False),  # LEGITIMATE: next key creation not yet used
)

review_denylist = Table(
    "review_denylist",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("source", String(36), nullable=False),  # case id or campaign action id
    Column("added_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_review_denylist_source", "source"),
    Index("ix_review_denylist_account", "account_id"),
)

# -- review allow list (0005): LEGITIMATE verdicts' identifiers, exempt from velocity -------------

review_allowlist = Table(
    "review_allowlist",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # device | card | phone | email
    Column("account_id", String(128), nullable=False),
    Column("source", String(36), nullable=False),  # the verdict's action id (undo removes it)
    Column("added_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_review_allowlist_source", "source"),
    Index("ix_review_allowlist_account", "account_id"),
    Index("ix_review_allowlist_expires", "expires_at"),
)

campaign_actions = Table(
    "campaign_actions",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("campaign_id", String(32), nullable=False),
    Column("verdict", Integer, nullable=False),
    Column("note", Text, nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("accounts", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("undone_at", Float, nullable=True),
    Column("undone_by", String(64), nullable=True),
)

review_audit = Table(
    "review_audit",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("change", String(32), nullable=False),  # claim | resolve | campaign_verdict | undo
    Column("case_id", String(36), nullable=True),
    Column("account_id", String(128), nullable=True),
    Column("campaign_id", String(32), nullable=True),
    Column("action_id", String(36), nullable=True),
    Column("verdict", Integer, nullable=True),
    Column("prev_verdict", Integer, nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_review_audit_case", "case_id"),
    Index("ix_review_audit_action", "action_id"),
    Index("ix_review_audit_account", "account_id"),
)
