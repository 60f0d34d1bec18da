"""Console fixtures: one replayed attack per module, a Starlette TestClient over it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.config import Settings
from service.console.serve import build
from tests.console.seed import Seeded, seed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A SQLite store holding a replayed simulated attack, its campaigns and three reviewers."""
    tmp = tmp_path_factory.mktemp("console")
    return seed(f"sqlite:///{tmp}/d.db", tmp)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, token: str) -> str:
    """Sign ``client`` in; returns the session's CSRF token (from the queue page)."""
    form = client.get("/login")
    reply = client.post("/login", data={"token": token, "csrf": csrf_of(form.text)})
    assert reply.status_code == 200, reply.text  # followed the redirect to the queue
    return csrf_of(reply.text)


@pytest.fixture
def client(seeded: Seeded, tmp_path: Path) -> Iterator[TestClient]:
    """An in-process client of the console over the seeded store (not signed in)."""
    app = build(Settings(database_url=seeded.url, spool_dir=tmp_path / "spool"))
    with TestClient(app) as c:
        yield c
