"""Rule evaluation and combination: order, strictest action, explicit allow, shadow, errors."""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry

from service.config import FailMode
from service.domain import Action, EventType, Reason
from service.features import names
from service.model.artifact import Thresholds
from service.policy import Policy, PolicyConfig, RuleInputs, RuleList, Verdict
from service.rules.engine import RuleEngine, RuleResult, RuleSet
from service.rules.model import Rule, RuleAction, RuleSpec, RuleState

WIDTH = len(names(EventType.SIGNUP))


def _rule(rule_id: str, condition: str, action: RuleAction, state: RuleState) -> Rule:
    spec = RuleSpec(rule_id, EventType.SIGNUP, condition, action, rule_id.upper(), state=state)
    return Rule(spec, 1, "test", 0.0)


def _engine(*rules: Rule) -> tuple[RuleEngine, CollectorRegistry]:
    registry = CollectorRegistry()
    engine = RuleEngine(None, registry)
    built, broken = RuleSet.build(1, list(rules))
    assert not broken
    engine.use(built)
    return engine, registry


def _policy(config: PolicyConfig | None = None) -> Policy:
    thresholds = dict.fromkeys(EventType, Thresholds(0.3, 0.6, 0.85))
    return Policy(thresholds, config or PolicyConfig(), dict.fromkeys(EventType, FailMode.OPEN))


def _decide(
    engine: RuleEngine, score: float, config: PolicyConfig | None = None
) -> tuple[Verdict, RuleResult]:
    result = engine.evaluate(EventType.SIGNUP, [0.0] * WIDTH, score, {"email_domain": "x.io"})
    verdict = _policy(config).decide(
        EventType.SIGNUP,
        score,
        list,
        RuleInputs(email_domain="x.io"),
        state_ok=True,
        rule_hits=result.hits,
    )
    return verdict, result


def test_strictest_action_wins_and_every_hit_adds_its_reason() -> None:
    """A review rule and a block rule both hit: BLOCK, with both reasons (and the tag's)."""
    engine, _ = _engine(
        _rule("r_review", "score >= 0.0", RuleAction.REVIEW, RuleState.LIVE),
        _rule("r_block", 'signals.email_domain == "x.io"', RuleAction.BLOCK, RuleState.LIVE),
        _rule("r_tag", "true", RuleAction.TAG, RuleState.LIVE),
    )
    verdict, _ = _decide(engine, 0.1)
    assert verdict.action is Action.BLOCK
    assert [r.code for r in verdict.reasons] == ["R_REVIEW", "R_BLOCK", "R_TAG"]


def test_rules_raise_the_model_action_but_never_lower_it() -> None:
    """A challenge rule on a score the thresholds already block leaves BLOCK."""
    engine, _ = _engine(_rule("r", "true", RuleAction.CHALLENGE, RuleState.LIVE))
    verdict, _ = _decide(engine, 0.9)
    assert verdict.action is Action.BLOCK
    assert verdict.reasons[0].code == "R"


def test_an_explicit_allow_rule_wins_over_a_block_rule_and_the_model() -> None:
    """Allow beats every stricter action after the lists."""
    engine, _ = _engine(
        _rule("r_block", "true", RuleAction.BLOCK, RuleState.LIVE),
        _rule("r_allow", "score > 0.5", RuleAction.ALLOW, RuleState.LIVE),
    )
    verdict, _ = _decide(engine, 0.95)
    assert verdict.action is Action.ALLOW
    assert {r.code for r in verdict.reasons} == {"R_BLOCK", "R_ALLOW"}


def test_the_deny_list_comes_before_an_allow_rule() -> None:
    """Lists are first: a denied domain is blocked whatever the rules say."""
    engine, _ = _engine(_rule("r_allow", "true", RuleAction.ALLOW, RuleState.LIVE))
    config = PolicyConfig(deny=RuleList(email_domains=frozenset({"x.io"})))
    verdict, _ = _decide(engine, 0.1, config)
    assert verdict.action is Action.BLOCK
    assert verdict.reasons[0].code == "DENYLIST_EMAIL_DOMAIN"


def test_shadow_rules_are_logged_and_never_act() -> None:
    """A matching shadow block rule leaves the action and reasons alone, but is logged."""
    engine, _ = _engine(_rule("s_block", "true", RuleAction.BLOCK, RuleState.SHADOW))
    verdict, result = _decide(engine, 0.1)
    assert verdict.action is Action.ALLOW
    assert verdict.reasons == ()
    assert result.hits == ()
    assert result.logged == (("s_block", 1, "shadow", "block"),)


def test_drafts_and_disabled_rules_are_not_evaluated() -> None:
    """Only live and shadow rules are compiled into the rule set."""
    engine, _ = _engine(
        _rule("d", "true", RuleAction.BLOCK, RuleState.DRAFT),
        _rule("x", "true", RuleAction.BLOCK, RuleState.DISABLED),
    )
    verdict, result = _decide(engine, 0.1)
    assert verdict.action is Action.ALLOW
    assert result.logged == ()


def test_an_evaluation_error_is_no_match_and_a_metric() -> None:
    """Division by zero does not raise: the rule does not match and the error is counted."""
    engine, registry = _engine(
        _rule("div", "score / features.vel_ip_1h > 1", RuleAction.BLOCK, RuleState.LIVE)
    )
    verdict, result = _decide(engine, 0.2)
    assert verdict.action is Action.ALLOW
    assert result.hits == ()
    assert registry.get_sample_value("signupguard_rule_errors_total", {"rule_id": "div"}) == 1.0


def test_expired_rules_stop_matching() -> None:
    """A rule past its expiry is skipped."""
    spec = RuleSpec(
        "old", EventType.SIGNUP, "true", RuleAction.BLOCK, "OLD", state=RuleState.LIVE,
        expires_at=1.0,
    )  # fmt: skip
    engine, _ = _engine(Rule(spec, 1, "t", 0.0))
    verdict, _ = _decide(engine, 0.1)
    assert verdict.action is Action.ALLOW


def test_missing_score_reads_as_nan() -> None:
    """With the model down, `score > x` is false rather than an error."""
    engine, _ = _engine(
        _rule("s", "score > 0.5 || math.isNaN(score)", RuleAction.TAG, RuleState.LIVE)
    )
    result = engine.evaluate(EventType.SIGNUP, [math.nan] * WIDTH, None, {})
    assert result.hits[0].reason == Reason("S", "Rule s matched", 1.0)
