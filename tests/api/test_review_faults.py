"""SIGKILL mid-load: no REVIEW answer is left without its case after a restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import grpc
from sqlalchemy import create_engine, select

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.store.schema import case_events, cases
from tests.api import processes
from tests.api.review_ops import ALL_REVIEW, unlinked_signup


def test_sigkill_mid_load_leaves_no_review_without_its_case(tmp_path: Path, artifact: Path) -> None:
    """Every REVIEW answered before a SIGKILL has its case (and its event in it) after a
    restart replays the spool."""
    db = f"sqlite:///{tmp_path}/decisions.db"
    policy = tmp_path / "policy.yaml"
    policy.write_text(ALL_REVIEW)
    args = ("--model", str(artifact), "--database-url", db, "--policy-file", str(policy))
    server = processes.start(tmp_path, *args, env={"SIGNUPGUARD_LOG_DECISIONS": "false"})
    answered: dict[str, str] = {}  # decision id -> case id
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.ScoringServiceStub(channel)
            i = 0
            while not stop.is_set() and i < 5000:
                request = unlinked_signup(k * 100_000 + i)
                request.device.device_id = f"dev-{k}-{i // 3}"  # small campaigns as we go
                try:
                    d = stub.ScoreSignup(request, timeout=5).decision
                except grpc.RpcError:
                    return  # the server died under us: never answered
                assert d.action == pb.ACTION_REVIEW
                with lock:
                    answered[d.decision_id] = d.case_id
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
        events = dict(conn.execute(select(case_events.c.decision_id, case_events.c.case_id)).all())
        opened = set(conn.execute(select(cases.c.case_id)).scalars())
    engine.dispose()
    assert len(answered) >= 400
    assert all(answered.values()), "every REVIEW answer names a case"
    missing = [d for d in answered if d not in events]
    assert not missing, f"{len(missing)} of {len(answered)} REVIEW answers have no case event"
    assert set(answered.values()) <= opened
