"""The legitimate-envelope rule: beyond what legitimate training traffic reached, review."""

from __future__ import annotations

import math

import numpy as np

from service.config import FailMode
from service.domain import Action, EventType
from service.features import names
from service.model.artifact import Thresholds
from service.policy import Policy, PolicyConfig, RuleInputs
from service.policy.envelope import MARGIN, Envelope

TH = Thresholds(0.3, 0.6, 0.85)
LIMITS = {"linked_device_accounts": 3.0, "vel_device_24h": 5.0}


def _vector(**values: float) -> np.ndarray:
    columns = names(EventType.SIGNUP)
    out = np.full(len(columns), math.nan)
    for name, value in values.items():
        out[columns.index(name)] = value
    return out


def _policy(config: PolicyConfig | None = None) -> Policy:
    return Policy(
        {EventType.SIGNUP: TH, EventType.API_KEY: TH},
        config or PolicyConfig(),
        dict.fromkeys(EventType, FailMode.OPEN),
        {EventType.SIGNUP: Envelope.from_limits(EventType.SIGNUP, LIMITS)},
    )


def test_beyond_the_envelope_is_held_for_review() -> None:
    """A low score with a device shared far beyond legitimate maxima goes to REVIEW, with why."""
    vector = _vector(linked_device_accounts=3.0 + MARGIN + 1)
    verdict = _policy().decide(
        EventType.SIGNUP, 0.01, list, RuleInputs(), state_ok=True, vector=vector
    )
    assert verdict.action is Action.REVIEW
    assert [r.code for r in verdict.reasons] == ["BEYOND_LEGITIMATE_ENVELOPE"]


def test_within_the_margin_or_missing_is_not_raised() -> None:
    """Values up to the maximum plus the margin, and missing values, change nothing."""
    vector = _vector(linked_device_accounts=3.0 + MARGIN, vel_device_24h=math.nan)
    verdict = _policy().decide(
        EventType.SIGNUP, 0.01, list, RuleInputs(), state_ok=True, vector=vector
    )
    assert verdict.action is Action.ALLOW


def test_the_rule_never_lowers_an_action() -> None:
    """A BLOCK stays a BLOCK beyond the envelope."""
    vector = _vector(vel_device_24h=50.0)
    verdict = _policy().decide(
        EventType.SIGNUP, 0.9, list, RuleInputs(), state_ok=True, vector=vector
    )
    assert verdict.action is Action.BLOCK


def test_policy_file_can_turn_the_guard_off() -> None:
    """envelope_guard: false in the policy file disables the rule."""
    config = PolicyConfig.from_mapping({"envelope_guard": False})
    vector = _vector(vel_device_24h=50.0)
    verdict = _policy(config).decide(
        EventType.SIGNUP, 0.01, list, RuleInputs(), state_ok=True, vector=vector
    )
    assert verdict.action is Action.ALLOW
