"""`signupguard console` as a process: flags, health, login form."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def test_console_command_serves_health_and_the_login_form(tmp_path: Path) -> None:
    """`signupguard console --host --port --database-url` answers /healthz and GET /login."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"sqlite:///{tmp_path}/c.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "console",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "the console did not come up"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            page = r.read().decode()
            assert re.search(r'name="csrf" value="[^"]+"', page)
            assert 'name="token"' in page
            assert "HttpOnly" in r.headers["set-cookie"]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
