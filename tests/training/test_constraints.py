"""Monotone constraints and world-dependent exclusions taken from the feature spec."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from service.domain import EventType
from service.features.spec import FEATURES, Kind
from training.constraints import direction, excluded, gain_table, lgb_constraint_params
from training.train import TrainConfig, fit_booster, raw_scores

FAST = TrainConfig(num_boost_round=60, num_leaves=15, min_data_in_leaf=5)


def _data(event_type: EventType, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(n, len(FEATURES[event_type]))).astype(np.float64)
    return x, rng.integers(0, 2, size=n).astype(np.int64)


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_feature_gets_one_constraint(event_type: EventType) -> None:
    """The constraint vectors follow the spec: one entry per feature, none on categories."""
    params = lgb_constraint_params(event_type)
    feats = FEATURES[event_type]
    assert len(params["monotone_constraints"]) == len(feats)
    assert len(params["feature_penalty"]) == len(feats)
    for f, mono, penalty in zip(
        feats, params["monotone_constraints"], params["feature_penalty"], strict=True
    ):
        assert mono in (-1, 0, 1)
        if f.kind is Kind.CATEGORICAL or excluded(f):
            assert mono == 0
        assert penalty == (0.0 if excluded(f) else 1.0)
    assert params["monotone_constraints_method"] == "intermediate"


def test_world_dependent_features_are_excluded() -> None:
    """Time to first key and account age never split a tree, whatever the labels say."""
    event_type = EventType.API_KEY
    names = [f.name for f in FEATURES[event_type]]
    x, _ = _data(event_type)
    column = names.index("signup_to_first_key_s")
    assert excluded(FEATURES[event_type][column])
    y = (x[:, column] >= 2).astype(np.int64)  # the label is this feature alone
    booster = fit_booster(event_type, x, y, None, None, FAST, seed=1)
    gains = {r["feature"]: r["gain_share"] for r in gain_table(event_type, booster)}
    assert gains["signup_to_first_key_s"] == 0.0


def test_a_positive_direction_cannot_be_learnt_backwards() -> None:
    """A +1 feature whose labels say 'more is safer' still never lowers the score as it grows."""
    event_type = EventType.SIGNUP
    names = [f.name for f in FEATURES[event_type]]
    column = names.index("vel_device_1h")
    assert direction(FEATURES[event_type][column]) == 1
    x, _ = _data(event_type)
    y = (x[:, column] <= 1).astype(np.int64)  # a world where shared devices look innocent
    booster = fit_booster(event_type, x, y, None, None, FAST, seed=1)
    grid = np.repeat(x[:50], 5, axis=0)
    grid[:, column] = np.tile(np.arange(5.0), 50)
    scores = raw_scores(booster, grid).reshape(50, 5)
    assert (np.diff(scores, axis=1) >= -1e-9).all()
    free_config = dataclasses.replace(FAST, constraints=False)
    unconstrained = fit_booster(event_type, x, y, None, None, free_config, 1)
    free = raw_scores(unconstrained, grid).reshape(50, 5)
    assert (np.diff(free, axis=1) < -1e-6).any(), "without the constraint the model learns it"
