"""Small real artifacts for tests: LightGBM boosters trained on random rows in spec shape."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np

from service.domain import EventType
from service.features import FEATURES, categorical_names, names
from service.features.spec import Kind
from service.model.artifact import Calibration, Thresholds
from training.export import export_artifact
from training.train import TrainedModel

# Random rows learn fraud from these flags, so requests that set them get high scores.
SIGNAL_COLUMNS = ("ua_is_bot", "ip_is_datacenter", "same_device_as_signup")


def random_booster(event_type: EventType, seed: int = 0, rounds: int = 30) -> lgb.Booster:
    """A booster on the real feature names, trained on random rows with a learnable signal:
    fraud is likely when ``ua_is_bot`` or ``ip_is_datacenter`` is set."""
    rng = np.random.default_rng(seed)
    cols = names(event_type)
    kinds = {f.name: f.kind for f in FEATURES[event_type]}
    x = rng.normal(size=(2000, len(cols)))
    for i, name in enumerate(cols):
        if kinds[name] is Kind.BINARY:
            x[:, i] = rng.integers(0, 2, size=2000)
        elif kinds[name] is Kind.CATEGORICAL:
            x[:, i] = rng.integers(0, 5, size=2000)
    x[rng.random(x.shape) < 0.1] = np.nan
    cats = [cols.index(c) for c in categorical_names(event_type)]
    signal = sum(np.nan_to_num(x[:, cols.index(c)]) for c in SIGNAL_COLUMNS if c in cols)
    y = signal + rng.normal(size=2000) * 0.3 > 0.7
    params = {"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": seed}
    data = lgb.Dataset(x, y.astype(int), feature_name=list(cols), categorical_feature=cats)
    return lgb.train(params, data, rounds)


def make_artifact(out: Path, thresholds: Thresholds | None = None, seed: int = 0) -> str:
    """Export a random-model artifact to ``out``; returns its model version."""
    models = {}
    for event_type in EventType:
        booster = random_booster(event_type, seed)
        models[event_type] = TrainedModel(
            event_type=event_type,
            booster=booster,
            calibration=Calibration((-6.0, 0.0, 6.0), (0.0025, 0.5, 0.9975)),
            thresholds=thresholds or Thresholds(0.3, 0.6, 0.85),
            metrics={},
            best_iteration=booster.current_iteration(),
        )
    return export_artifact(out, models, "test", {"source": "tests"}, "# {version}\n")
