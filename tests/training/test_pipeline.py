"""The training pipeline end to end on a small simulated stream."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from service.domain import EventType
from service.model import load_model
from service.signals import SignalExtractor
from training.dataset import build_dataset
from training.pipeline import run_pipeline
from training.simulate import load_config, simulate
from training.train import TrainConfig, calibrate, raw_scores

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"
FAST = TrainConfig(num_boost_round=80, early_stopping_rounds=20, num_leaves=15, min_data_in_leaf=10)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A model trained by the pipeline on the small config, with its report."""
    root = tmp_path_factory.mktemp("pipeline")
    result = run_pipeline(SMALL, 11, root / "model", root / "report", train_config=FAST)
    return root / "model", root / "report", result


def test_pipeline_exports_a_loadable_artifact(
    trained: tuple[Path, Path, dict[str, object]],
) -> None:
    """The exported artifact passes the server's spec checks and has ordered thresholds."""
    model_dir, _, result = trained
    model = load_model(model_dir)
    assert model.version == result["model_version"]
    for event_type in EventType:
        t = model.entry(event_type).thresholds
        assert 0.0 <= t.challenge <= t.review <= t.block <= 1.0
    model.close()


def test_report_has_held_out_metrics(trained: tuple[Path, Path, dict[str, object]]) -> None:
    """The report carries ROC-AUC, PR-AUC and recall at low FPR on the held-out tail."""
    _, report, _ = trained
    metrics = json.loads((report / "metrics.json").read_text())
    tail = metrics["training"]["signup"]["held_out_tail"]
    for key in ("roc_auc", "pr_auc", "recall_at_fpr_1%", "recall_at_fpr_0.1%"):
        assert 0.0 <= tail[key] <= 1.0
    assert (report / "summary.md").read_text().startswith("# Training report")
    assert metrics["fresh_seed"]["cohorts"], "the fresh-seed evaluation covers cohorts"


def test_served_score_equals_offline_score(trained: tuple[Path, Path, dict[str, object]]) -> None:
    """The server's fast path gives the same calibrated score as LightGBM offline, row by row."""
    model_dir, _, _ = trained
    model = load_model(model_dir)
    records = list(simulate(load_config(SMALL), seed=99))[:400]
    rows = build_dataset(records, SignalExtractor.from_directory()).signup
    x = rows.matrix()
    entry = model.entry(EventType.SIGNUP)
    predictor = model.predictors[EventType.SIGNUP]
    offline = calibrate(entry.calibration, raw_scores(predictor.booster, x))
    served = np.array([predictor.predict(np.ascontiguousarray(r)).score for r in x])
    np.testing.assert_allclose(served, offline, rtol=0, atol=1e-9)
    model.close()


def test_pipeline_is_deterministic(
    tmp_path: Path, trained: tuple[Path, Path, dict[str, object]]
) -> None:
    """The same config and seed produce the same model version (byte-identical models)."""
    _, _, first = trained
    again = run_pipeline(SMALL, 11, tmp_path / "model", tmp_path / "report", train_config=FAST)
    assert again["model_version"] == first["model_version"]
