"""The rules use cases, transport-agnostic: the gRPC servicer and the CLI both call these."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from service.domain import EventType
from service.errors import InvalidRequest
from service.rules import backtest
from service.rules.lang import Checked, check
from service.rules.model import Rule, RuleSpec, RuleState
from service.rules.store import RuleStore


@dataclass(frozen=True, slots=True)
class RulesCore:
    """List, validate, save, change state and backtest rules in one decision store."""

    engine: Engine

    @property
    def store(self) -> RuleStore:
        """The rule store over the same engine."""
        return RuleStore(self.engine)

    def rules(self, event_type: EventType | None = None) -> list[Rule]:
        """The newest version of every rule (of one event type)."""
        rules = self.store.current()
        return [r for r in rules if event_type is None or r.spec.event_type is event_type]

    def get(self, rule_id: str, version: int = 0) -> Rule:
        """One version of a rule (0: the newest)."""
        return self.store.get(rule_id, version)

    def history(self, rule_id: str) -> list[Rule]:
        """Every version of a rule."""
        return self.store.history(rule_id)

    @staticmethod
    def validate(condition: str, event_type: EventType) -> Checked:
        """Check a condition; InvalidCondition with line and column when refused."""
        return check(condition, event_type)

    def save(self, spec: RuleSpec, author: str) -> Rule:
        """Check every field and the condition, then store a new version."""
        spec.check_fields()
        check(spec.condition, spec.event_type)
        return self.store.save(spec, author)

    def set_state(self, rule_id: str, state: RuleState, author: str) -> Rule:
        """A new version of the rule in ``state`` (its condition is checked again to go on)."""
        rule = self.store.get(rule_id)
        if state in (RuleState.SHADOW, RuleState.LIVE):
            check(rule.spec.condition, rule.spec.event_type)
        return self.store.set_state(rule_id, state, author)

    def backtest(
        self,
        *,
        condition: str = "",
        event_type: EventType | None = None,
        rule_id: str = "",
        since: float | None = None,
        until: float | None = None,
        sample: int = backtest.SAMPLE,
    ) -> backtest.Backtest:
        """Backtest a stored rule (``rule_id``) or an ad-hoc condition over the decision log."""
        if rule_id:
            rule = self.store.get(rule_id)
            condition, event_type = rule.spec.condition, rule.spec.event_type
        if not condition:
            raise InvalidRequest("condition", "give a rule id or a condition")
        if event_type is None:
            raise InvalidRequest("event_type", "is required with a condition")
        checked = check(condition, event_type)
        return backtest.run(self.engine, checked, since=since, until=until, sample=sample)
