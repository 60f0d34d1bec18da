"""Process faults against a real server: SIGKILL mid-load loses no answered decision or outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc
from sqlalchemy import create_engine, select, text

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.store import upgrade
from service.store.schema import decisions, outcomes
from tests import samples
from tests.api import processes
from tests.api.conftest import Served


def test_sigkill_mid_load_loses_no_answered_decision(tmp_path: Path, artifact: Path) -> None:
    """Every decision a client got an answer for is in the database after a SIGKILL and a
    restart."""
    db = f"sqlite:///{tmp_path}/decisions.db"
    args = ("--model", str(artifact), "--database-url", db)
    server = processes.start(tmp_path, *args, env={"SIGNUPGUARD_LOG_DECISIONS": "false"})
    port = server.port
    answered: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.ScoringServiceStub(channel)
            i = 0
            while not stop.is_set() and i < 5000:
                request = samples.signup(k * 100_000 + i, ip=f"10.{k}.{i % 250}.{i % 7}")
                try:
                    d = stub.ScoreSignup(request, timeout=5).decision
                except grpc.RpcError:
                    return  # the server died under us: this one was never answered
                with lock:
                    answered.append(d.event_id)
                i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    while len(answered) < 400:
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join()

    again = processes.start(tmp_path, *args)  # replays the spool on start
    assert again.stop() == 0
    engine = create_engine(db)
    with engine.connect() as conn:
        stored = {row.event_id for row in conn.execute(select(decisions.c.event_id))}
    engine.dispose()
    missing = set(answered) - stored
    assert len(answered) >= 400
    assert not missing, f"{len(missing)} of {len(answered)} answered decisions were lost"


def test_sigkill_loses_no_acknowledged_outcome(tmp_path: Path, artifact: Path) -> None:
    """Every ReportOutcome a client got an answer for is stored after a SIGKILL and a restart,
    and a retry with the same idempotency key is the same outcome."""
    db = f"sqlite:///{tmp_path}/decisions.db"
    args = ("--model", str(artifact), "--database-url", db)
    server = processes.start(tmp_path, *args, env={"SIGNUPGUARD_LOG_DECISIONS": "false"})
    answered: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.ScoringServiceStub(channel)
            i = 0
            while not stop.is_set() and i < 5000:
                request = pb.ReportOutcomeRequest(
                    account_id=f"acct-{k}-{i}",
                    label=pb.LABEL_FRAUD,
                    source="chargeback",
                    idempotency_key=f"cb-{k}-{i}",
                )
                try:
                    outcome_id = stub.ReportOutcome(request, timeout=5).outcome_id
                except grpc.RpcError:
                    return
                with lock:
                    answered[f"{k}-{i}"] = outcome_id
                i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    while len(answered) < 400:
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join()

    again = processes.start(tmp_path, *args)
    with grpc.insecure_channel(f"127.0.0.1:{again.port}") as channel:
        retry = pb_grpc.ScoringServiceStub(channel).ReportOutcome(
            pb.ReportOutcomeRequest(
                account_id="acct-0-0",
                label=pb.LABEL_FRAUD,
                source="retry",
                idempotency_key="cb-0-0",
            ),
            timeout=5,
        )
    assert again.stop() == 0
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = {row.outcome_id: row.source for row in conn.execute(select(outcomes))}
    engine.dispose()
    assert retry.outcome_id == answered["0-0"]
    assert rows[retry.outcome_id] == "chargeback"  # the first report is the one kept
    missing = set(answered.values()) - set(rows)
    assert not missing, f"{len(missing)} of {len(answered)} acknowledged outcomes were lost"


def test_a_repeated_event_after_a_restart_is_answered_from_the_spool(
    tmp_path: Path,
    artifact: Path,
    postgres_url: str,
    serve: Callable[..., Served],
) -> None:
    """A decision still only in the spool when its process died answers a repeat of its event."""
    upgrade(postgres_url)
    spool = tmp_path / "spool"
    args = ("--model", str(artifact), "--database-url", postgres_url, "--state-url", "memory://")
    env = {"SIGNUPGUARD_SPOOL_DIR": str(spool), "SIGNUPGUARD_HASH_KEY": "k" * 32}
    requests = [samples.signup(i, ip=f"192.0.2.{i}") for i in range(20)]
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE decisions IN EXCLUSIVE MODE"))  # nothing is written
            server = processes.start(tmp_path, *args, env=env)
            with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                stub = pb_grpc.ScoringServiceStub(channel)
                first = [stub.ScoreSignup(r, timeout=5).decision for r in requests]
            server.kill()
            again = serve(database_url=postgres_url, spool_dir=spool, hash_key="k" * 32)
            repeated = [again.stub.ScoreSignup(r, timeout=5).decision for r in requests]
            assert again.components.store.pending() >= len(requests)  # still only spooled
    finally:
        engine.dispose()
    assert [d.decision_id for d in repeated] == [d.decision_id for d in first]
    assert [(d.action, d.score) for d in repeated] == [(d.action, d.score) for d in first]
