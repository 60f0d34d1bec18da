"""The `signupguard` command end to end: serve in a subprocess, score with the CLI, stop."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api import processes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def server(tmp_path: Path, artifact: Path) -> Iterator[processes.ServerProcess]:
    """`signupguard serve` on a free port, as a separate process."""
    server = processes.start(
        tmp_path,
        "--model", str(artifact), "--database-url", f"sqlite:///{tmp_path}/d.db",
        env={"SIGNUPGUARD_LOG_DECISIONS": "true"},
    )  # fmt: skip
    yield server
    if server.proc.poll() is None:
        server.kill()


def _score(port: int, example: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "service.cli", "score", str(EXAMPLES / example),
         "--target", f"127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_serve_score_and_stop(server: processes.ServerProcess) -> None:
    """`score` prints a decision from a running `serve`; SIGTERM stops it cleanly (exit 0)."""
    decision = _score(server.port, "signup.json")
    assert decision["action"] in {
        "ACTION_ALLOW",
        "ACTION_CHALLENGE",
        "ACTION_REVIEW",
        "ACTION_BLOCK",
    }
    assert 0.0 <= float(decision["score"]) <= 1.0  # type: ignore[arg-type]
    key = _score(server.port, "api_key.json")
    assert key["event_id"] != decision["event_id"]
    assert server.stop() == 0
    decisions = [r for r in server.log if "decision" in r]
    assert len(decisions) == 2
    text = json.dumps(decisions)
    for raw in ("mailinator", "159.89.10.20", "555-0100", "card-fp-77"):
        assert raw not in text, "decision logs must not carry raw PII"


def test_serve_refuses_a_mismatched_model(tmp_path: Path, artifact: Path) -> None:
    """`serve` exits non-zero when the artifact's feature spec differs from the code's."""
    bad = tmp_path / "bad"
    bad.mkdir()
    for item in artifact.iterdir():
        (bad / item.name).write_bytes(item.read_bytes())
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["spec_version"] = 999
    (bad / "manifest.json").write_text(json.dumps(manifest))
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", "0", "--model", str(bad),
         "--database-url", f"sqlite:///{tmp_path}/d.db"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "refusing to serve" in proc.stderr
