"""Monotone constraints and world-dependent exclusions taken from the feature spec."""

from __future__ import annotations

import dataclasses
from typing import Any

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
@pytest.mark.parametrize("mode", ["interact", "exclude", "free"])
def test_every_feature_gets_one_constraint(event_type: EventType, mode: str) -> None:
    """The constraint vectors follow the spec: one entry per feature, none on categories."""
    params = lgb_constraint_params(event_type, mode=mode)
    feats = FEATURES[event_type]
    assert len(params["monotone_constraints"]) == len(feats)
    assert len(params["feature_penalty"]) == len(feats)
    for f, mono, penalty in zip(
        feats, params["monotone_constraints"], params["feature_penalty"], strict=True
    ):
        assert mono in (-1, 0, 1)
        if f.kind is Kind.CATEGORICAL or f.world_dependent:
            assert mono == 0
        if excluded(f, mode):
            assert penalty == 0.0
        elif f.world_dependent and mode == "interact":
            assert 0.0 < penalty < 1.0
        else:
            assert penalty == 1.0
    assert params["monotone_constraints_method"] == "intermediate"
    assert ("interaction_constraints" in params) == (mode == "interact")


def test_excluded_world_dependent_features_never_split() -> None:
    """With mode "exclude", time to first key never splits a tree, whatever the labels say."""
    event_type = EventType.API_KEY
    names = [f.name for f in FEATURES[event_type]]
    x, _ = _data(event_type)
    column = names.index("signup_to_first_key_s")
    assert excluded(FEATURES[event_type][column], "exclude")
    y = (x[:, column] >= 2).astype(np.int64)  # the label is this feature alone
    config = dataclasses.replace(FAST, world_dependent="exclude")
    booster = fit_booster(event_type, x, y, None, None, config, seed=1)
    gains = {r["feature"]: r["gain_share"] for r in gain_table(event_type, booster, "exclude")}
    assert gains["signup_to_first_key_s"] == 0.0


def _paths(node: dict[str, Any], seen: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    if "split_feature" not in node:
        return [seen]
    here = (*seen, int(node["split_feature"]))
    return _paths(node["left_child"], here) + _paths(node["right_child"], here)


def test_world_dependent_features_only_meet_coordination_features() -> None:
    """Under "interact", no branch combines time to first key with an identity attribute."""
    event_type = EventType.API_KEY
    feats = FEATURES[event_type]
    names = [f.name for f in feats]
    x, _ = _data(event_type)
    wd, other = names.index("signup_to_first_key_s"), names.index("ua_is_bot")
    y = ((x[:, wd] >= 2) & (x[:, other] >= 2)).astype(np.int64)  # an interaction to tempt it
    booster = fit_booster(event_type, x, y, None, None, FAST, seed=1)
    group = set(lgb_constraint_params(event_type)["interaction_constraints"][1])
    used_wd = False
    for tree in booster.dump_model()["tree_info"]:
        for path in _paths(tree["tree_structure"]):
            if any(feats[i].world_dependent for i in path):
                used_wd = True
                assert set(path) <= group, [names[i] for i in path]
    assert used_wd, "the feature is still usable, only its company is constrained"


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
