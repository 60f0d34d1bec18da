"""Decision log and outcomes on SQLAlchemy: SQLite by default, PostgreSQL by URL.

Decisions are written off the request's critical path: ``save_decision`` puts the record on a
bounded queue and returns; one writer thread inserts them in batches, one transaction a batch.
A failed batch is retried with backoff and never dropped; while records wait, ``get_decision``
still finds them (idempotent replays see their own pending decisions). Outcomes are written
synchronously, since the caller's acknowledgement means "stored".
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from service.domain import Action, Decision, EventType, Outcome, Reason
from service.errors import StoreUnavailable
from service.store.schema import decisions, metadata, outcomes

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision as logged: the answer plus the feature vector it was computed from."""

    decision: Decision
    features: Sequence[float]
    spec_hash: str


def _row(record: DecisionRecord) -> dict[str, Any]:
    d = record.decision
    return {
        "decision_id": d.decision_id,
        "event_id": d.event_id,
        "event_type": d.event_type.value,
        "account_id": d.account_id,
        "occurred_at": d.occurred_at,
        "decided_at": d.decided_at,
        "score": d.score,
        "action": int(d.action),
        "model_version": d.model_version,
        "spec_hash": record.spec_hash,
        "degraded": d.degraded,
        "reasons": json.dumps(
            [{"code": r.code, "message": r.message, "weight": r.weight} for r in d.reasons]
        ),
        "features": json.dumps([None if math.isnan(v) else v for v in record.features]),
        "case_id": d.case_id,
    }


def _decision(row: Any) -> Decision:
    return Decision(
        decision_id=row.decision_id,
        event_id=row.event_id,
        event_type=EventType(row.event_type),
        account_id=row.account_id,
        action=Action(row.action),
        score=row.score,
        reasons=tuple(Reason(**r) for r in json.loads(row.reasons)),
        model_version=row.model_version,
        degraded=bool(row.degraded),
        occurred_at=row.occurred_at,
        decided_at=row.decided_at,
        case_id=row.case_id or "",
    )


def make_engine(url: str) -> Engine:
    """Engine for a database URL; SQLite gets WAL and a created parent directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class SqlDecisionStore:
    """Decisions (asynchronous, batched) and outcomes (synchronous) in one SQL database."""

    def __init__(self, url: str, batch_size: int = 256, queue_size: int = 100_000) -> None:
        self._engine = make_engine(url)
        try:
            metadata.create_all(self._engine)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot prepare the decision store: {exc}") from exc
        dialect = self._engine.dialect.name
        self._insert_decision = (
            sqlite.insert(decisions) if dialect == "sqlite" else postgresql.insert(decisions)
        ).on_conflict_do_nothing(index_elements=["event_id"])
        self._batch_size = batch_size
        self._queue: queue.Queue[DecisionRecord | None] = queue.Queue(maxsize=queue_size)
        self._pending: dict[str, Decision] = {}
        self._pending_lock = threading.Lock()
        self._idle = threading.Condition(self._pending_lock)
        self._writer = threading.Thread(target=self._run, name="decision-writer", daemon=True)
        self._writer.start()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for exports and tests)."""
        return self._engine

    def save_decision(self, record: DecisionRecord) -> None:
        """Queue a decision for writing; blocks only when the queue is full."""
        with self._pending_lock:
            self._pending[record.decision.event_id] = record.decision
        self._queue.put(record)

    def get_decision(self, event_id: str) -> Decision | None:
        """The stored (or still pending) decision for an event id."""
        with self._pending_lock:
            pending = self._pending.get(event_id)
        if pending is not None:
            return pending
        try:
            with self._engine.connect() as conn:
                row = conn.execute(
                    select(decisions).where(decisions.c.event_id == event_id)
                ).first()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot read decisions: {exc}") from exc
        return None if row is None else _decision(row)

    def save_outcome(self, outcome: Outcome) -> None:
        """Store an outcome before returning."""
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(outcomes).values(
                        outcome_id=outcome.outcome_id,
                        account_id=outcome.account_id,
                        label=int(outcome.label),
                        source=outcome.source,
                        occurred_at=outcome.occurred_at,
                        received_at=outcome.received_at,
                    )
                )
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot store the outcome: {exc}") from exc

    def pending(self) -> int:
        """Decisions accepted but not yet committed."""
        with self._pending_lock:
            return len(self._pending)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued decision is committed; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, stop the writer and dispose of the engine."""
        self.flush(timeout)
        self._queue.put(None)
        self._writer.join(timeout)
        self._engine.dispose()

    # -- writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._batch_size:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[DecisionRecord]) -> None:
        delay = 0.05
        rows = [_row(r) for r in batch]
        while True:
            try:
                with self._engine.begin() as conn:
                    conn.execute(self._insert_decision, rows)
                break
            except SQLAlchemyError as exc:
                logger.warning("decision write failed, retrying in %.2fs: %s", delay, exc)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        with self._idle:
            for record in batch:
                self._pending.pop(record.decision.event_id, None)
            self._idle.notify_all()
