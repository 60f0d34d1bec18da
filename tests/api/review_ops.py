"""Fixtures for ReviewService tests: a real server holding everything for review, reviewers.

Import the fixtures into a test module: ``from tests.api.review_ops import ops, ops_factory``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from service.api.gen.signupguard.v1 import review_pb2 as rpb
from service.api.gen.signupguard.v1 import review_pb2_grpc
from service.review import Role
from tests import samples
from tests.api.conftest import Served

ALL_REVIEW = (  # every signup and key creation is held for review
    "thresholds:\n"
    "  signup: {challenge: 0.0, review: 0.0, block: 1.0}\n"
    "  api_key: {challenge: 0.0, review: 0.0, block: 1.0}\n"
)


def unlinked_signup(i: int, at: float | None = None) -> Any:
    """``samples.signup(i)`` with its own phone, phone block and IP /24, and no card BIN: it
    shares nothing with others, not even a coordination cell (the samples' identities are all
    one template, ``alice.smith<i>`` for "Alice Smith", which with one BIN is a cell)."""
    request = samples.signup(i, ip=f"81.2.{i % 250}.{10 + i // 250}", at=at)
    request.identity.phone = f"+44770{i % 10000:04d}00"
    request.payment.card_bin = ""
    return request


@dataclass
class Ops:
    """A served scorer with ReviewService and a token per role."""

    served: Served
    review: review_pb2_grpc.ReviewServiceStub
    tokens: dict[str, str]

    def meta(self, who: str) -> tuple[tuple[str, str], ...]:
        """Metadata with the bearer token of ``who`` (reviewer, lead, admin, bob, ...)."""
        return (("authorization", f"Bearer {self.tokens[who]}"),)

    def signups(self, ids: range, *, device: str | None = None, at: float | None = None) -> None:
        """Score signups ``acct-<i>``; a shared ``device`` links them into one campaign."""
        for i in ids:
            request = unlinked_signup(i, at=at)
            if device is not None:
                request.device.device_id = device
            self.served.stub.ScoreSignup(request, timeout=10)
        assert self.served.components.store.flush(30)

    def cases(self, who: str = "reviewer", **filters: Any) -> list[rpb.Case]:
        """Every case (all pages) matching the filters."""
        out: list[rpb.Case] = []
        token = ""
        while True:
            reply = self.review.ListCases(
                rpb.ListCasesRequest(page_size=100, page_token=token, **filters),
                metadata=self.meta(who),
            )
            out.extend(reply.cases)
            token = reply.next_page_token
            if not token:
                return out


@pytest.fixture
def ops_factory(serve: Callable[..., Served], tmp_path: Path) -> Iterator[Callable[..., Ops]]:
    """Factory: a server on ``database_url`` with everything held for review."""
    channels: list[grpc.Channel] = []

    def make(database_url: str, policy_text: str | None = ALL_REVIEW, **overrides: Any) -> Ops:
        policy = None
        if policy_text is not None:
            policy = tmp_path / "policy.yaml"
            policy.write_text(policy_text)
        served = serve(
            database_url=database_url,
            policy_file=policy,
            db_auto_migrate=True,
            spool_dir=tmp_path / f"spool-{len(channels)}",
            admin_token="admin-secret",
            **overrides,
        )
        review = served.components.review
        assert review is not None
        assert review.reviewers is not None
        tokens = {
            "reviewer": review.reviewers.add("rita", Role.REVIEWER),
            "bob": review.reviewers.add("bob", Role.REVIEWER),
            "lead": review.reviewers.add("lena", Role.LEAD),
            "admin": "admin-secret",
        }
        channel = grpc.insecure_channel(f"127.0.0.1:{served.running.port}")
        channels.append(channel)
        return Ops(served, review_pb2_grpc.ReviewServiceStub(channel), tokens)

    yield make
    for channel in channels:
        channel.close()


@pytest.fixture
def ops(ops_factory: Callable[..., Ops], database_url: str) -> Ops:
    """The review server on SQLite and on PostgreSQL."""
    return ops_factory(database_url)


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``check`` until true (background sync); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
