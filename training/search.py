"""A small, deterministic hyper-parameter search on the validation period.

Optuna's TPE sampler, seeded, one trial at a time: the same data and seed give the same trials.
Trial 0 is the configured baseline, so the search can only keep or beat it. Each trial trains on
the training period with early stopping on the validation period and is scored there by PR-AUC
of the raw scores (calibration is monotone, so it would not change the ranking); recall at the
block false-positive budget is recorded beside it. The held-out tail is never read.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import optuna
from sklearn.metrics import average_precision_score

from service.domain import EventType
from training.train import Split, TrainConfig, fit_booster, raw_scores, recall_at_fpr

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SEARCHED = ("num_leaves", "min_data_in_leaf", "feature_fraction", "lambda_l2", "balance")


@dataclass(frozen=True)
class SearchResult:
    """Every trial (parameters and validation figures) and the winning configuration."""

    trials: list[dict[str, Any]]
    best_trial: int
    best_config: TrainConfig


def _suggest(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
        "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 10, 200, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0, step=0.1),
        "lambda_l2": trial.suggest_float("lambda_l2", 0.01, 30.0, log=True),
        "balance": trial.suggest_categorical("balance", ["none", "sqrt", "full"]),
    }


def search(
    event_type: EventType,
    x: FloatArray,
    y: IntArray,
    split: Split,
    base: TrainConfig,
    seed: int,
    trials: int,
    on_trial: Callable[[str], None] | None = None,
) -> SearchResult:
    """Search ``trials`` configurations around ``base``; returns them all and the best.

    ``on_trial`` hears a one-line summary after each trial (progress)."""
    x_train, y_train = x[split.train], y[split.train]
    x_valid, y_valid = x[split.valid], y[split.valid]
    block_budget = base.fpr_budget["block"]
    records: list[dict[str, Any]] = []

    def objective(trial: optuna.Trial) -> float:
        params = _suggest(trial)
        config = dataclasses.replace(base, **params)
        booster = fit_booster(event_type, x_train, y_train, x_valid, y_valid, config, seed)
        raw = raw_scores(booster, x_valid)
        value = float(average_precision_score(y_valid, raw))
        records.append(
            {
                "trial": trial.number,
                **params,
                "best_iteration": booster.best_iteration or booster.current_iteration(),
                "valid_pr_auc": value,
                f"valid_recall_at_fpr_{block_budget:.1%}": recall_at_fpr(
                    y_valid, raw, block_budget
                ),
                "valid_recall_at_fpr_1%": recall_at_fpr(y_valid, raw, 0.01),
            }
        )
        if on_trial is not None:
            on_trial(f"{event_type.value} trial {trial.number}: PR-AUC {value:.4f}")
        return value

    optuna.logging.set_verbosity(logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(1, min(8, trials // 2)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial({name: getattr(base, name) for name in SEARCHED})
    study.optimize(objective, n_trials=trials)
    best = study.best_trial
    best_config = dataclasses.replace(base, **{k: best.params[k] for k in SEARCHED})
    return SearchResult(records, best.number, best_config)
