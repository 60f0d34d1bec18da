"""Operator rules: a typed condition language, versions in the decision store, live and shadow
evaluation on the request path, backtests over the decision log and shadow/live reports."""

from service.rules.engine import NO_RESULT, RuleEngine, RuleResult, RuleSet
from service.rules.lang import Checked, check
from service.rules.model import Rule, RuleAction, RuleSpec, RuleState
from service.rules.store import RuleStore

__all__ = [
    "NO_RESULT",
    "Checked",
    "Rule",
    "RuleAction",
    "RuleEngine",
    "RuleResult",
    "RuleSet",
    "RuleSpec",
    "RuleState",
    "RuleStore",
    "check",
]
