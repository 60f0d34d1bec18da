"""LightGBM training for one event type: time split, imbalance, early stopping, calibration,
thresholds from a false-positive budget, and held-out metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from service.domain import EventType
from service.features import categorical_names, names
from service.model.artifact import Calibration, Thresholds
from training.constraints import lgb_constraint_params

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (the pipeline reads them from the ``training:`` section of a config)."""

    num_boost_round: int = 300
    early_stopping_rounds: int = 50
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    # Class imbalance: positives are weighted by sqrt(neg/pos), a deliberate middle ground
    # between no weighting (rare fraud under-learnt) and full balancing (scores inflated;
    # calibration then has to undo more). Calibration maps scores back to probabilities.
    balance: str = "sqrt"
    # "platt" (strictly increasing: thresholds can meet a budget closely) or "isotonic".
    calibration: str = "platt"
    valid_fraction: float = 0.15
    test_fraction: float = 0.15
    # False-positive budget per action: the share of legitimate events in the validation
    # period that may get at least that action. Blocking is the one a legitimate user cannot
    # get past, so it gets the tightest budget; review costs an analyst's minute, not a user.
    fpr_budget: dict[str, float] = field(
        default_factory=lambda: {"challenge": 0.03, "review": 0.02, "block": 0.001}
    )
    # The API-key model's own budget (None: ``fpr_budget``). An account is held when its signup
    # *or any* of its key creations is, so per-account review volume adds up over both models.
    api_key_fpr_budget: dict[str, float] | None = None
    # Monotone constraints and the treatment of world-dependent features from the feature spec
    # (training.constraints): "interact", "exclude" or "free"; constraints off only to measure
    # what they cost.
    constraints: bool = True
    world_dependent: str = "interact"
    # One thread: on the two-core build machine the pipeline replays a stream in another process
    # while it trains, and LightGBM's result depends on the thread count (so it is fixed).
    num_threads: int = 1

    @classmethod
    def from_mapping(cls, data: dict[str, Any] | None) -> TrainConfig:
        """Build from a config section, rejecting unknown keys."""
        data = dict(data or {})
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown training keys: {sorted(unknown)}")
        return cls(**data)


@dataclass
class Split:
    """Index arrays of a time-based split: train, then validation, then the held-out tail."""

    train: IntArray
    valid: IntArray
    test: IntArray


def time_split(times: FloatArray, valid_fraction: float, test_fraction: float) -> Split:
    """Split by event time: the last ``test_fraction`` is held out, the slice before validates."""
    order = np.argsort(times, kind="stable")
    n = len(order)
    n_test = int(n * test_fraction)
    n_valid = int(n * valid_fraction)
    cut_valid = n - n_test - n_valid
    return Split(
        train=np.sort(order[:cut_valid]),
        valid=np.sort(order[cut_valid : n - n_test]),
        test=np.sort(order[n - n_test :]),
    )


def budget_for(config: TrainConfig, event_type: EventType) -> dict[str, float]:
    """The false-positive budget of one event type's thresholds."""
    if event_type is EventType.API_KEY and config.api_key_fpr_budget is not None:
        return config.api_key_fpr_budget
    return config.fpr_budget


def lgb_params(config: TrainConfig, seed: int, pos_weight: float) -> dict[str, Any]:
    """LightGBM parameters; deterministic for a seed on a fixed thread count."""
    return {
        "objective": "binary",
        "metric": ["average_precision", "auc"],
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": config.feature_fraction,
        "bagging_fraction": config.bagging_fraction,
        "bagging_freq": 1,
        "lambda_l2": config.lambda_l2,
        "scale_pos_weight": pos_weight,
        "max_cat_to_onehot": 16,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": config.num_threads,
        "verbosity": -1,
    }


def pos_weight(y: IntArray, balance: str) -> float:
    """Weight of the positive class for an imbalance strategy ("none", "sqrt", "full")."""
    pos = max(int(y.sum()), 1)
    neg = max(len(y) - pos, 1)
    if balance == "none":
        return 1.0
    if balance == "full":
        return neg / pos
    if balance == "sqrt":
        return float(np.sqrt(neg / pos))
    raise ValueError(f"unknown balance strategy {balance!r}")


