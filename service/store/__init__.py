"""Decisions, outcomes and (later) review cases: SQLite by default, PostgreSQL by URL."""

from service.store.codec import DecisionRecord, ShadowVerdict
from service.store.engine import make_engine
from service.store.journal import FsyncPolicy
from service.store.migrate import current, head, upgrade
from service.store.sql import SqlDecisionStore

__all__ = [
    "DecisionRecord",
    "FsyncPolicy",
    "ShadowVerdict",
    "SqlDecisionStore",
    "current",
    "head",
    "make_engine",
    "upgrade",
]
