"""Redis fixtures: the shared server (a prefix per test), a private killable server, a Cluster."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from service.state import MemoryStateStore, StateStore
from service.state.redis_store import RedisStateStore
from tests.stores.redis_cluster import RedisClusterProcesses

StoreFactory = Callable[..., StateStore]  # (kind, link_cap=1000)


@pytest.fixture
def make_store(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    """Builds stores of a kind by name; closes them and deletes their keys after the test."""
    prefix = f"sgtest:{uuid.uuid4().hex[:12]}:"
    built: list[StateStore] = []
    redis_urls: list[str] = []
    clusters: list[RedisClusterProcesses] = []

    def make(kind: str, link_cap: int = 1000) -> StateStore:
        store: StateStore
        if kind == "memory":
            store = MemoryStateStore(link_cap=link_cap)
        elif kind == "redis":
            redis_urls.append(request.getfixturevalue("redis_url"))
            store = RedisStateStore(
                redis_urls[-1], key_prefix=prefix, timeout_s=1.0, link_cap=link_cap
            )
        elif kind == "redis-cluster":
            clusters.append(request.getfixturevalue("redis_cluster"))
            store = RedisStateStore(
                clusters[-1].url, key_prefix=prefix, timeout_s=1.0, link_cap=link_cap
            )
        else:
            raise ValueError(f"unknown store kind {kind!r}")
        built.append(store)
        return store

    yield make
    for store in built:
        store.close()
    for url in set(redis_urls):
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()
    for cluster in set(clusters):
        cluster.flush()
