"""Both models from one replayed dataset: the signup model, cross-fitted signup decisions on the
key rows, then the API-key model.

The API-key model reads the account's signup score. Scored in sample, training accounts would get
signup scores far more confident than the server will ever produce for a new account, and the key
model would learn to lean on them. So every training account is scored by a signup model fitted
on the other half of the training accounts (two folds by account hash); validation and held-out
accounts, which no signup model saw, get the final signup model's decision, as they would in
production.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from service.domain import EventType
from service.policy import action_for
from training.dataset import Dataset, account_fold, attach_signup_decisions
from training.search import SearchResult, search
from training.train import (
    Split,
    TrainConfig,
    TrainedModel,
    calibrate,
    fit_booster,
    raw_scores,
    time_split,
    train_event_type,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class Fitted:
    """Both trained models, their splits, the dataset with signup decisions attached, and the
    hyper-parameter search behind each model (empty when none ran)."""

    configs: dict[EventType, TrainConfig]
    models: dict[EventType, TrainedModel]
    splits: dict[EventType, Split]
    data: Dataset
    searches: dict[EventType, SearchResult] = field(default_factory=dict)

    def search_summary(self) -> dict[str, Any]:
        """Each searched model's trials and best trial (for reports)."""
        return {
            t.value: {"best_trial": s.best_trial, "trials": s.trials}
            for t in EventType
            if (s := self.searches.get(t)) is not None
        }

    def held_out_since(self) -> float:
        """The moment from which both event types are in their held-out tail (inf: none)."""
        if not all(len(self.splits[t].test) for t in EventType):
            return float("inf")
        return max(
            self.data.rows(t).times[int(self.splits[t].test[0])]
            for t in EventType
            if len(self.splits[t].test)
        )


def crossfit_signup_decisions(
    data: Dataset, trained: TrainedModel, split: Split, config: TrainConfig, seed: int
) -> tuple[FloatArray, IntArray]:
    """Signup score and action of every signup row, never from a model that saw its account."""
    rows = data.signup
    x, y = rows.matrix(), rows.y()
    folds = np.array([account_fold(a) for a in rows.accounts], dtype=np.int64)
    raw = raw_scores(trained.booster, x)
    in_train = np.zeros(len(rows), dtype=bool)
    in_train[split.train] = True
    for k in (0, 1):
        fit_idx = split.train[folds[split.train] != k]
        booster = fit_booster(
            EventType.SIGNUP,
            x[fit_idx],
            y[fit_idx],
            None,
            None,
            config,
            seed,
            trained.best_iteration,
        )
        mine = in_train & (folds == k)
        if mine.any():
            raw[mine] = raw_scores(booster, x[mine])
    scores = calibrate(trained.calibration, raw)
    actions = np.asarray([int(action_for(float(s), trained.thresholds)) for s in scores])
    return scores, actions.astype(np.int64)


def _tuned(
    event_type: EventType,
    data: Dataset,
    config: TrainConfig,
    seed: int,
    trials: int,
    chosen: Mapping[EventType, TrainConfig] | None,
    split: Split | None,
    on_trial: Callable[[str], None] | None = None,
) -> tuple[TrainConfig, SearchResult | None]:
    if chosen is not None and event_type in chosen:
        return chosen[event_type], None
    if trials <= 0:
        return config, None
    rows = data.rows(event_type)
    if split is None:
        split = time_split(np.asarray(rows.times), config.valid_fraction, config.test_fraction)
    result = search(event_type, rows.matrix(), rows.y(), split, config, seed, trials, on_trial)
    return result.best_config, result


def fit_models(
    data: Dataset,
    config: TrainConfig,
    seed: int,
    trials: int = 0,
    chosen: Mapping[EventType, TrainConfig] | None = None,
    splits: Mapping[EventType, Split] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_trial: Callable[[str], None] | None = None,
) -> Fitted:
    """Train, calibrate and threshold both models on a split of ``data`` (default: by time).

    With ``trials`` > 0, each model's hyper-parameters are first searched on its validation
    rows (:mod:`training.search`); the held-out rows are never looked at. ``chosen`` gives
    per-event-type settings to use as they are (no search), such as another run's choice.
    ``splits`` gives each event type's train/validation/held-out rows (say, whole simulated
    worlds for validation); ``on_stage`` and ``on_trial`` hear about each stage as it starts and
    each search trial as it ends (progress).
    """
    stage = on_stage or (lambda _name: None)
    given = dict(splits or {})
    searches: dict[EventType, SearchResult] = {}
    stage("signup model")
    signup_config, found = _tuned(
        EventType.SIGNUP, data, config, seed, trials, chosen, given.get(EventType.SIGNUP), on_trial
    )
    if found is not None:
        searches[EventType.SIGNUP] = found
    rows = data.signup
    signup, signup_split = train_event_type(
        EventType.SIGNUP,
        rows.matrix(),
        rows.y(),
        np.asarray(rows.times),
        signup_config,
        seed,
        given.get(EventType.SIGNUP),
    )
    stage("cross-fitted signup scores")
    scores, actions = crossfit_signup_decisions(data, signup, signup_split, signup_config, seed)
    with_scores = attach_signup_decisions(data, scores, actions)
    stage("api_key model")
    key_config, found = _tuned(
        EventType.API_KEY,
        with_scores,
        config,
        seed,
        trials,
        chosen,
        given.get(EventType.API_KEY),
        on_trial,
    )
    if found is not None:
        searches[EventType.API_KEY] = found
    keys = with_scores.api_key
    api_key, api_split = train_event_type(
        EventType.API_KEY,
        keys.matrix(),
        keys.y(),
        np.asarray(keys.times),
        key_config,
        seed,
        given.get(EventType.API_KEY),
    )
    return Fitted(
        configs={EventType.SIGNUP: signup_config, EventType.API_KEY: key_config},
        models={EventType.SIGNUP: signup, EventType.API_KEY: api_key},
        splits={EventType.SIGNUP: signup_split, EventType.API_KEY: api_split},
        data=with_scores,
        searches=searches,
    )


def config_summary(config: TrainConfig) -> dict[str, Any]:
    """A config as a plain mapping (for manifests and reports)."""
    return {k: getattr(config, k) for k in config.__dataclass_fields__}
