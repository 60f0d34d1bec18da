"""Review thresholds chosen per account, for signups and key creations together."""

from __future__ import annotations

import numpy as np

from service.domain import Action, EventType
from training.cohorts import DecidedEvent
from training.thresholds import AccountScores, joint_review


def _event(kind: EventType, account: str, label: str, score: float) -> DecidedEvent:
    return DecidedEvent(kind, account, 0.0, label, "c", "", score, Action.ALLOW)


def _world(seed: int = 0) -> AccountScores:
    """Legitimate accounts score low on both; fraud is caught better at key time."""
    rng = np.random.default_rng(seed)
    events = []
    for i in range(4000):
        events.append(_event(EventType.SIGNUP, f"l{i}", "legitimate", float(rng.beta(1, 20))))
        events.append(_event(EventType.API_KEY, f"l{i}", "legitimate", float(rng.beta(1, 30))))
    for i in range(300):
        events.append(_event(EventType.SIGNUP, f"f{i}", "fraud", float(rng.beta(2, 8))))
        events.append(_event(EventType.API_KEY, f"f{i}", "fraud", float(rng.beta(8, 2))))
    return AccountScores.from_events(events)


def test_collects_one_row_per_account() -> None:
    """Each account gets its signup score and its highest and lowest key score."""
    events = [
        _event(EventType.SIGNUP, "a", "fraud", 0.2),
        _event(EventType.API_KEY, "a", "fraud", 0.9),
        _event(EventType.API_KEY, "a", "fraud", 0.1),
        _event(EventType.SIGNUP, "b", "legitimate", 0.05),
    ]
    scores = AccountScores.from_events(events)
    assert list(scores.signup) == [0.2, 0.05]
    assert scores.key_max[0] == 0.9
    assert scores.key_min[0] == 0.1
    assert np.isnan(scores.key_max[1])
    assert list(scores.fraud) == [True, False]


def test_choice_meets_the_account_budget() -> None:
    """The chosen pair holds at most the budget of legitimate accounts, measured the same way."""
    scores = _world()
    choice = joint_review(scores, 0.015)
    held, reached = scores.outcome(choice.signup_review, choice.api_key_review)
    assert held <= 0.015
    assert (held, reached) == (choice.legitimate_held, choice.fraud_reached_key)


def test_budget_goes_where_it_catches_most() -> None:
    """With fraud visible at key time, the key threshold gets the budget, beating equal shares."""
    scores = _world()
    choice = joint_review(scores, 0.015)
    legit = ~scores.fraud
    even = (
        float(np.quantile(scores.signup[legit], 1 - 0.0075)),
        float(np.quantile(scores.key_max[legit], 1 - 0.0075)),
    )
    _, reached_even = scores.outcome(*even)
    assert choice.fraud_reached_key <= reached_even
    assert choice.signup_review > even[0]


def test_a_bigger_budget_never_lets_more_fraud_through() -> None:
    """Raising the budget can only lower (or keep) the fraud reaching a key."""
    scores = _world(1)
    tight, loose = joint_review(scores, 0.005), joint_review(scores, 0.03)
    assert loose.fraud_reached_key <= tight.fraud_reached_key
