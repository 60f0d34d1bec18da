"""`signupguard serve` as a real subprocess: start it, learn its port, stop it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServerProcess:
    """A running `signupguard serve` process and the port it bound."""

    proc: subprocess.Popen[str]
    port: int
    log: list[dict[str, object]] = field(default_factory=list)

    def stop(self) -> int:
        """SIGTERM, wait, return the exit code; the rest of its log is kept in ``log``."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self._drain()
        return code

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything."""
        self.proc.kill()
        self.proc.wait()
        self._drain()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr.read().splitlines():
            if line.startswith("{"):
                self.log.append(json.loads(line))
        self.proc.stderr.close()


def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> ServerProcess:
    """Start `signupguard serve --port 0 ARGS` in ``cwd``; return once it reports serving."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", "0", *args],
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert proc.stderr is not None
    port = 0
    log: list[dict[str, object]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        record = json.loads(line)
        log.append(record)
        msg = str(record["msg"])
        if msg.startswith("listening on"):
            port = int(msg.split(":")[1].split(maxsplit=1)[0])
        if msg.startswith("serving model"):
            return ServerProcess(proc, port, log)
    proc.kill()
    proc.wait()
    proc.stderr.close()
    raise AssertionError(f"server did not start: {log[-3:]}")
