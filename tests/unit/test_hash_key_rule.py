"""The development hash key: a warning on one machine, a refusal with Redis or PostgreSQL."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from pydantic import SecretStr

from service.app import hash_key_problem
from service.config import Settings


def test_the_default_key_warns_on_the_embedded_setup(caplog: pytest.LogCaptureFixture) -> None:
    """In-memory state and SQLite with the development key: allowed, with a WARNING."""
    with caplog.at_level(logging.WARNING, logger="service.app"):
        assert hash_key_problem(Settings()) is None
    assert any("SIGNUPGUARD_HASH_KEY is unset" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("state_url", "redis://127.0.0.1:6379/0", "Redis"),
        ("state_url", "redis+cluster://127.0.0.1:7000", "Redis"),
        ("database_url", "postgresql+psycopg://postgres@127.0.0.1/test", "PostgreSQL"),
    ],
)
def test_the_default_key_is_refused_with_shared_stores(field: str, value: str, named: str) -> None:
    """Redis state or a PostgreSQL store with the development key is a reason not to start."""
    overrides: dict[str, Any] = {field: value}
    problem = hash_key_problem(Settings(**overrides))
    assert problem is not None
    assert named in problem


def test_an_own_key_is_accepted_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """A key of one's own passes with Redis and PostgreSQL, and logs nothing."""
    settings = Settings(
        hash_key=SecretStr("a-real-secret"),
        state_url="redis://127.0.0.1:6379/0",
        database_url="postgresql+psycopg://postgres@127.0.0.1/test",
    )
    with caplog.at_level(logging.WARNING, logger="service.app"):
        assert hash_key_problem(settings) is None
    assert not caplog.records


def test_serve_exits_2_before_binding() -> None:
    """`signupguard serve --state-url redis://…` without a hash key exits 2 and says why."""
    env = {k: v for k, v in os.environ.items() if k != "SIGNUPGUARD_HASH_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", "0",
         "--state-url", "redis://127.0.0.1:6379/0"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "refusing to serve: SIGNUPGUARD_HASH_KEY is unset" in done.stderr
    assert "listening on" not in done.stderr