def fit_booster(
    event_type: EventType,
    x_train: FloatArray,
    y_train: IntArray,
    x_valid: FloatArray | None,
    y_valid: IntArray | None,
    config: TrainConfig,
    seed: int,
    rounds: int | None = None,
) -> lgb.Booster:
    """Train one booster; with validation data, early stopping picks the number of rounds."""
    feature_names = list(names(event_type))
    categorical = list(categorical_names(event_type))
    params = lgb_params(config, seed, pos_weight(y_train, config.balance))
    params.update(lgb_constraint_params(event_type, config.constraints, config.world_dependent))
    train_set = lgb.Dataset(
        x_train,
        y_train,
        feature_name=feature_names,
        categorical_feature=categorical,
        free_raw_data=False,
    )
    callbacks: list[Any] = []
    valid_sets = []
    if x_valid is not None and y_valid is not None and rounds is None:
        valid_sets.append(lgb.Dataset(x_valid, y_valid, reference=train_set))
        callbacks.append(lgb.early_stopping(config.early_stopping_rounds, verbose=False))
    return lgb.train(
        params,
        train_set,
        num_boost_round=rounds or config.num_boost_round,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )


def raw_scores(booster: lgb.Booster, x: FloatArray) -> FloatArray:
    """Raw log-odds of many rows."""
    return np.asarray(booster.predict(x, raw_score=True), dtype=np.float64)


def _isotonic(raw: FloatArray, y: IntArray, max_points: int) -> Calibration:
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(raw, y)
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    if len(xs) > max_points:
        keep = np.unique(np.linspace(0, len(xs) - 1, max_points).round().astype(int))
        xs, ys = xs[keep], ys[keep]
    if len(xs) < 2:  # degenerate validation set: fall back to the logistic link
        xs = np.array([-10.0, 10.0])
        ys = 1.0 / (1.0 + np.exp(-xs))
    return Calibration(tuple(float(v) for v in xs), tuple(float(v) for v in ys))


def _platt(raw: FloatArray, y: IntArray, max_points: int) -> Calibration:
    """Logistic map ``1 / (1 + exp(-(a * raw + b)))`` fitted on the validation period, stored as
    ``max_points`` breakpoints over the raw range seen there plus a margin."""
    if len(np.unique(y)) < 2:
        a, b = 1.0, 0.0
    else:
        fit = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
        a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    if a <= 0:  # a model that ranks backwards on validation: keep the map monotone anyway
        a = 1e-3
    margin = 2.0 + 0.25 * float(np.ptp(raw)) if len(raw) else 10.0
    lo = float(raw.min()) - margin if len(raw) else -10.0
    hi = float(raw.max()) + margin if len(raw) else 10.0
    xs = np.linspace(lo, hi, max_points)
    ys = 1.0 / (1.0 + np.exp(-(a * xs + b)))
    return Calibration(tuple(float(v) for v in xs), tuple(float(v) for v in ys))


def fit_calibration(
    raw: FloatArray, y: IntArray, max_points: int = 200, method: str = "isotonic"
) -> Calibration:
    """Map raw score -> probability, stored as at most ``max_points`` breakpoints.

    ``isotonic``: a step function (few plateaus when fraud is rare in validation, so many rows tie
    and thresholds can only sit on plateau values). ``platt``: a logistic curve, strictly
    increasing, so the calibrated score keeps the model's ranking and a false-positive budget can
    be met closely.
    """
    if method == "isotonic":
        return _isotonic(raw, y, max_points)
    if method == "platt":
        return _platt(raw, y, max_points)
    raise ValueError(f"unknown calibration method {method!r}")


def calibrate(calibration: Calibration, raw: FloatArray) -> FloatArray:
    """Apply a calibration to raw scores (the same interpolation the server uses)."""
    return np.asarray(np.interp(raw, calibration.x, calibration.y), dtype=np.float64)


