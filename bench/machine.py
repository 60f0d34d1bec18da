"""What the figures were measured on: cores, CPU, memory, versions, load, code revision."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import redis

from bench import procstat

ROOT = Path(__file__).resolve().parent.parent
_PACKAGES = ("grpcio", "protobuf", "lightgbm", "numpy", "redis", "hiredis")


def _git(*args: str) -> str:
    try:
        result = subprocess.run(  # noqa: S603  # fixed read-only git queries
            ["git", *args],  # noqa: S607  # git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _redis_version(url: str) -> str | None:
    try:
        client: Any = redis.Redis.from_url(url, socket_timeout=2)
        try:
            return str(client.info("server")["redis_version"])
        finally:
            client.close()
    except redis.RedisError:
        return None


def describe(redis_url: str = "redis://127.0.0.1:6379/0") -> dict[str, Any]:
    """The machine and software description stored with every result."""
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu_model": procstat.cpu_model(),
        "cpu_mhz": procstat.cpu_mhz(),
        "memory_gib": round(procstat.memory_total() / 2**30, 1),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in _PACKAGES},
        "redis_server": _redis_version(redis_url),
        "load_average": procstat.load_average(),
        "git_commit": _git("rev-parse", "--short", "HEAD").strip(),
        "git_modified": [
            line[3:] for line in _git("status", "--porcelain", "--untracked-files=no").splitlines()
        ],
    }
