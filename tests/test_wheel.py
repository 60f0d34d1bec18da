"""A wheel built from the repository serves and scores with no checkout in sight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_serves_and_scores(tmp_path: Path) -> None:
    """`pip wheel .` installed into a new virtualenv starts SERVING and scores from another
    directory (the model and reference data come from the package, not the checkout)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp_path / "wheels"
    pip = (sys.executable, "-m", "pip")
    # No build isolation: the build backend is already installed here (no download needed).
    _run(*pip, "wheel", ".", "--no-deps", "--no-build-isolation", "-w", wheels, cwd=ROOT, env=env)
    (wheel,) = wheels.glob("signupguard-*.whl")

    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    site = Path(
        _run(
            python,
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=tmp_path,
            env=env,
        ).strip()
    )
    # The dependencies are this environment's (installing them again would need the network);
    # the package itself comes only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=ROOT, env=env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(python, "-c", "import service; print(service.__file__)", cwd=elsewhere, env=env)
    assert where.startswith(str(fresh)), where
    assert not (elsewhere / "models").exists()
    # The console's templates and assets ship in the package (no CDN, no checkout).
    assert (site / "service" / "console" / "templates" / "queue.html").exists()
    assert (site / "service" / "console" / "static" / "console.js").exists()

    server = subprocess.Popen(
        [fresh / "bin" / "signupguard", "serve", "--port", "0"],
        cwd=elsewhere,
        env={**env, "SIGNUPGUARD_MODEL_WATCH_INTERVAL_S": "0"},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    try:
        port, deadline = 0, time.monotonic() + 90
        while time.monotonic() < deadline:
            line = server.stderr.readline()
            assert line, "the server exited"
            msg = str(json.loads(line)["msg"])
            if msg.startswith("listening on"):
                port = int(msg.split(":")[1].split(maxsplit=1)[0])
            if msg.startswith("serving model"):
                break
        event = elsewhere / "event.json"
        event.write_text(
            json.dumps(
                {
                    "event_id": "wheel-1",
                    "account_id": "acct-wheel",
                    "identity": {"email": "someone@example.com"},
                    "device": {"ip": "81.2.69.160"},
                }
            )
        )
        out = _run(
            fresh / "bin" / "signupguard",
            "score",
            event,
            "--target",
            f"127.0.0.1:{port}",
            cwd=elsewhere,
            env=env,
        )
        decision = json.loads(out)
        assert decision["event_id"] == "wheel-1"
        assert decision["action"].startswith("ACTION_")
        assert 0.0 <= decision["score"] <= 1.0
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.stderr.close()