def threshold_for_fpr(scores_legit: FloatArray, budget: float) -> float:
    """Smallest score threshold whose share of legitimate scores at or above it is <= budget."""
    if len(scores_legit) == 0:
        return 1.0
    candidates = np.unique(scores_legit)
    ordered = np.sort(scores_legit)
    n = len(ordered)
    for value in candidates:
        at_or_above = n - np.searchsorted(ordered, value, side="left")
        if at_or_above / n <= budget:
            return float(value)
    return float(min(1.0, ordered[-1] + 1e-9))


def choose_thresholds(scores: FloatArray, y: IntArray, budget: dict[str, float]) -> Thresholds:
    """Thresholds per action from a false-positive budget on legitimate events."""
    legit = scores[y == 0]
    block = threshold_for_fpr(legit, budget["block"])
    review = min(threshold_for_fpr(legit, budget["review"]), block)
    challenge = min(threshold_for_fpr(legit, budget["challenge"]), review)
    return Thresholds(challenge=challenge, review=review, block=block)


def recall_at_fpr(y: IntArray, scores: FloatArray, fpr: float) -> float:
    """Recall of fraud at the best threshold whose false-positive rate is at most ``fpr``."""
    if y.sum() == 0 or (y == 0).sum() == 0:
        return float("nan")
    fprs, tprs, _ = roc_curve(y, scores)
    ok = fprs <= fpr
    return float(tprs[ok].max()) if ok.any() else 0.0


def metrics(y: IntArray, scores: FloatArray) -> dict[str, float]:
    """ROC-AUC, PR-AUC and recall at 0.1 % / 1 % / 5 % false-positive rate."""
    if len(np.unique(y)) < 2:
        return {"rows": float(len(y)), "fraud_rate": float(y.mean()) if len(y) else 0.0}
    return {
        "rows": float(len(y)),
        "fraud_rate": float(y.mean()),
        "roc_auc": float(roc_auc_score(y, scores)),
        "pr_auc": float(average_precision_score(y, scores)),
        "recall_at_fpr_0.1%": recall_at_fpr(y, scores, 0.001),
        "recall_at_fpr_1%": recall_at_fpr(y, scores, 0.01),
        "recall_at_fpr_5%": recall_at_fpr(y, scores, 0.05),
    }


@dataclass
class TrainedModel:
    """One event type's trained booster with everything the manifest needs."""

    event_type: EventType
    booster: lgb.Booster
    calibration: Calibration
    thresholds: Thresholds
    metrics: dict[str, Any]
    best_iteration: int


def train_event_type(
    event_type: EventType,
    x: FloatArray,
    y: IntArray,
    times: FloatArray,
    config: TrainConfig,
    seed: int,
    split: Split | None = None,
) -> tuple[TrainedModel, Split]:
    """Train, calibrate and threshold one event type's model on a split (default: by time)."""
    if split is None:
        split = time_split(times, config.valid_fraction, config.test_fraction)
    booster = fit_booster(
        event_type, x[split.train], y[split.train], x[split.valid], y[split.valid], config, seed
    )
    best = booster.best_iteration or booster.current_iteration()
    raw_valid = raw_scores(booster, x[split.valid])
    calibration = fit_calibration(raw_valid, y[split.valid], method=config.calibration)
    scores_valid = calibrate(calibration, raw_valid)
    budget = budget_for(config, event_type)
    thresholds = choose_thresholds(scores_valid, y[split.valid], budget)
    report: dict[str, Any] = {
        "validation": metrics(y[split.valid], scores_valid),
        "best_iteration": best,
        "train_rows": len(split.train),
        "fpr_budget": budget,
    }
    if len(split.test):
        scores_test = calibrate(calibration, raw_scores(booster, x[split.test]))
        report["held_out_tail"] = metrics(y[split.test], scores_test)
    return TrainedModel(event_type, booster, calibration, thresholds, report, best), split
