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
