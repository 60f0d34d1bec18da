"""Tests of the build tooling: generated stubs, the health-check script and the CI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
GEN = Path("service/api/gen")


def _tree(base: Path) -> dict[str, bytes]:
    """Map each file under base (bytecode caches aside) to its contents."""
    return {
        path.relative_to(base).as_posix(): path.read_bytes()
        for path in base.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_generated_stubs_match_the_proto(tmp_path: Path) -> None:
    """Regenerating the stubs from proto/ into a temp dir reproduces service/api/gen exactly."""
    env = {**os.environ, "PYTHON": sys.executable, "GEN_ROOT": str(tmp_path)}
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "gen_proto.sh")],
        env=env,
        check=True,
        capture_output=True,
    )
    fresh, committed = _tree(tmp_path / GEN), _tree(ROOT / GEN)
    stale = sorted(
        name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name)
    )
    assert not stale, f"{GEN} is stale in {stale}: run `make proto`"


@pytest.fixture
def health_server() -> Iterator[tuple[str, health.HealthServicer]]:
    """A real gRPC server with the standard health service on a free loopback port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", servicer
    server.stop(grace=None)


@pytest.mark.parametrize(
    ("status", "exit_code"),
    [
        (health_pb2.HealthCheckResponse.SERVING, 0),
        (health_pb2.HealthCheckResponse.NOT_SERVING, 1),
    ],
)
def test_health_check_script_exits_by_serving_status(
    health_server: tuple[str, health.HealthServicer], status: int, exit_code: int
) -> None:
    """The Docker HEALTHCHECK script exits 0 only when the server reports SERVING."""
    target, servicer = health_server
    servicer.set("", status)
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "grpc_health_check.py"), "--target", target],
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == exit_code, result.stderr


def test_ci_runs_make_test_then_make_check() -> None:
    """.ci/run runs `make test` and then `make check`, the commands a developer runs."""
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in lines if line.strip().startswith("make ")]
    assert commands[0] == "make test"
    assert commands[1].startswith("make ")
    assert commands[1].split()[-1] == "check"
