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
from training.pipeline import PipelineOptions, run_pipeline
from training.simulate import load_config, simulate
from training.train import TrainConfig, calibrate, raw_scores

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"
FAST = TrainConfig(num_boost_round=80, early_stopping_rounds=20, num_leaves=15, min_data_in_leaf=10)
OPTIONS = PipelineOptions(train_seeds=2, trials=2, holdout="sleeper_aging", workers=1)
REPORT_FILES = (
    "summary.md",
    "fresh_seed.md",
    "held_out_tail.md",
    "held_out_archetype.md",
    "metrics.json",
    "pr_curves.png",
    "score_histograms.png",
    "campaign_timeline.png",
    "calibration.png",
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A model trained by the pipeline on the small config, with its report."""
    root = tmp_path_factory.mktemp("pipeline")
    result = run_pipeline(
        SMALL, 11, root / "model", root / "report", train_config=FAST, options=OPTIONS
    )
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
    tail = metrics["models"]["signup"]["held_out_tail"]
    for key in ("roc_auc", "pr_auc", "recall_at_fpr_1%", "recall_at_fpr_0.1%"):
        assert 0.0 <= tail[key] <= 1.0
    assert (report / "summary.md").read_text().startswith("# Training report")
    assert metrics["fresh_seed"]["cohorts"], "the fresh-seed evaluation covers cohorts"
    assert metrics["fresh_seed"]["batch_agrees_with_scorer"]
    assert {t["target"] for t in metrics["targets"]} >= {"legitimate accounts blocked (all)"}


def test_report_has_the_generalisation_check_and_figures(
    trained: tuple[Path, Path, dict[str, object]],
) -> None:
    """The report evaluates a model trained without an archetype on a stream that has it."""
    _, report, _ = trained
    metrics = json.loads((report / "metrics.json").read_text())
    held = metrics["held_out_archetype"]
    assert held["archetype"] == "sleeper_aging"
    assert held["fresh_seed"]["cohorts"]["sleeper_aging"]["accounts"] > 0
    assert held["model_version"] != metrics["model_version"]
    assert len(metrics["searches"]["signup"]["trials"]) == OPTIONS.trials
    for name in REPORT_FILES:
        assert (report / name).stat().st_size > 0, name
    assert (report / "pr_curves.png").read_bytes().startswith(b"\x89PNG")


def test_model_card_is_in_the_artifact(trained: tuple[Path, Path, dict[str, object]]) -> None:
    """The artifact carries a model card with its version, measurements and known limits."""
    model_dir, _, result = trained
    card = (model_dir / "MODEL_CARD.md").read_text()
    assert card.startswith(f"# Model card: {result['model_version']}")
    assert "## Known limits" in card
    assert "fresh seed" in card


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
    """The same config and seed give the same model version and a byte-identical report."""
    _, report, first = trained
    again = run_pipeline(
        SMALL, 11, tmp_path / "model", tmp_path / "report", train_config=FAST, options=OPTIONS
    )
    assert again["model_version"] == first["model_version"]
    for name in REPORT_FILES:
        assert (tmp_path / "report" / name).read_bytes() == (report / name).read_bytes(), name
