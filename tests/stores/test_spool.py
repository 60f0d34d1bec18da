"""The decision spool: the journal itself, a real PostgreSQL outage, and a SIGKILLed writer."""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from service.domain import Action, Decision, EventType, Label, Outcome, Reason
from service.errors import StoreUnavailable
from service.store import DecisionRecord, FsyncPolicy, SqlDecisionStore, upgrade
from service.store.journal import Journal
from service.store.schema import decisions, outcomes

# -- helpers ------------------------------------------------------------------------------------


def _record(event_id: str) -> DecisionRecord:
    decision = Decision(
        decision_id=str(uuid.uuid4()),
        event_id=event_id,
        event_type=EventType.SIGNUP,
        account_id="acct-1",
        action=Action.REVIEW,
        score=0.7,
        reasons=(Reason("IP_DATACENTER", "datacenter", 1.5),),
        model_version="test",
        degraded=False,
        occurred_at=1_780_000_000.0,
        decided_at=time.time(),
    )
    return DecisionRecord(decision, [0.5] * 89, "abc")


def _event_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(decisions.c.event_id)).scalars())
    finally:
        engine.dispose()


def _outcome(outcome_id: str) -> Outcome:
    now = time.time()
    return Outcome(outcome_id, f"acct-{outcome_id}", Label.FRAUD, "chargeback", now, now)


def _outcome_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(outcomes.c.outcome_id)).scalars())
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lines(n: int) -> list[bytes]:
    return [f"line-{i:04d}".encode() for i in range(n)]


def _drain(journal: Journal, batch: int = 7) -> list[bytes]:
    got: list[bytes] = []
    while lines := journal.read(batch, timeout=0.05):
        got += lines
        journal.commit()
    return got


# -- the journal --------------------------------------------------------------------------------


def test_lines_come_back_in_acceptance_order_and_segments_are_deleted(tmp_path: Path) -> None:
    """Lines are read in the order appended across segments; consumed segments are deleted."""
    journal = Journal(tmp_path, max_bytes=1 << 20, segment_bytes=64)
    for line in _lines(100):
        journal.append(line + b"\n")
    assert len(list(tmp_path.glob("*.jsonl"))) > 10
    assert _drain(journal) == _lines(100)
    assert (journal.records(), journal.backlog_bytes()) == (0, 0)
    assert len(list(tmp_path.glob("*.jsonl"))) == 1  # the active segment
    journal.close()
    assert [p.name for p in tmp_path.iterdir()] == ["LOCK"]


def test_an_unfinished_spool_is_replayed_in_order_by_the_next_owner(tmp_path: Path) -> None:
    """What one journal did not commit, the next one on the directory reads first, in order."""
    first = Journal(tmp_path, max_bytes=1 << 20, segment_bytes=40)
    for line in _lines(10):
        first.append(line + b"\n")
    assert first.read(4, timeout=1) == _lines(4)
    first.commit()
    first.close()
    second = Journal(tmp_path, max_bytes=1 << 20, segment_bytes=40)
    second.append(b"after\n")
    assert _drain(second) == [*_lines(10)[4:], b"after"]
    second.close()


def test_a_line_torn_by_a_kill_is_skipped(tmp_path: Path) -> None:
    """An unterminated last line (the writer died inside write) is dropped, never half-read."""
    (tmp_path / "000000000001.jsonl").write_bytes(b"a\nb\n{torn")
    journal = Journal(tmp_path, max_bytes=1 << 20)
    assert journal.records() == 2
    assert _drain(journal) == [b"a", b"b"]
    assert (journal.records(), journal.backlog_bytes()) == (0, 0)
    journal.close()


