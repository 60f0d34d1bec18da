"""The benchmark's view of Redis: CPU, memory, and deleting its own keys afterwards."""

from __future__ import annotations

from typing import Any

import redis

from bench.procstat import CpuTimes

_DELETE_BATCH = 5000
_MAX_SCAN_ROUNDS = 1_000_000  # a bound on the SCAN loop: far above any key count used here


def redis_reachable(url: str) -> bool:
    """Whether a Redis answers PING at ``url``."""
    client: Any = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class RedisProbe:
    """A connection used only between phases (never on the request path)."""

    def __init__(self, url: str) -> None:
        self._client: Any = redis.Redis.from_url(url, socket_timeout=30)

    def cpu(self) -> CpuTimes:
        """Redis's own CPU time (all its threads) from ``INFO cpu``."""
        info = self._client.info("cpu")
        return CpuTimes(float(info["used_cpu_user"]), float(info["used_cpu_sys"]))

    def used_memory(self) -> int:
        """``used_memory`` from ``INFO memory``, bytes (the whole server, every client's keys)."""
        return int(self._client.info("memory")["used_memory"])

    def dbsize(self) -> int:
        """Keys in the selected database (every client's)."""
        return int(self._client.dbsize())

    def count_prefix(self, prefix: str) -> int:
        """Keys that start with ``prefix`` (a full SCAN)."""
        return sum(len(batch) for batch in self._scan(prefix))

    def delete_prefix(self, prefix: str) -> int:
        """UNLINK every key that starts with ``prefix``; returns how many were removed."""
        removed = 0
        for batch in self._scan(prefix):
            if batch:
                removed += int(self._client.unlink(*batch))
        return removed

    def _scan(self, prefix: str) -> Any:
        if not prefix or "*" in prefix:
            raise ValueError("refusing a pattern that could match other users' keys")
        cursor = 0
        for _ in range(_MAX_SCAN_ROUNDS):
            cursor, keys = self._client.scan(cursor, match=f"{prefix}*", count=_DELETE_BATCH)
            yield keys
            if cursor == 0:
                return

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
