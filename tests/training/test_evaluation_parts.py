"""Cohort counting, the hyper-parameter search and the simulator-quirk guards on small inputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from service.domain import Action, EventType
from service.features import names
from service.signals import SignalExtractor
from training.cohorts import DecidedEvent, summarise
from training.dataset import Rows, build_dataset
from training.guards import audit
from training.search import search
from training.simulate import load_config, simulate
from training.train import TrainConfig, time_split

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"
FAST = TrainConfig(num_boost_round=40, early_stopping_rounds=10, num_leaves=15, min_data_in_leaf=10)


def _event(kind: EventType, account: str, at: float, action: Action, cohort: str) -> DecidedEvent:
    label = "legitimate" if cohort == "organic" else "fraud"
    campaign = "" if label == "legitimate" else f"{cohort}-1"
    return DecidedEvent(kind, account, at, label, cohort, campaign, 0.5, action)


def test_reaching_a_key_needs_a_passing_signup_and_a_passing_key() -> None:
    """An account reaches a key only when its signup and one of its keys pass; counts add up."""
    s, k = EventType.SIGNUP, EventType.API_KEY
    events = [
        _event(s, "a", 1, Action.CHALLENGE, "bot"),
        _event(k, "a", 2, Action.BLOCK, "bot"),
        _event(k, "a", 3, Action.ALLOW, "bot"),  # a's second key passes: reached
        _event(s, "b", 4, Action.ALLOW, "bot"),
        _event(k, "b", 5, Action.REVIEW, "bot"),  # b's only key is held: not reached
        _event(s, "c", 6, Action.BLOCK, "bot"),
        _event(k, "c", 7, Action.ALLOW, "bot"),  # blocked signup: not reached
        _event(s, "d", 8, Action.ALLOW, "bot"),  # passed after the first block
        _event(s, "e", 9, Action.REVIEW, "organic"),
    ]
    figures = summarise(events)
    bot = figures["cohorts"]["bot"]
    assert bot["accounts"] == 4
    assert bot["reached_key"] == pytest.approx(0.25)
    assert bot["blocked"] == pytest.approx(0.25)
    assert bot["passed_before_first_block"] == 2
    assert figures["campaigns"]["bot-1"]["reached_key"] == pytest.approx(0.25)
    assert figures["overall"]["legitimate_reviewed"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def signups() -> Rows:
    """Signup rows of the small stream."""
    return build_dataset(
        simulate(load_config(SMALL), seed=4), SignalExtractor.from_directory()
    ).signup


def test_search_is_deterministic_and_starts_from_the_baseline(signups: Rows) -> None:
    """The same data and seed give the same trials; trial 0 is the configured parameters."""
    x, y = signups.matrix(), signups.y()
    split = time_split(np.asarray(signups.times), 0.2, 0.2)
    first = search(EventType.SIGNUP, x, y, split, FAST, 3, trials=4)
    again = search(EventType.SIGNUP, x, y, split, FAST, 3, trials=4)
    assert first.trials == again.trials
    assert first.trials[0]["num_leaves"] == FAST.num_leaves
    assert first.trials[0]["balance"] == FAST.balance
    best = max(first.trials, key=lambda t: t["valid_pr_auc"])
    assert first.best_trial == best["trial"]
    assert first.best_config.num_leaves == best["num_leaves"]


def test_guards_flag_a_leak_and_a_template(signups: Rows) -> None:
    """A feature equal to the label fails the AUC limit; a campaign constant is a template."""
    columns = names(EventType.SIGNUP)
    y = signups.y()
    vectors = [v.copy() for v in signups.vectors]
    leak, template = columns.index("email_local_entropy"), columns.index("form_fill_ms")
    campaign = next(c for c in signups.campaigns if c)
    for vector, label, name in zip(vectors, y, signups.campaigns, strict=True):
        vector[leak] = float(label)
        if name == campaign:
            vector[template] = 4321.0
    planted = dataclasses.replace(signups, vectors=vectors)
    found = audit(planted)
    assert [s["feature"] for s in found["over_max_single_auc"]] == ["email_local_entropy"]
    assert {"campaign": campaign, "feature": "form_fill_ms"}.items() <= next(
        t for t in found["templates"] if t["feature"] == "form_fill_ms"
    ).items()
    clean = audit(signups)
    assert clean["over_max_single_auc"] == []
