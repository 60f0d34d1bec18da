"""The decision writer's batch hooks and the shared bearer-token authenticator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from service.api.auth import Authenticator, bearer
from service.domain import Action, Decision, EventType
from service.errors import PermissionDenied, Unauthenticated
from service.review.model import Principal, Role
from service.store import DecisionRecord, SqlDecisionStore
from service.store.schema import decisions


def _record(event_id: str) -> DecisionRecord:
    d = Decision(
        decision_id=str(uuid.uuid4()),
        event_id=event_id,
        event_type=EventType.SIGNUP,
        account_id="a",
        action=Action.REVIEW,
        score=0.7,
        reasons=(),
        model_version="m",
        degraded=False,
        occurred_at=time.time(),
        decided_at=time.time(),
    )
    return DecisionRecord(d, [0.0], "spec")


class _Flaky:
    """A hook that fails (not in the database) its first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen: list[str] = []

    def __call__(self, conn: Connection, pairs: Sequence[tuple[dict[str, Any], bytes]]) -> None:
        if self.failures:
            self.failures -= 1
            raise TypeError("a bug in a hook")  # what a refused row raises too
        self.seen.extend(row["event_id"] for row, _ in pairs)


def test_a_failing_hook_delays_decisions_and_never_rejects_them(tmp_path: Path) -> None:
    """A hook raising a non-database error rolls its batch back and retries it: every decision
    is stored with the hook's work, none is set aside as refused."""
    hook = _Flaky(failures=2)
    url = f"sqlite:///{tmp_path}/d.db"
    with SqlDecisionStore(
        url, spool_dir=tmp_path / "spool", hooks=[hook], retry_max_s=0.05, linger_s=0
    ) as store:
        for i in range(5):
            store.save_decision(_record(f"e{i}"))
        assert store.flush(30)
        assert store.rejected() == 0
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(decisions)).scalar_one() == 5
    assert sorted(set(hook.seen)) == [f"e{i}" for i in range(5)]


def test_the_authenticator_serves_several_services() -> None:
    """Rules name a service prefix or one method; tokens resolve to a role once for all."""
    auth = Authenticator(
        {
            "/signupguard.v1.ReviewService/": Role.REVIEWER,
            "/signupguard.v1.ReviewService/ResolveCampaign": Role.LEAD,
            "/signupguard.v1.RulesService/": Role.ADMIN,
        },
        admin_token="admin-secret",
    )
    auth.attach(lambda t: Principal("rita", Role.REVIEWER) if t == "sgr_rita" else None)
    assert auth.role_for("/signupguard.v1.ReviewService/ListCases") is Role.REVIEWER
    assert auth.role_for("/signupguard.v1.ReviewService/ResolveCampaign") is Role.LEAD
    assert auth.role_for("/signupguard.v1.RulesService/PublishRule") is Role.ADMIN
    assert auth.role_for("/signupguard.v1.ScoringService/ScoreSignup") is None
    assert auth.authenticate("sgr_rita", Role.REVIEWER) == Principal("rita", Role.REVIEWER)
    assert auth.authenticate("admin-secret", Role.ADMIN).role is Role.ADMIN
    with pytest.raises(PermissionDenied):
        auth.authenticate("sgr_rita", Role.LEAD)
    with pytest.raises(Unauthenticated):
        auth.authenticate("sgr_nobody", Role.REVIEWER)
    with pytest.raises(Unauthenticated):
        auth.authenticate("", Role.REVIEWER)
    assert bearer([("authorization", "Bearer sgr_rita")]) == "sgr_rita"
    assert bearer([("authorization", "Basic x")]) == ""
