"""Both score RPCs and ReportOutcome against a real server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from sqlalchemy import select

from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.domain import EventType
from service.features import names
from service.store.schema import decisions, outcomes
from tests import samples
from tests.api.conftest import Served

BOT_UA = "python-requests/2.31.0"


def _stored_features(served: Served, event_id: str) -> dict[str, float | None]:
    assert served.components.store.flush()
    with served.components.store.engine.connect() as conn:
        row = conn.execute(select(decisions).where(decisions.c.event_id == event_id)).one()
    kind = EventType(row.event_type)
    return dict(zip(names(kind), json.loads(row.features), strict=True))


def test_score_signup_returns_a_decision(served: Served) -> None:
    """ScoreSignup answers with an action, a probability, the model version and its event id."""
    response = served.stub.ScoreSignup(samples.signup(1), timeout=5)
    d = response.decision
    assert d.action in (pb.ACTION_ALLOW, pb.ACTION_CHALLENGE, pb.ACTION_REVIEW, pb.ACTION_BLOCK)
    assert 0.0 <= d.score <= 1.0
    assert d.model_version == served.components.model.version
    assert d.event_id == "evt-s-1"
    assert d.decision_id
    assert not d.degraded
    if d.action != pb.ACTION_ALLOW:
        assert d.reasons
        assert all(r.code and r.message for r in d.reasons)


def test_every_non_allow_decision_has_reasons(served: Served) -> None:
    """Across varied requests, each decision that is not ALLOW carries reasons."""
    seen = set()
    for i in range(60):
        request = samples.signup(i, ip=f"45.{i % 7}.{i}.1")
        if i % 2:
            request.device.user_agent = BOT_UA
            request.identity.email = f"x{i}q{i * 7}@mailinator.com"
        d = served.stub.ScoreSignup(request, timeout=5).decision
        seen.add(d.action)
        if d.action != pb.ACTION_ALLOW:
            assert len(d.reasons) >= 1
    assert len(seen) >= 2, "the test model should produce more than one action"


def test_decision_is_logged_with_features(served: Served) -> None:
    """The decision log holds the feature vector in spec order, NaN stored as null."""
    served.stub.ScoreSignup(samples.signup(2), timeout=5)
    features = _stored_features(served, "evt-s-2")
    assert features["email_is_free"] == 1.0
    assert features["card_present"] == 1.0
    assert features["vel_ip_10m"] == 0.0


def test_api_key_sees_the_accounts_signup(served: Served) -> None:
    """A key creation after a signup knows the account, its age and its signup device."""
    t = time.time()
    served.stub.ScoreSignup(samples.signup(3, at=t - 120), timeout=5)
    d = served.stub.ScoreApiKeyCreation(samples.api_key(3, at=t), timeout=5).decision
    assert d.event_id == "evt-k-3"
    features = _stored_features(served, "evt-k-3")
    assert features["account_known"] == 1.0
    assert features["same_device_as_signup"] == 1.0
    assert features["same_ip_as_signup"] == 1.0
    assert features["account_keys_before"] == 0.0
    assert features["account_signup_score"] is not None


def test_api_key_for_an_unknown_account_is_scored(served: Served) -> None:
    """A key for an account never seen at signup is still scored, with the account unknown."""
    served.stub.ScoreApiKeyCreation(samples.api_key(404), timeout=5)
    assert _stored_features(served, "evt-k-404")["account_known"] == 0.0


def test_report_outcome_is_stored(served: Served) -> None:
    """ReportOutcome stores the label for retraining and returns its id."""
    response = served.stub.ReportOutcome(
        pb.ReportOutcomeRequest(account_id="acct-9", label=pb.LABEL_FRAUD, source="chargeback"),
        timeout=5,
    )
    assert response.outcome_id
    assert served.components.store.flush()
    with served.components.store.engine.connect() as conn:
        row = conn.execute(select(outcomes)).one()
    assert (row.account_id, row.source) == ("acct-9", "chargeback")


def test_velocity_is_counted_across_requests(served: Served) -> None:
    """Signups from one IP raise that IP's counters for later signups."""
    for i in range(5):
        served.stub.ScoreSignup(samples.signup(100 + i, ip="198.51.100.7"), timeout=5)
    assert _stored_features(served, "evt-s-104")["vel_ip_10m"] == 4.0


def test_metrics_count_requests_and_actions(served: Served) -> None:
    """Prometheus counters see each RPC and each decision's action."""
    served.stub.ScoreSignup(samples.signup(7), timeout=5)
    registry = served.metrics.registry
    assert (
        registry.get_sample_value(
            "signupguard_requests_total", {"method": "ScoreSignup", "code": "OK"}
        )
        == 1.0
    )
    total = sum(
        registry.get_sample_value(
            "signupguard_decisions_total", {"event_type": "signup", "action": a}
        )
        or 0.0
        for a in ("ALLOW", "CHALLENGE", "REVIEW", "BLOCK")
    )
    assert total == 1.0


def test_two_servers_are_independent(serve: Callable[..., Served]) -> None:
    """Servers started by the fixture factory keep separate state and databases."""
    a, b = serve(), serve()
    a.stub.ScoreSignup(samples.signup(1, ip="198.51.100.9"), timeout=5)
    b.stub.ScoreSignup(samples.signup(2, ip="198.51.100.9"), timeout=5)
    assert _stored_features(b, "evt-s-2")["vel_ip_10m"] == 0.0


def test_stage_profile_covers_the_request(serve: Callable[..., Served]) -> None:
    """With stage profiling on, every stage of a request is timed inside the server."""
    served = serve(profile_stages=True)
    request = samples.signup(11)
    request.device.user_agent = BOT_UA
    served.stub.ScoreSignup(request, timeout=5)
    registry = served.metrics.registry
    counts = {
        stage: registry.get_sample_value("signupguard_stage_seconds_count", {"stage": stage})
        for stage in ("parse", "signals", "state", "features", "predict", "policy", "log")
    }
    assert counts == dict.fromkeys(counts, 1.0)
