"""A private, throw-away Redis for the scale replay, so its memory figure is its own.

Millions of keys in the shared Redis would crowd other users of it, and their keys would blur
``used_memory``. When ``redis-server`` is on the PATH the replay gets its own on a free loopback
port (no persistence, stopped afterwards); otherwise it falls back to the shared URL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

from bench.redisinfo import redis_reachable
from bench.servers import HOST, free_port

_START_TIMEOUT_S = 30.0


@contextlib.contextmanager
def private_redis(fallback_url: str) -> Iterator[str]:
    """Yield the URL of a fresh Redis (or ``fallback_url`` when none can be started)."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield fallback_url
        return
    port = free_port()
    command = [
        binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
        "--daemonize", "no", "--loglevel", "warning",
    ]  # fmt: skip
    launch = [sys.executable, "-m", "bench.launch", str(os.getpid()), *command]
    process = subprocess.Popen(  # noqa: S603  # our interpreter and the PATH's redis-server
        launch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"redis://{HOST}:{port}/0"
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not redis_reachable(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private redis-server did not start on port {port}")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
