"""Process faults against a real server: SIGKILL mid-load loses no answered decision."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
from sqlalchemy import create_engine, select

from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.store.schema import decisions
from tests import samples


def _start(tmp_path: Path, artifact: Path, db: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", "0", "--model", str(artifact),
         "--database-url", db],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "SIGNUPGUARD_LOG_DECISIONS": "false"},
    )  # fmt: skip
    assert proc.stderr is not None
    port = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        msg = json.loads(line)["msg"]
        if msg.startswith("listening on"):
            port = int(msg.split(":")[1].split()[0])
        if msg.startswith("serving model"):
            return proc, port
    proc.kill()
    raise AssertionError("server did not start")


def test_sigkill_mid_load_loses_no_answered_decision(tmp_path: Path, artifact: Path) -> None:
    """Every decision a client got an answer for is in the database after a SIGKILL and a
    restart."""
    db = f"sqlite:///{tmp_path}/decisions.db"
    proc, port = _start(tmp_path, artifact, db)
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
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert proc.stderr is not None
    proc.stderr.close()

    again, _ = _start(tmp_path, artifact, db)  # replays the spool on start
    again.send_signal(signal.SIGTERM)
    assert again.wait(timeout=60) == 0
    assert again.stderr is not None
    again.stderr.close()
    engine = create_engine(db)
    with engine.connect() as conn:
        stored = {row.event_id for row in conn.execute(select(decisions.c.event_id))}
    engine.dispose()
    missing = set(answered) - stored
    assert len(answered) >= 400
    assert not missing, f"{len(missing)} of {len(answered)} answered decisions were lost"
