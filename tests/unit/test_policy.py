"""Policy: thresholds, allow/deny rules, fallbacks and when reasons are computed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.config import FailMode
from service.domain import Action, EventType, Reason
from service.model.artifact import Thresholds
from service.policy import Policy, PolicyConfig, RuleInputs, action_for

TH = Thresholds(0.3, 0.6, 0.85)
MODEL_REASON = Reason("IP_DATACENTER", "datacenter", 1.2)


def _policy(config: PolicyConfig | None = None, mode: FailMode = FailMode.OPEN) -> Policy:
    return Policy(
        {EventType.SIGNUP: TH, EventType.API_KEY: TH},
        config or PolicyConfig(),
        {EventType.SIGNUP: mode, EventType.API_KEY: mode},
    )


@given(st.floats(0, 1), st.floats(0, 1))
def test_action_is_monotone_in_score(a: float, b: float) -> None:
    """A higher score never gets a milder action."""
    lo, hi = sorted((a, b))
    assert action_for(lo, TH) <= action_for(hi, TH)


@pytest.mark.parametrize(
    ("score", "action"),
    [(0.0, Action.ALLOW), (0.3, Action.CHALLENGE), (0.6, Action.REVIEW), (0.85, Action.BLOCK)],
)
def test_thresholds_are_inclusive(score: float, action: Action) -> None:
    """A score equal to a threshold gets that threshold's action."""
    assert action_for(score, TH) is action


def test_allow_has_no_reasons_and_skips_explaining() -> None:
    """A plain ALLOW neither carries nor computes reasons."""
    calls: list[int] = []

    def explain() -> list[Reason]:
        calls.append(1)
        return [MODEL_REASON]

    verdict = _policy().decide(EventType.SIGNUP, 0.1, explain, RuleInputs(), state_ok=True)
    assert (verdict.action, verdict.reasons) == (Action.ALLOW, ())
    assert calls == []


def test_block_carries_model_reasons() -> None:
    """A non-ALLOW decision carries the model's reasons."""
    verdict = _policy().decide(
        EventType.SIGNUP, 0.9, lambda: [MODEL_REASON], RuleInputs(), state_ok=True
    )
    assert verdict.action is Action.BLOCK
    assert verdict.reasons == (MODEL_REASON,)


def test_deny_list_wins_over_allow_list() -> None:
    """A deny match blocks even when an allow list matches too."""
    config = PolicyConfig.from_mapping(
        {"allow": {"email_domains": ["corp.example"]}, "deny": {"ips": ["203.0.113.0/24"]}}
    )
    inputs = RuleInputs(email_domain="mail.corp.example", ip="203.0.113.9")
    verdict = _policy(config).decide(EventType.SIGNUP, 0.0, list, inputs, state_ok=True)
    assert verdict.action is Action.BLOCK
    assert verdict.reasons[0].code == "DENYLIST_IP"


def test_allow_list_overrides_a_high_score() -> None:
    """An allow-listed subdomain is allowed whatever the score."""
    config = PolicyConfig.from_mapping({"allow": {"email_domains": ["corp.example"]}})
    verdict = _policy(config).decide(
        EventType.SIGNUP, 0.99, list, RuleInputs(email_domain="eu.corp.example"), state_ok=True
    )
    assert verdict.action is Action.ALLOW
    assert verdict.reasons[0].code == "ALLOWLIST_EMAIL_DOMAIN"


def test_operator_thresholds_override_the_model() -> None:
    """Thresholds from the policy file replace the artifact's."""
    config = PolicyConfig.from_mapping(
        {"thresholds": {"signup": {"challenge": 0.05, "review": 0.1, "block": 0.2}}}
    )
    verdict = _policy(config).decide(EventType.SIGNUP, 0.25, list, RuleInputs(), state_ok=True)
    assert verdict.action is Action.BLOCK


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (FailMode.OPEN, Action.ALLOW),
        (FailMode.REVIEW, Action.REVIEW),
        (FailMode.CLOSED, Action.BLOCK),
    ],
)
def test_state_failure_follows_the_fail_mode(mode: FailMode, expected: Action) -> None:
    """Without state the fail mode decides, and the reason says why."""
    verdict = _policy(mode=mode).decide(EventType.SIGNUP, 0.1, list, RuleInputs(), state_ok=False)
    assert verdict.action is expected
    assert verdict.reasons[-1].code == "STATE_UNAVAILABLE"


def test_model_failure_falls_back() -> None:
    """Without a score the fail mode decides and MODEL_UNAVAILABLE is given."""
    verdict = _policy(mode=FailMode.REVIEW).decide(
        EventType.API_KEY, None, list, RuleInputs(), state_ok=True
    )
    assert verdict.action is Action.REVIEW
    assert [r.code for r in verdict.reasons] == ["MODEL_UNAVAILABLE"]


def test_policy_file_rejects_unknown_keys() -> None:
    """A typo in the policy file is an error, not a silently ignored rule."""
    with pytest.raises(ValueError, match="unknown"):
        PolicyConfig.from_mapping({"deny": {"ip": ["1.2.3.4"]}})
