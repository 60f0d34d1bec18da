"""Priors a simulated world cannot flip: LightGBM constraints derived from the feature spec.

Gradient boosting exploits every quirk of the world it is trained in. Where the *direction* of a
feature's risk is known from the domain (more signups from one device is never evidence of
innocence), the spec records it (:attr:`service.features.spec.Feature.direction`) and the model is
trained under a monotone constraint in that direction, so no simulated world can teach it the
opposite. Features whose direction depends on a world's assumption (time from signup to first
key, form-fill time: :attr:`service.features.spec.Feature.world_dependent`) must not decide on
their own terms. Three treatments (``TrainConfig.world_dependent``):

- ``interact`` (default): LightGBM interaction constraints put them in a group with the
  coordination features (velocity, linkage, group and burst counts) only, so a tree branch that
  uses one can combine it with shared-infrastructure evidence but never with identity, email,
  device or network attributes; and their split gain is halved (a bound on their weight);
- ``exclude``: a split-gain penalty of zero keeps them out of every tree;
- ``free``: no special treatment (to measure what the others cost).

The report lists each feature's share of the gain beside its constraint (:func:`gain_table`).
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np

from service.domain import EventType
from service.features.spec import FEATURES, Feature, Kind

# The monotone method: "intermediate" keeps most of the accuracy "basic" loses, at a modest cost
# in training time ("advanced" costs more again for little here).
MONOTONE_METHOD = "intermediate"


WORLD_DEPENDENT_MODES = ("interact", "exclude", "free")
# Split-gain multiplier of world-dependent features under "interact".
WORLD_DEPENDENT_PENALTY = 0.5
# Feature sources that count coordination across accounts (the group world-dependent features
# may interact with).
COORDINATION_SOURCES = ("velocity", "linkage", "account_group")


def excluded(feature: Feature, mode: str = "interact") -> bool:
    """True for a feature the model must not use at all."""
    return mode == "exclude" and feature.world_dependent


def direction(feature: Feature) -> int:
    """The monotone constraint of one feature: +1, -1 or 0 (none; always 0 for categories and
    for world-dependent features, whose direction is a world's assumption)."""
    if feature.kind is Kind.CATEGORICAL or feature.world_dependent:
        return 0
    return int(feature.direction)


def label(feature: Feature, mode: str = "interact") -> str:
    """The constraint as the report shows it."""
    if feature.world_dependent and mode != "free":
        return {
            "exclude": "excluded (world-dependent)",
            "interact": "world-dependent: only with coordination features, gain ×0.5",
        }[mode]
    return {1: "monotone +", -1: "monotone −", 0: "free"}[direction(feature)]


def _penalty(feature: Feature, mode: str) -> float:
    if not feature.world_dependent or mode == "free":
        return 1.0
    return 0.0 if mode == "exclude" else WORLD_DEPENDENT_PENALTY


def lgb_constraint_params(
    event_type: EventType, enabled: bool = True, mode: str = "interact"
) -> dict[str, Any]:
    """The LightGBM parameters that impose the spec's priors on one event type's model."""
    if not enabled:
        return {}
    if mode not in WORLD_DEPENDENT_MODES:
        raise ValueError(f"unknown world-dependent mode {mode!r}")
    feats = FEATURES[event_type]
    params: dict[str, Any] = {
        "monotone_constraints": [direction(f) for f in feats],
        "monotone_constraints_method": MONOTONE_METHOD,
        # gain[i] *= feature_penalty[i]: 0 keeps a feature out of every split.
        "feature_penalty": [_penalty(f, mode) for f in feats],
    }
    if mode == "interact":
        main = [i for i, f in enumerate(feats) if not f.world_dependent]
        coordination = [
            i
            for i, f in enumerate(feats)
            if f.world_dependent or (f.source in COORDINATION_SOURCES and f.direction > 0)
        ]
        params["interaction_constraints"] = [main, coordination]
    return params


def gain_table(
    event_type: EventType, booster: lgb.Booster, mode: str = "interact"
) -> list[dict[str, Any]]:
    """Each feature's share of the model's total split gain and its constraint, largest first."""
    gains = np.asarray(booster.feature_importance(importance_type="gain"), dtype=np.float64)
    total = float(gains.sum()) or 1.0
    rows: list[dict[str, Any]] = [
        {"feature": f.name, "gain_share": float(g) / total, "constraint": label(f, mode)}
        for f, g in zip(FEATURES[event_type], gains, strict=True)
    ]
    rows.sort(key=lambda r: (-r["gain_share"], r["feature"]))
    return rows
