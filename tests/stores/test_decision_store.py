"""The decision store contract on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from service.domain import Action, Decision, EventType, Label, Outcome, Reason
from service.errors import StoreUnavailable
from service.store import DecisionRecord, SqlDecisionStore, upgrade
from service.store.codec import encode
from service.store.journal import Journal
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


def _record(event_id: str, n_features: int = 1) -> DecisionRecord:
    return DecisionRecord(_decision(event_id), [0.5] * n_features, "abc")


def _count(store: SqlDecisionStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(decisions)).scalar_one())


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """Each engine's empty database, migrated to head (as `signupguard db upgrade` does)."""
    upgrade(database_url)
    return database_url


@pytest.fixture
def store(migrated_url: str, tmp_path: Path) -> Iterator[SqlDecisionStore]:
    """An empty decision store on each engine."""
    s = SqlDecisionStore(migrated_url, batch_size=16, spool_dir=tmp_path / "spool")
    yield s
    s.close()


def test_decision_round_trip(store: SqlDecisionStore) -> None:
    """A saved decision reads back equal, reasons and all."""
    d = _decision("e1")
    store.save_decision(DecisionRecord(d, [1.0, float("nan"), 3.5], "abc"))
    assert store.flush()
    assert store.get_decision("e1") == d
    assert store.get_decision("nope") is None
    with store.engine.connect() as conn:
        row = conn.execute(select(decisions.c.features, decisions.c.spec_hash)).one()
    assert (json.loads(row.features), row.spec_hash) == ([1.0, None, 3.5], "abc")


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
    assert _count(store) == 600
    assert (store.pending(), store.spool_bytes()) == (0, 0)


def test_duplicate_event_ids_are_written_once(store: SqlDecisionStore) -> None:
    """A retried write of the same event id does not fail the batch or duplicate the row."""
    first = _decision("dup")
    store.save_decision(DecisionRecord(first, [0.0], "abc"))
    store.flush()
    store.save_decision(DecisionRecord(_decision("dup"), [0.0], "abc"))
    store.save_decision(DecisionRecord(_decision("other"), [0.0], "abc"))
    assert store.flush()
    assert _count(store) == 2
    assert store.get_decision("dup") == first


def test_outcome_is_spooled_then_stored_once(store: SqlDecisionStore) -> None:
    """An outcome is written by the writer; a second save with its outcome_id is a no-op."""
    now = time.time()
    store.save_outcome(Outcome("o1", "acct-1", Label.FRAUD, "chargeback", now, now))
    store.save_outcome(Outcome("o1", "acct-1", Label.LEGITIMATE, "retry", now, now + 1))
    assert store.flush()
    with store.engine.connect() as conn:
        row = conn.execute(select(outcomes)).one()
    assert (row.account_id, row.label, row.source) == ("acct-1", int(Label.FRAUD), "chargeback")


def test_spool_left_by_a_dead_process_is_written_on_start(
    migrated_url: str, tmp_path: Path
) -> None:
    """Decisions a dead process left in the spool are written on start, each exactly once."""
    spool = tmp_path / "spool"
    with SqlDecisionStore(migrated_url, spool_dir=spool) as first:
        first.save_decision(_record("already-written"))
        assert first.flush()
    left = Journal(spool, max_bytes=1 << 20)
    for event_id in ["already-written", "b", "c"]:
        left.append(encode(_record(event_id)))
    left.append(b"not a decision\n")
    left.append(b'{"v":1,"event_id":"torn"')  # killed mid-write: never acknowledged
    left.close()
    with SqlDecisionStore(migrated_url, spool_dir=spool) as store:
        assert store.flush(10)
        with store.engine.connect() as conn:
            ids = conn.execute(select(decisions.c.event_id)).scalars()
            assert sorted(ids) == ["already-written", "b", "c"]
    assert (spool / "rejected.jsonl").read_bytes() == b"not a decision\n"
    assert sorted(p.name for p in spool.iterdir()) == ["LOCK", "rejected.jsonl"]


def test_a_spool_has_one_owner(migrated_url: str, tmp_path: Path) -> None:
    """A second store on the same spool directory is refused while the first is open."""
    with (
        SqlDecisionStore(migrated_url, spool_dir=tmp_path / "spool"),
        pytest.raises(StoreUnavailable, match="in use"),
    ):
        SqlDecisionStore(migrated_url, spool_dir=tmp_path / "spool")


def test_a_row_the_database_refuses_is_set_aside(postgres_url: str, tmp_path: Path) -> None:
    """A decision PostgreSQL will never take goes to rejected.jsonl; the rest of its batch lands."""
    upgrade(postgres_url)
    bad = dataclasses.replace(_decision("too-long"), model_version="m" * 100)  # String(64)
    with SqlDecisionStore(postgres_url, spool_dir=tmp_path / "spool") as store:
        store.save_decision(_record("ok-1"))
        store.save_decision(DecisionRecord(bad, [0.0], "abc"))
        store.save_decision(_record("ok-2"))
        assert store.flush(10)
        assert _count(store) == 2
        assert (store.rejected(), store.database_ok()) == (1, True)
    assert b'"too-long"' in (tmp_path / "spool" / "rejected.jsonl").read_bytes()


def test_journal_keeps_save_decision_fast(store: SqlDecisionStore) -> None:
    """Spooling a full-size decision (89 features) takes well under 100 µs at the median."""
    records = [_record(f"fast-{i}", 89) for i in range(3000)]
    took = []
    for r in records:
        t0 = time.perf_counter()
        store.save_decision(r)
        took.append(time.perf_counter() - t0)
    assert statistics.median(took) < 100e-6
    assert store.flush()


def _commits(store: SqlDecisionStore) -> list[int]:
    """A list that grows by one on every transaction the store's engine commits."""
    seen: list[int] = []
    event.listen(store.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_writer_lets_a_batch_fill(migrated_url: str, tmp_path: Path) -> None:
    """Decisions arriving within the linger time go to the database in one transaction."""
    with SqlDecisionStore(migrated_url, spool_dir=tmp_path / "spool", linger_s=1.0) as store:
        commits = _commits(store)
        for i in range(40):
            store.save_decision(_record(f"linger-{i}"))
            time.sleep(0.002)
        deadline = time.monotonic() + 10
        while _count(store) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _count(store) == 40
        assert len(commits) == 1


def test_without_linger_every_wakeup_writes(migrated_url: str, tmp_path: Path) -> None:
    """With linger_s=0 the writer commits as decisions trickle in (what the linger saves)."""
    with SqlDecisionStore(migrated_url, spool_dir=tmp_path / "spool", linger_s=0.0) as store:
        commits = _commits(store)
        for i in range(40):
            store.save_decision(_record(f"eager-{i}"))
            time.sleep(0.002)
        assert store.flush(10)
        assert len(commits) > 5


def test_flush_cuts_the_linger_short(migrated_url: str, tmp_path: Path) -> None:
    """flush() writes what is spooled now instead of waiting out a long linger."""
    with SqlDecisionStore(migrated_url, spool_dir=tmp_path / "spool", linger_s=60.0) as store:
        store.save_decision(_record("hurry"))
        t0 = time.monotonic()
        assert store.flush(10)
        assert time.monotonic() - t0 < 5
        assert _count(store) == 1
