"""Live and shadow rules on the request path, compiled once, hot-reloaded off the request path.

A poller thread reads the store's revision counter every ``poll_interval_s`` (one row) and,
when it moved, loads the current rules, compiles them and swaps one reference: a request reads
that reference once and sees one consistent rule set. A rule that no longer compiles (a feature
it reads left the spec) is skipped and logged, never raised. At run time an evaluation error
(division by zero) counts as no match and increments ``signupguard_rule_errors``.
"""

from __future__ import annotations

import logging
import math
import string
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from prometheus_client import CollectorRegistry, Counter

from service.domain import Action, EventType, Reason
from service.errors import InvalidCondition, SignupGuardError
from service.policy import RuleHit
from service.rules.lang import check
from service.rules.model import Rule, RuleAction, RuleState
from service.rules.row import RowInput, compile_row
from service.rules.store import RuleStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run: its predicate, and its reason rendered as far as possible."""

    rule: Rule
    predicate: Callable[[RowInput], bool]
    action: Action | None
    template: string.Template
    expires_at: float

    def reason(self, score: float) -> Reason:
        """The reason this rule adds to a decision it hits."""
        s = self.rule.spec
        message = self.template.safe_substitute(
            rule_id=s.rule_id, version=self.rule.version, score=f"{score:.3f}"
        )
        return Reason(s.reason_code, message or f"Rule {s.rule_id} matched", 1.0)


def compile_rule(rule: Rule) -> CompiledRule:
    """Check and compile one stored rule (InvalidCondition if it no longer checks)."""
    s = rule.spec
    checked = check(s.condition, s.event_type)
    return CompiledRule(
        rule,
        compile_row(checked),
        s.action.to_action(),
        string.Template(s.message),
        math.inf if s.expires_at is None else s.expires_at,
    )


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules in force for every event type: live ones act, shadow ones are only logged."""

    revision: int = -1
    live: Mapping[EventType, tuple[CompiledRule, ...]] = field(default_factory=dict)
    shadow: Mapping[EventType, tuple[CompiledRule, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, revision: int, stored: Sequence[Rule]) -> tuple[RuleSet, list[str]]:
        """Compile the live and shadow rules; also the ids of those that failed to compile."""
        live: dict[EventType, list[CompiledRule]] = {t: [] for t in EventType}
        shadow: dict[EventType, list[CompiledRule]] = {t: [] for t in EventType}
        broken: list[str] = []
        for rule in stored:
            if rule.state not in (RuleState.LIVE, RuleState.SHADOW):
                continue
            try:
                compiled = compile_rule(rule)
            except InvalidCondition as exc:
                logger.error("rule %s v%d skipped: %s", rule.rule_id, rule.version, exc)
                broken.append(rule.rule_id)
                continue
            target = live if rule.state is RuleState.LIVE else shadow
            target[rule.spec.event_type].append(compiled)
        return (
            cls(
                revision,
                {t: tuple(v) for t, v in live.items()},
                {t: tuple(v) for t, v in shadow.items()},
            ),
            broken,
        )


@dataclass(frozen=True, slots=True)
class RuleResult:
    """Live hits (for the policy) and every hit as logged beside the decision."""

    hits: tuple[RuleHit, ...]
    logged: tuple[tuple[str, int, str, str], ...]  # (rule id, version, state, action)


NO_RESULT = RuleResult((), ())


class RuleEngine:
    """Evaluates the rule set in force; reloads it when the store's revision moves."""

    def __init__(
        self,
        store: RuleStore | None,
        registry: CollectorRegistry | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._now = now
        self._rules = RuleSet()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reload_lock = threading.Lock()
        reg = registry if registry is not None else CollectorRegistry()
        self._errors = Counter(
            "signupguard_rule_errors",
            "Rule evaluations that raised (counted as no match)",
            ["rule_id"],
            registry=reg,
        )
        self._hits = Counter(
            "signupguard_rule_hits", "Rule matches", ["rule_id", "state"], registry=reg
        )
        self._reloads = Counter(
            "signupguard_rule_reloads", "Rule sets loaded", ["outcome"], registry=reg
        )

    @property
    def rules(self) -> RuleSet:
        """The rule set in force."""
        return self._rules

    def use(self, rules: RuleSet) -> None:
        """Serve with this rule set (tests and benchmarks; the poller does it otherwise)."""
        self._rules = rules

    def reload(self, force: bool = False) -> bool:
        """Load the store's rules if its revision moved (or ``force``); True if swapped."""
        if self._store is None:
            return False
        with self._reload_lock:
            revision = self._store.revision()
            if not force and revision == self._rules.revision:
                return False
            rules, broken = RuleSet.build(revision, self._store.current())
            self._rules = rules
            self._reloads.labels("broken" if broken else "ok").inc()
        logger.info("rules at revision %d loaded", revision)
        return True

    def start(self, poll_interval_s: float) -> None:
        """Load now, then poll the revision counter in a daemon thread."""
        try:
            self.reload(force=True)
        except SignupGuardError as exc:
            logger.error("cannot load rules at start (serving without them): %s", exc)
        if poll_interval_s > 0 and self._store is not None:
            self._thread = threading.Thread(
                target=self._poll, args=(poll_interval_s,), name="rules-poll", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Stop the poller."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.reload()
            except Exception as exc:  # the poller must outlive any one failure
                logger.warning("rules reload failed, keeping the loaded rules: %s", exc)

    def evaluate(
        self,
        event_type: EventType,
        features: Sequence[float] | npt.NDArray[np.float64],
        score: float | None,
        signals: Mapping[str, str],
    ) -> RuleResult:
        """Run the live and shadow rules of ``event_type`` on one event."""
        rules = self._rules  # one read: one rule set for the whole event
        live = rules.live.get(event_type, ())
        shadow = rules.shadow.get(event_type, ())
        if not live and not shadow:
            return NO_RESULT  # no list copy of the vector when no rule reads it
        value = math.nan if score is None else score
        plain = features.tolist() if isinstance(features, np.ndarray) else features
        row: RowInput = (plain, value, signals)
        now = self._now()
        hits: list[RuleHit] = []
        logged: list[tuple[str, int, str, str]] = []
        for compiled in live:
            if self._matches(compiled, row, now):
                hits.append(RuleHit(compiled.action, compiled.reason(value)))
                logged.append(_logged(compiled))
        for compiled in shadow:
            if self._matches(compiled, row, now):
                logged.append(_logged(compiled))
        return RuleResult(tuple(hits), tuple(logged))

    def _matches(self, compiled: CompiledRule, row: RowInput, now: float) -> bool:
        if now >= compiled.expires_at:
            return False
        try:
            matched = bool(compiled.predicate(row))
        except Exception:  # an evaluation error is no match, and counted
            self._errors.labels(compiled.rule.rule_id).inc()
            return False
        if matched:
            self._hits.labels(compiled.rule.rule_id, compiled.rule.state.value).inc()
        return matched


def _logged(compiled: CompiledRule) -> tuple[str, int, str, str]:
    r = compiled.rule
    return (r.rule_id, r.version, r.state.value, r.spec.action.value)


def action_of(name: str) -> Action | None:
    """The decision action of a logged rule action (None for a tag)."""
    return RuleAction(name).to_action()
