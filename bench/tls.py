"""What TLS costs a signup backend: ScoreSignup latency over TLS vs plaintext, and handshakes.

    python -m bench.tls --n 2000 --rounds 4

Two ``signupguard serve`` processes (same model, in-memory state, SQLite), one plaintext and
one TLS with a certificate made at start (needs the dev extra's ``cryptography``). One
channel per server, reused: requests alternate between the servers in blocks of ``n / rounds``
so drift hits both alike; each request is a distinct signup, one in flight at a time. Then
``--connects`` fresh channels per server time their first call (TCP + TLS handshake + the
RPC). Prints JSON: medians (p50), p90 and p99 in microseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from tests import samples
from tests.api import certs


@contextmanager
def _server(workdir: Path, name: str, *tls: str) -> Iterator[int]:
    """A `signupguard serve` process; yields its port once it serves."""
    env = {**os.environ, "SIGNUPGUARD_LOG_DECISIONS": "false", "SIGNUPGUARD_LOG_LEVEL": "INFO"}
    command = [
        sys.executable, "-m", "service.cli", "serve", "--port", "0",
        "--database-url", f"sqlite:///{workdir / name}.db", *tls,
    ]  # fmt: skip
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env, cwd=workdir)  # noqa: S603
    assert proc.stderr is not None
    port = 0
    try:
        while line := proc.stderr.readline():
            msg = str(json.loads(line)["msg"])
            if msg.startswith("listening on"):
                port = int(msg.split(":")[1].split(maxsplit=1)[0])
            if msg.startswith("serving model"):
                break
        else:
            raise RuntimeError(f"{name} server did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        proc.stderr.close()


def _stats(samples_s: list[float]) -> dict[str, float]:
    ordered = sorted(samples_s)
    return {
        "n": len(ordered),
        "p50_us": round(statistics.median(ordered) * 1e6, 1),
        "p90_us": round(ordered[int(0.9 * (len(ordered) - 1))] * 1e6, 1),
        "p99_us": round(ordered[int(0.99 * (len(ordered) - 1))] * 1e6, 1),
    }


def _request(i: int) -> pb.ScoreSignupRequest:
    return samples.signup(10_000_000 + i, ip=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}")


def run(n: int, rounds: int, connects: int) -> dict[str, Any]:
    """Start both servers, measure, stop them."""
    with tempfile.TemporaryDirectory(prefix="sg-bench-tls-") as tmp:
        workdir = Path(tmp)
        ca = certs.authority(workdir)
        pair = certs.issue(ca, workdir, "server", server=True)
        creds = grpc.ssl_channel_credentials(root_certificates=ca.cert.read_bytes())
        tls_args = ("--tls-cert", str(pair.cert), "--tls-key", str(pair.key))
        with (
            _server(workdir, "plain") as plain_port,
            _server(workdir, "tls", *tls_args) as tls_port,
        ):

            def open_channel(kind: str) -> grpc.Channel:
                local = [("grpc.use_local_subchannel_pool", 1)]
                if kind == "plaintext":
                    return grpc.insecure_channel(f"127.0.0.1:{plain_port}", options=local)
                return grpc.secure_channel(f"127.0.0.1:{tls_port}", creds, options=local)

            kinds = ("plaintext", "tls")
            channels = {k: open_channel(k) for k in kinds}
            stubs = {k: pb_grpc.ScoringServiceStub(c) for k, c in channels.items()}
            timings: dict[str, list[float]] = {k: [] for k in kinds}
            counter = 0
            for kind in kinds:  # warm up: connection, model, code paths
                for _ in range(200):
                    stubs[kind].ScoreSignup(_request(counter), timeout=5)
                    counter += 1
            block = max(1, n // rounds)
            for _ in range(rounds):
                for kind in kinds:
                    for _ in range(block):
                        request = _request(counter)
                        counter += 1
                        t0 = time.perf_counter()
                        stubs[kind].ScoreSignup(request, timeout=5)
                        timings[kind].append(time.perf_counter() - t0)
            for channel in channels.values():
                channel.close()
            first_call: dict[str, list[float]] = {k: [] for k in kinds}
            for _ in range(connects):
                for kind in kinds:
                    request = _request(counter)
                    counter += 1
                    t0 = time.perf_counter()
                    with open_channel(kind) as channel:
                        pb_grpc.ScoringServiceStub(channel).ScoreSignup(request, timeout=5)
                        first_call[kind].append(time.perf_counter() - t0)
    return {
        "reused_connection": {k: _stats(v) for k, v in timings.items()},
        "new_connection_first_call": {k: _stats(v) for k, v in first_call.items()},
    }


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="requests per server, reused channel")
    parser.add_argument("--rounds", type=int, default=4, help="alternating blocks per server")
    parser.add_argument("--connects", type=int, default=50, help="fresh channels per server")
    args = parser.parse_args()
    print(json.dumps(run(args.n, args.rounds, args.connects), indent=2))


if __name__ == "__main__":
    main()
