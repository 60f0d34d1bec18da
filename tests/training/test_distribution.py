"""The training score distribution: binned per event type and label, carried in the manifest
(where the console's model page reads it without the report folder)."""

from __future__ import annotations

from pathlib import Path

from service.domain import Action, EventType
from service.model.artifact import Calibration, Thresholds
from service.monitor.facts import read_facts
from tests.factories import random_booster
from training.cohorts import DecidedEvent
from training.distribution import bin_of, score_distribution
from training.export import export_artifact
from training.train import TrainedModel


def _event(event_type: EventType, score: float, label: str) -> DecidedEvent:
    return DecidedEvent(event_type, "a", 0.0, label, "c", "", score, Action.ALLOW)


EVENTS = [
    _event(EventType.SIGNUP, 0.0, "legitimate"),
    _event(EventType.SIGNUP, 0.049, "legitimate"),
    _event(EventType.SIGNUP, 0.05, "legitimate"),
    _event(EventType.SIGNUP, 1.0, "fraud"),
    _event(EventType.API_KEY, 0.97, "fraud"),
]


def test_bins_are_closed_left_and_one_falls_in_the_last() -> None:
    """0.05 opens bin 1 of 20; 1.0 is in bin 19."""
    assert [bin_of(s) for s in (0.0, 0.049, 0.05, 0.999, 1.0)] == [0, 0, 1, 19, 19]


def test_distribution_counts_and_shares_per_event_type_and_label() -> None:
    """All, legitimate and fraud histograms per event type, counts with their shares."""
    d = score_distribution(EVENTS)
    assert d["bins"] == 20
    assert len(d["edges"]) == 21
    signup = d["signup"]
    assert signup["all"]["n"] == 4
    assert signup["all"]["counts"][:2] == [2, 1]
    assert signup["all"]["counts"][19] == 1
    assert signup["all"]["shares"][0] == 0.5
    assert signup["legitimate"]["n"] == 3
    assert signup["fraud"]["counts"][19] == 1
    assert d["api_key"]["all"]["counts"][19] == 1
    assert d["api_key"]["legitimate"]["n"] == 0
    assert d["api_key"]["legitimate"]["shares"] == [0.0] * 20


def test_export_writes_the_distribution_into_the_manifest(tmp_path: Path) -> None:
    """An artifact exported with a distribution carries it; the monitor reads it back, and the
    version (the model files' digest) does not change with it."""
    models = {
        t: TrainedModel(
            event_type=t,
            booster=(b := random_booster(t, 0, rounds=5)),
            calibration=Calibration((-6.0, 0.0, 6.0), (0.0025, 0.5, 0.9975)),
            thresholds=Thresholds(0.3, 0.6, 0.85),
            metrics={},
            best_iteration=b.current_iteration(),
        )
        for t in EventType
    }
    dist = score_distribution(EVENTS)
    with_it = export_artifact(tmp_path / "a", models, "t", {}, "# {version}\n", dist)
    without = export_artifact(tmp_path / "b", models, "t", {}, "# {version}\n")
    assert with_it == without
    facts = read_facts(tmp_path / "a")
    assert facts.bins == 20
    signup = facts.reference(EventType.SIGNUP)
    assert signup is not None
    assert signup.n == 4
    assert signup.fraud_share == 0.25
    assert read_facts(tmp_path / "b").bins is None
