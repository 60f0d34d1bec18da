"""Priors a simulated world cannot flip: LightGBM constraints derived from the feature spec.

Gradient boosting exploits every quirk of the world it is trained in. Where the *direction* of a
feature's risk is known from the domain (more signups from one device is never evidence of
innocence), the spec records it (:attr:`service.features.spec.Feature.direction`) and the model is
trained under a monotone constraint in that direction, so no simulated world can teach it the
opposite. Features whose direction depends on a world's assumption (time from signup to first
key, form-fill time: :attr:`service.features.spec.Feature.world_dependent`) must not decide alone;
they get a split-gain penalty of zero, which keeps them out of every tree. The report lists each
feature's constraint beside its share of the gain (:func:`gain_table`).
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


def excluded(feature: Feature) -> bool:
    """True for a feature the model must not use (its direction depends on the world)."""
    return feature.world_dependent


def direction(feature: Feature) -> int:
    """The monotone constraint of one feature: +1, -1 or 0 (none; always 0 for categories)."""
    if feature.kind is Kind.CATEGORICAL or excluded(feature):
        return 0
    return int(feature.direction)


def label(feature: Feature) -> str:
    """The constraint as the report shows it."""
    if excluded(feature):
        return "excluded (world-dependent)"
    return {1: "monotone +", -1: "monotone −", 0: "free"}[direction(feature)]


def lgb_constraint_params(event_type: EventType, enabled: bool = True) -> dict[str, Any]:
    """The LightGBM parameters that impose the spec's priors on one event type's model."""
    if not enabled:
        return {}
    feats = FEATURES[event_type]
    return {
        "monotone_constraints": [direction(f) for f in feats],
        "monotone_constraints_method": MONOTONE_METHOD,
        # gain[i] *= feature_penalty[i]: 0 keeps a feature out of every split.
        "feature_penalty": [0.0 if excluded(f) else 1.0 for f in feats],
    }


def gain_table(event_type: EventType, booster: lgb.Booster) -> list[dict[str, Any]]:
    """Each feature's share of the model's total split gain and its constraint, largest first."""
    gains = np.asarray(booster.feature_importance(importance_type="gain"), dtype=np.float64)
    total = float(gains.sum()) or 1.0
    rows: list[dict[str, Any]] = [
        {"feature": f.name, "gain_share": float(g) / total, "constraint": label(f)}
        for f, g in zip(FEATURES[event_type], gains, strict=True)
    ]
    rows.sort(key=lambda r: (-r["gain_share"], r["feature"]))
    return rows
