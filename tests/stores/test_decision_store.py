"""The decision store contract on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from service.domain import Action, Decision, EventType, Label, Outcome, Reason
from service.store import DecisionRecord, SqlDecisionStore
from service.store.schema import decisions, outcomes


def _decision(event_id: str, action: Action = Action.BLOCK) -> Decision:
    return Decision(
        decision_id=str(uuid.uuid4()),
        event_id=event_id,
        event_type=EventType.SIGNUP,
        account_id="acct-1",
        action=action,
        score=0.91,
        reasons=(Reason("IP_DATACENTER", "datacenter", 1.5),),
        model_version="test",
        degraded=False,
        occurred_at=1_780_000_000.0,
        decided_at=1_780_000_000.5,
    )


@pytest.fixture
def store(database_url: str) -> SqlDecisionStore:
    """An empty decision store on each engine."""
    s = SqlDecisionStore(database_url, batch_size=16)
    yield s
    s.close()


def test_decision_round_trip(store: SqlDecisionStore) -> None:
    """A saved decision reads back equal, reasons and all."""
    d = _decision("e1")
    store.save_decision(DecisionRecord(d, [1.0, float("nan"), 3.5], "abc"))
    assert store.flush()
    assert store.get_decision("e1") == d
    assert store.get_decision("nope") is None


def test_pending_decisions_are_visible_before_commit(store: SqlDecisionStore) -> None:
    """A decision queued but not yet written is still found by event id."""
    d = _decision("e-pending")
    store.save_decision(DecisionRecord(d, [0.0], "abc"))
    assert store.get_decision("e-pending") == d


def test_many_writers_lose_nothing(store: SqlDecisionStore) -> None:
    """Decisions saved concurrently from many threads are all committed exactly once."""

    def work(k: int) -> None:
        for i in range(100):
            store.save_decision(DecisionRecord(_decision(f"e{k}-{i}"), [float(i)], "abc"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.flush()
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(decisions)).scalar() == 600


def test_duplicate_event_ids_are_written_once(store: SqlDecisionStore) -> None:
    """A retried write of the same event id does not fail the batch or duplicate the row."""
    store.save_decision(DecisionRecord(_decision("dup"), [0.0], "abc"))
    store.flush()
    store.save_decision(DecisionRecord(_decision("dup"), [0.0], "abc"))
    store.save_decision(DecisionRecord(_decision("other"), [0.0], "abc"))
    assert store.flush()
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(decisions)).scalar() == 2


def test_outcome_is_stored_synchronously(store: SqlDecisionStore) -> None:
    """An outcome is in the database when save_outcome returns."""
    now = time.time()
    store.save_outcome(Outcome("o1", "acct-1", Label.FRAUD, "chargeback", now, now))
    with store.engine.connect() as conn:
        row = conn.execute(select(outcomes)).one()
    assert (row.account_id, row.label, row.source) == ("acct-1", int(Label.FRAUD), "chargeback")
