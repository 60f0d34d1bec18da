"""Policy: score -> action by thresholds per event type, hard rules, and fallbacks.

Order: deny/allow lists, then live operator rules (:mod:`service.rules`), then the model's
thresholds. The strictest action wins, except an explicit allow (a list or a rule), which wins
over everything after it; every rule hit adds its reason.

Whether to degrade or fail is decided here and nowhere else: the scoring core reports what went
wrong (state unavailable, model unavailable) and the policy picks the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from service.config import FailMode
from service.domain import Action, EventType, Reason
from service.model.artifact import Thresholds
from service.policy.envelope import BEYOND_ENVELOPE, Envelope
from service.policy.rules import RuleInputs, RuleList

STATE_UNAVAILABLE = Reason(
    "STATE_UNAVAILABLE", "Velocity and linkage state could not be read; scored without it", 0.0
)
MODEL_UNAVAILABLE = Reason("MODEL_UNAVAILABLE", "The model could not score this event", 0.0)


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """Operator overrides: thresholds per event type and allow/deny lists."""

    thresholds: Mapping[EventType, Thresholds] = field(default_factory=dict)
    allow: RuleList = field(default_factory=RuleList)
    deny: RuleList = field(default_factory=RuleList)
    envelope_guard: bool = True  # hold events beyond the artifact's legitimate envelope

    @classmethod
    def from_file(cls, path: Path | None) -> PolicyConfig:
        """Parse a policy YAML file (see the README); ``None`` gives the empty policy."""
        if path is None:
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PolicyConfig:
        """Build from a decoded policy file."""
        unknown = set(data) - {"thresholds", "allow", "deny", "envelope_guard"}
        if unknown:
            raise ValueError(f"unknown policy keys: {sorted(unknown)}")
        thresholds = {
            EventType(name): Thresholds(**values)
            for name, values in (data.get("thresholds") or {}).items()
        }
        return cls(
            thresholds=thresholds,
            allow=RuleList.from_mapping(data.get("allow")),
            deny=RuleList.from_mapping(data.get("deny")),
            envelope_guard=bool(data.get("envelope_guard", True)),
        )


def action_for(score: float, thresholds: Thresholds) -> Action:
    """Map a score to an action; monotone in the score."""
    if score >= thresholds.block:
        return Action.BLOCK
    if score >= thresholds.review:
        return Action.REVIEW
    if score >= thresholds.challenge:
        return Action.CHALLENGE
    return Action.ALLOW


_RULE_TEXT = {
    "email_domain": "email domain",
    "ip": "IP address",
    "device": "device fingerprint",
    "card": "card",
}


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A live operator rule that matched: its action (None: tag only) and its reason."""

    action: Action | None
    reason: Reason


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's answer: action and the reasons, strongest first."""

    action: Action
    reasons: tuple[Reason, ...]


class Policy:
    """Thresholds, rules and fallbacks for every event type."""

    def __init__(
        self,
        model_thresholds: Mapping[EventType, Thresholds],
        config: PolicyConfig,
        fail_modes: Mapping[EventType, FailMode],
        envelopes: Mapping[EventType, Envelope] | None = None,
    ) -> None:
        self._thresholds = {**model_thresholds, **config.thresholds}
        self._envelopes = dict(envelopes or {}) if config.envelope_guard else {}
        self._config = config
        self._fail_modes = dict(fail_modes)

    def thresholds(self, event_type: EventType) -> Thresholds:
        """Thresholds in force for an event type (operator overrides win over the model's)."""
        return self._thresholds[event_type]

    def decide(
        self,
        event_type: EventType,
        score: float | None,
        explain: Callable[[], list[Reason]],
        rule_inputs: RuleInputs,
        *,
        state_ok: bool,
        vector: npt.NDArray[np.float64] | None = None,
        rule_hits: Sequence[RuleHit] = (),
    ) -> Verdict:
        """Action and reasons for one scored event (``score is None``: the model failed).

        ``explain`` gives the model's reasons; it is only called when the answer is not a plain
        ALLOW, since attributing a score costs more than scoring it.
        """
        hit_reasons = tuple(h.reason for h in rule_hits)
        denied = self._config.deny.matches(rule_inputs)
        if denied:
            reasons = [_rule_reason("DENYLIST", kind) for kind in denied]
            return Verdict(Action.BLOCK, (*reasons, *hit_reasons, *explain()))
        allowed = self._config.allow.matches(rule_inputs)
        if allowed:
            listed = tuple(_rule_reason("ALLOWLIST", k) for k in allowed)
            return Verdict(Action.ALLOW, (*listed, *hit_reasons))
        if any(h.action is Action.ALLOW for h in rule_hits):
            return Verdict(Action.ALLOW, hit_reasons)  # an explicit allow by a live rule
        extra: list[Reason] = []
        if score is None:
            action = self._fallback(event_type, Action.ALLOW)
            extra.append(MODEL_UNAVAILABLE)
        else:
            action = action_for(score, self._thresholds[event_type])
        envelope = self._envelopes.get(event_type)
        if envelope is not None and vector is not None and envelope.exceeded(vector):
            action = max(action, Action.REVIEW)
            extra.append(BEYOND_ENVELOPE)
        if not state_ok:
            action = self._fallback(event_type, action)
            extra.append(STATE_UNAVAILABLE)
        for hit in rule_hits:
            if hit.action is not None:
                action = max(action, hit.action)
        if action is Action.ALLOW and not extra:
            return Verdict(action, hit_reasons)
        return Verdict(action, (*hit_reasons, *explain(), *extra))

    def _fallback(self, event_type: EventType, action: Action) -> Action:
        mode = self._fail_modes.get(event_type, FailMode.OPEN)
        if mode is FailMode.CLOSED:
            return Action.BLOCK
        if mode is FailMode.REVIEW:
            return max(action, Action.REVIEW)
        return action


def _rule_reason(prefix: str, kind: str) -> Reason:
    verb = "deny" if prefix == "DENYLIST" else "allow"
    return Reason(f"{prefix}_{kind.upper()}", f"The {_RULE_TEXT[kind]} is on the {verb} list", 1.0)
