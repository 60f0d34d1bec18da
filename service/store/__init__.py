"""Decisions, outcomes and (later) review cases: SQLite by default, PostgreSQL by URL."""

from service.store.sql import DecisionRecord, SqlDecisionStore, make_engine

__all__ = ["DecisionRecord", "SqlDecisionStore", "make_engine"]
