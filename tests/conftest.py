"""Shared fixtures: real databases (SQLite, a PostgreSQL schema per test) and real Redis servers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.stores.redis_cluster import RedisClusterProcesses, RedisProcess

REDIS_URL = os.environ.get("SIGNUPGUARD_TEST_REDIS", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get(
    "SIGNUPGUARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections land in a fresh, private PostgreSQL schema (dropped after)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_ADMIN_URL else "?"
    yield f"{POSTGRES_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each supported decision-store engine, empty."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/decisions.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared Redis server; unreachable is a failure, never a skip."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1.0, socket_connect_timeout=1.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable ({exc}); the state tests need it")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterProcesses]:
    """A real 3-node Redis Cluster on free loopback ports, for the whole session."""
    cluster = RedisClusterProcesses(tmp_path_factory.mktemp("redis-cluster"))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of this test's own, which it may kill and restart."""
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()
