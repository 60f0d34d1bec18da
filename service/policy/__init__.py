"""Thresholds, rules, reason codes and fallbacks."""

from service.policy.policy import Policy, PolicyConfig, RuleHit, Verdict, action_for
from service.policy.reasons import model_reasons
from service.policy.rules import RuleInputs, RuleList

__all__ = [
    "Policy",
    "PolicyConfig",
    "RuleHit",
    "RuleInputs",
    "RuleList",
    "Verdict",
    "action_for",
    "model_reasons",
]
