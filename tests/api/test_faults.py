"""Process faults against a real server: SIGKILL mid-load loses no answered decision."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import grpc
from sqlalchemy import create_engine, select

from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.store.schema import decisions
from tests import samples
from tests.api import processes


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