def test_a_full_spool_refuses_and_alarms(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Past 50 % and 90 % a WARNING is logged; when full, appends are refused with an ERROR."""
    journal = Journal(tmp_path, max_bytes=1000)
    line = b"x" * 99 + b"\n"
    with caplog.at_level(logging.INFO, logger="service.store.journal"):
        for _ in range(10):
            journal.append(line)
        for _ in range(3):
            with pytest.raises(StoreUnavailable, match="full"):
                journal.append(line)
        assert (journal.records(), journal.backlog_bytes()) == (10, 1000)
        _drain(journal)
        journal.append(line)
    journal.close()
    messages = [(r.levelname, r.getMessage().split(" is ", 1)[1]) for r in caplog.records]
    assert messages == [
        ("WARNING", "50% full (5 decisions not in the database yet)"),
        ("WARNING", "90% full (9 decisions not in the database yet)"),
        ("ERROR", "full (1000 bytes, 10 decisions not in the database): refusing new decisions"),
        ("INFO", "back under 90%"),
    ]


@pytest.mark.parametrize("policy", list(FsyncPolicy))
def test_every_fsync_policy_keeps_every_line(tmp_path: Path, policy: FsyncPolicy) -> None:
    """Each fsync policy appends, rotates, syncs and reads back the same lines."""
    journal = Journal(
        tmp_path, max_bytes=1 << 20, fsync=policy, segment_bytes=64, fsync_interval_s=0.01
    )
    for line in _lines(30):
        journal.append(line + b"\n")
    time.sleep(0.03)
    assert _drain(journal) == _lines(30)
    journal.close()


# -- a real PostgreSQL outage -------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free loopback port, stopped and started at will."""

    def __init__(self) -> None:
        bindir = subprocess.run(
            ["pg_config", "--bindir"], check=True, capture_output=True, text=True
        ).stdout.strip()
        self._bin = Path(bindir)
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.root = Path(tempfile.mkdtemp(prefix="signupguard-pg-"))
        if self._as:
            os.chown(self.root, pwd.getpwnam("postgres").pw_uid, -1)
        self.port = _free_port()
        self._pg("initdb", "-D", "data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self._as, str(self._bin / tool), *args],
            cwd=self.root,
            check=True,
            capture_output=True,
        )

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._pg("pg_ctl", "-D", "data", "-l", "log", "-w", "-o", options, "start")

    def stop(self) -> None:
        """Kill the server as a crash would (immediate mode: no checkpoint)."""
        self._pg("pg_ctl", "-D", "data", "-m", "immediate", "-w", "stop")

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server (if up) and delete the cluster."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL server that tests may stop and restart."""
    pg = PrivatePostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.destroy()


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_decisions_made_during_an_outage_are_all_written(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    """PostgreSQL crashes mid-load: saves never wait on it; then each decision is in it once."""
    url = private_pg.create_database("outage")
    upgrade(url)
    before = [f"before-{i}" for i in range(200)]
    during = [f"during-{i}" for i in range(1000)]
    with SqlDecisionStore(url, spool_dir=tmp_path / "spool", retry_max_s=0.2) as store:
        for event_id in before:
            store.save_decision(_record(event_id))
        assert store.flush(10)
        private_pg.stop()
        took = []
        for event_id in during:
            t0 = time.perf_counter()
            store.save_decision(_record(event_id))
            took.append(time.perf_counter() - t0)
        assert _wait_for(lambda: not store.database_ok())
        assert store.pending() == len(during)
        assert store.get_decision("during-0") is not None  # spooled decisions stay visible
        with pytest.raises(StoreUnavailable):
            store.get_decision("before-0")
        private_pg.start()
        assert store.flush(20)
        assert store.database_ok()
    ids = _event_ids(url)
    assert len(ids) == len(set(ids)) == len(before) + len(during)
    assert set(ids) == {*before, *during}
    # Saves never wait on the dead database (a connection attempt, a retry's back-off): bounds
    # loose enough for a loaded CI machine; how fast a save is belongs to `make bench`.
    assert statistics.median(took) < 1e-3, statistics.median(took)
    assert max(took) < 0.25, max(took)


def test_outcomes_reported_during_an_outage_are_all_written(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    """PostgreSQL crashes: outcomes are still accepted (spooled) and all land once it is back,
    a retried outcome_id once."""
    url = private_pg.create_database("outcome_outage")
    upgrade(url)
    with SqlDecisionStore(url, spool_dir=tmp_path / "spool", retry_max_s=0.2) as store:
        store.save_outcome(_outcome("before"))
        assert store.flush(10)
        private_pg.stop()
        try:
            during = [f"during-{i}" for i in range(300)]
            for outcome_id in during:
                store.save_outcome(_outcome(outcome_id))
                store.save_decision(_record(f"with-{outcome_id}"))
            store.save_outcome(_outcome("during-0"))  # a client's retry
            assert _wait_for(lambda: not store.database_ok())
            assert store.pending() == 2 * len(during) + 1
        finally:
            private_pg.start()
        assert store.flush(20)
    ids = _outcome_ids(url)
    assert sorted(ids) == sorted(["before", *during])
    assert len(_event_ids(url)) == len(during)


def test_a_store_started_while_postgres_is_down_spools_until_it_returns(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    """Nobody listens on the port at start: construction succeeds, decisions spool, then land."""
    url = private_pg.create_database("cold")
    upgrade(url)
    private_pg.stop()
    try:
        store = SqlDecisionStore(url, spool_dir=tmp_path / "spool", retry_max_s=0.2)
        assert not store.database_ok()
        for i in range(300):
            store.save_decision(_record(f"cold-{i}"))
    finally:
        private_pg.start()
    assert store.flush(20)
    store.close()
    assert sorted(_event_ids(url)) == sorted(f"cold-{i}" for i in range(300))


def test_a_schema_behind_head_holds_decisions_until_upgraded(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    """An unmigrated database back from an outage gets nothing, loses nothing, until upgraded."""
    url = private_pg.create_database("unmigrated")
    private_pg.stop()
    try:
        store = SqlDecisionStore(url, spool_dir=tmp_path / "spool", retry_max_s=0.1)
        for i in range(50):
            store.save_decision(_record(f"wait-{i}"))
    finally:
        private_pg.start()
    time.sleep(0.5)
    assert (store.pending(), store.database_ok()) == (50, False)
    upgrade(url)
    assert store.flush(10)
    store.close()
    assert len(_event_ids(url)) == 50


def test_a_full_spool_refuses_and_keeps_what_it_accepted(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A spool filled during an outage alarms and refuses, yet a later store writes all it took."""
    down = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/nobody"
    spool = tmp_path / "spool"
    accepted: list[str] = []
    with caplog.at_level(logging.WARNING, logger="service.store"):
        store = SqlDecisionStore(down, spool_dir=spool, spool_max_bytes=64_000)
        with pytest.raises(StoreUnavailable, match="spool is full"):  # noqa: PT012 - fill it up
            for i in range(1000):
                store.save_decision(_record(f"full-{i}"))
                accepted.append(f"full-{i}")
        assert store.pending() == len(accepted) > 0
        assert 0.9 * 64_000 < store.spool_bytes() <= 64_000
        store.close(timeout=0.1)
    alarms = [r.getMessage() for r in caplog.records if r.name == "service.store.journal"]
    assert any("50% full" in m for m in alarms)
    assert any("90% full" in m for m in alarms)
    assert any("refusing new decisions" in m for m in alarms)
    upgrade(postgres_url)
    with SqlDecisionStore(postgres_url, spool_dir=spool) as store:
        assert store.flush(10)
    assert sorted(_event_ids(postgres_url)) == sorted(accepted)


# -- SIGKILL --------------------------------------------------------------------------------------

CHILD = """
import sys, time, uuid
from service.domain import Action, Decision, EventType, Reason
from service.store import DecisionRecord, SqlDecisionStore

store = SqlDecisionStore(sys.argv[1], spool_dir=sys.argv[2])
print("ready", flush=True)
i = 0
while True:
    d = Decision(str(uuid.uuid4()), f"k-{i}", EventType.SIGNUP, "a", Action.ALLOW, 0.1,
                 (Reason("R", "r", 1.0),), "m", False, time.time(), time.time())
    store.save_decision(DecisionRecord(d, [0.5] * 89, "h"))
    print(d.event_id, flush=True)  # answered
    i += 1
"""


CHILD_OUTCOMES = """
import sys, time
from service.domain import Label, Outcome
from service.store import SqlDecisionStore

store = SqlDecisionStore(sys.argv[1], spool_dir=sys.argv[2])
print("ready", flush=True)
i = 0
while True:
    store.save_outcome(Outcome(f"o-{i}", "a", Label.FRAUD, "chargeback", time.time(), time.time()))
    print(f"o-{i}", flush=True)  # answered
    i += 1
"""


@contextlib.contextmanager
def _writes_blocked(url: str) -> Iterator[None]:
    """Hold the lock a writer of the decisions table needs, until the block exits."""
    if url.startswith("sqlite"):
        lite = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE decisions, outcomes IN EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def _url(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated database of the engine: SQLite in tmp_path, or the test PostgreSQL."""
    url = (
        f"sqlite:///{tmp_path}/d.db"
        if engine == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    upgrade(url)
    return url


def _answered_then_killed(script: str, url: str, spool: Path, cwd: Path) -> list[str]:
    """Run ``script`` (it prints "ready", then one id per acknowledged write) as a child; read
    300 acknowledgements while the database refuses writes (they exist only in the spool) and
    300 more once it accepts them, then SIGKILL it. Every id it acknowledged, in order."""
    answered: list[str] = []
    child = subprocess.Popen(
        [sys.executable, "-c", script, url, str(spool)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline() == "ready\n"
        with _writes_blocked(url):  # the writer is stuck: answers exist only in the spool
            answered += [child.stdout.readline().strip() for _ in range(300)]
        answered += [child.stdout.readline().strip() for _ in range(300)]  # the writer catches up
    finally:
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=10)
    return answered + rest.split()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_no_answered_decision_is_lost_to_sigkill(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A process SIGKILLed mid-load loses no decision it answered: the next store writes them."""
    url = _url(engine, tmp_path, request)
    spool = tmp_path / "spool"
    answered = _answered_then_killed(CHILD, url, spool, tmp_path)
    in_db_at_kill = len(_event_ids(url))
    with SqlDecisionStore(url, spool_dir=spool) as store:
        assert store.flush(20)
    found = set(_event_ids(url))
    assert in_db_at_kill < len(answered)
    assert not set(answered) - found, f"{len(set(answered) - found)} of {len(answered)} lost"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_no_answered_outcome_is_lost_to_sigkill(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Outcomes acknowledged by a process SIGKILLed mid-load are written by the next store."""
    url = _url(engine, tmp_path, request)
    spool = tmp_path / "spool"
    answered = _answered_then_killed(CHILD_OUTCOMES, url, spool, tmp_path)
    in_db_at_kill = len(_outcome_ids(url))
    with SqlDecisionStore(url, spool_dir=spool) as store:
        assert store.flush(20)
    found = _outcome_ids(url)
    assert in_db_at_kill < len(answered)
    assert len(found) == len(set(found))
    assert not set(answered) - set(found), f"{len(set(answered) - set(found))} lost"


def test_no_thread_is_left_behind(tmp_path: Path) -> None:
    """Closing a store stops its writer (and a batch-fsync syncer) promptly."""
    before = threading.active_count()
    t0 = time.monotonic()
    with SqlDecisionStore(f"sqlite:///{tmp_path}/d.db", fsync="batch") as store:
        store.save_decision(_record("one"))
    assert time.monotonic() - t0 < 2
    assert threading.active_count() == before
