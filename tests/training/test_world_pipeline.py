"""The randomised-worlds pipeline end to end on a few tiny worlds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.domain import EventType
from service.model import load_model
from training.progress import Progress
from training.train import TrainConfig
from training.world_pipeline import DEFAULT_RANGES, WorldOptions, plan, run_worlds

FAST = TrainConfig(num_boost_round=60, early_stopping_rounds=15, num_leaves=15, min_data_in_leaf=10)
TINY = WorldOptions(
    train_worlds=2,
    valid_worlds=2,
    eval_worlds=1,
    scale=0.08,
    days=14,
    trials=1,
    holdout=("dormant_key_farm",),
    legacy=False,
    workers=1,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A model trained on two tiny train worlds, judged on one shifted world."""
    root = tmp_path_factory.mktemp("worlds")
    result = run_worlds(
        DEFAULT_RANGES, 3, root / "model", root / "report", FAST, TINY, Progress(enabled=False)
    )
    return root / "model", root / "report", result


def test_plan_never_reuses_a_world() -> None:
    """Train, validation and evaluation worlds are distinct draws; evaluation is on shifted ones."""
    p = plan(DEFAULT_RANGES, 7, WorldOptions())
    seeds = [s.seed for s in [*p.train, *p.valid, *p.evaluation]]
    assert len(seeds) == len(set(seeds))
    assert {s.world.kind for s in p.evaluation if s.world} == {"shifted"}
    assert {s.world.kind for s in [*p.train, *p.valid] if s.world} == {"train"}
    assert all(s.drop == ("sleeper_aging", "dormant_key_farm") for s in p.held_train)


def test_artifact_loads_and_report_leads_with_leave_worlds_out(
    run: tuple[Path, Path, dict[str, object]],
) -> None:
    """The artifact serves; the summary opens with the shifted-world targets and cohort table."""
    model_dir, report, result = run
    model = load_model(model_dir)
    assert model.version == result["model_version"]
    model.close()
    summary = (report / "summary.md").read_text()
    first_section = summary.split("\n## ")[1]
    assert first_section.startswith("Leave-worlds-out")
    assert "held or blocked" in first_section
    assert "## Features: share of the gain and constraint" in summary
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["leave_worlds_out"]["scorer_agrees_with_batch"]
    assert metrics["held_out_family"]["archetypes"] == ["dormant_key_farm"]


def test_feature_table_covers_the_spec_with_constraints(
    run: tuple[Path, Path, dict[str, object]],
) -> None:
    """Every feature is listed with its gain share and constraint; shares add up to one."""
    _, _, result = run
    features = result["features"]
    assert isinstance(features, dict)
    for event_type in EventType:
        rows = features[event_type.value]
        assert abs(sum(r["gain_share"] for r in rows) - 1.0) < 1e-6
        excluded = [r for r in rows if r["constraint"].startswith("excluded")]
        assert all(r["gain_share"] == 0.0 for r in excluded)


def test_report_and_manifest_carry_the_served_score_distribution(
    run: tuple[Path, Path, dict[str, object]],
) -> None:
    """metrics.json and the artifact's manifest hold the same leave-worlds-out score histogram
    per event type, whose counts add up to the pooled evaluation events."""
    model_dir, report, _ = run
    metrics = json.loads((report / "metrics.json").read_text())
    manifest = json.loads((model_dir / "manifest.json").read_text())
    dist = metrics["score_distribution"]
    assert manifest["score_distribution"] == dist
    pooled = metrics["leave_worlds_out"]["pooled"]["events"]
    for event_type in EventType:
        per = dist[event_type.value]
        assert len(per["all"]["counts"]) == dist["bins"] == 20
        assert sum(per["all"]["counts"]) == per["all"]["n"] == pooled[event_type.value]["rows"]
        assert per["fraud"]["n"] / per["all"]["n"] == pytest.approx(
            pooled[event_type.value]["fraud_rate"]
        )
        assert per["legitimate"]["n"] + per["fraud"]["n"] == per["all"]["n"]
