"""Point-in-time export of a deployment's decision log joined with outcomes, and training on it."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from service.config import ClockMode, FailMode
from service.domain import ApiKeyEvent, EventType, Label, Outcome, SignupEvent
from service.events import StreamRecord
from service.featurize import Featurizer
from service.hashing import Hasher
from service.model import load_model
from service.model.artifact import Thresholds
from service.policy import Policy, PolicyConfig
from service.scoring import Scorer
from service.serving import Serving
from service.signals import SignalExtractor
from service.state import MemoryStateStore
from service.store import SqlDecisionStore
from service.store.schema import decisions
from tests.factories import make_artifact
from training.export_data import export_training_data, read_export
from training.from_export import dataset_from_export, train_from_export
from training.simulate import load_config, simulate
from training.train import TrainConfig

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"
FAST = TrainConfig(num_boost_round=60, early_stopping_rounds=15, num_leaves=15, min_data_in_leaf=10)
DAY = 86400.0


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[StreamRecord], float]:
    """A SQLite decision log written by the real scorer for the small stream, with outcomes for
    every account but the last ten, and the moment the stream ends."""
    root = tmp_path_factory.mktemp("log")
    make_artifact(root / "m", Thresholds(0.3, 0.6, 0.85))
    model = load_model(root / "m")
    url = f"sqlite:///{root}/decisions.db"
    store = SqlDecisionStore(url)
    scorer = Scorer(
        featurizer=Featurizer(SignalExtractor.from_directory(), MemoryStateStore(), Hasher(b"k")),
        serving=Serving(
            model,
            Policy(
                {t: model.entry(t).thresholds for t in EventType},
                PolicyConfig(),
                dict.fromkeys(EventType, FailMode.OPEN),
            ),
        ),
        store=store,
        clock=ClockMode.EVENT,
    )
    records = list(simulate(load_config(SMALL), seed=3))
    truth: dict[str, str] = {}
    for record in records:
        if isinstance(record.event, SignupEvent):
            scorer.score_signup(record.event)
            truth[record.event.account_id] = record.truth.label if record.truth else ""
        elif isinstance(record.event, ApiKeyEvent):
            scorer.score_api_key(record.event)
    end = max(r.event.occurred_at or 0.0 for r in records)
    for i, (account, label) in enumerate(sorted(truth.items())[:-10]):
        store.save_outcome(
            Outcome(
                outcome_id=f"o-{i}",
                account_id=account,
                label=Label.FRAUD if label == "fraud" else Label.LEGITIMATE,
                source="review",
                occurred_at=end,
                received_at=end + 1.0,
            )
        )
    assert store.flush()
    store.close()
    model.close()
    return url, records, end


def test_export_keeps_logged_vectors_and_latest_labels(
    tmp_path: Path, logged: tuple[str, list[StreamRecord], float]
) -> None:
    """Every exported row carries the vector the scorer logged and its account's outcome."""
    url, records, end = logged
    summary = export_training_data(url, tmp_path / "x.jsonl", None, None, as_of=end + 10)
    rows = list(read_export(tmp_path / "x.jsonl"))
    assert summary["rows"] == len(rows) > 0
    store = SqlDecisionStore(url)
    with store.engine.connect() as conn:
        logged_rows = {r.event_id: r for r in conn.execute(select(decisions))}
    store.close()
    truth = {r.event.account_id: r.truth.label for r in records if r.truth}
    times = [r["occurred_at"] for r in rows]
    assert times == sorted(times)
    for row in rows:
        served = [
            math.nan if v is None else v for v in json.loads(logged_rows[row["event_id"]].features)
        ]
        assert [str(v) for v in row["features"]] == [str(v) for v in served]
        assert row["label"] == (1 if truth[row["account_id"]] == "fraud" else 0)
        assert row["label_source"] == "review"
    assert summary["skipped"]["unlabelled"] > 0


def test_a_later_outcome_overrides_an_earlier_one_only_once_received(
    tmp_path: Path, logged: tuple[str, list[StreamRecord], float]
) -> None:
    """The label is the latest outcome received by ``as_of``; one received later is ignored."""
    url, end = _copy(logged[0], tmp_path), logged[2]
    first = read_export_rows(url, tmp_path, end + 10)[0]
    account, label = first["account_id"], first["label"]
    store = SqlDecisionStore(url)
    store.save_outcome(
        Outcome(
            outcome_id="flip",
            account_id=account,
            label=Label.LEGITIMATE if label else Label.FRAUD,
            source="chargeback",
            occurred_at=end + 50,
            received_at=end + 100,
        )
    )
    store.close()
    before = next(
        r for r in read_export_rows(url, tmp_path, end + 10) if r["account_id"] == account
    )
    after = next(
        r for r in read_export_rows(url, tmp_path, end + 200) if r["account_id"] == account
    )
    assert before["label"] == label
    assert after["label"] == 1 - label
    assert after["label_source"] == "chargeback"


def _copy(url: str, tmp_path: Path) -> str:
    """A private copy of the shared log, for a test that writes to it."""
    target = tmp_path / "copy.db"
    shutil.copyfile(url.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


def read_export_rows(url: str, tmp_path: Path, as_of: float) -> list[dict[str, Any]]:
    """Export at ``as_of`` into a fresh file and read it back."""
    out = tmp_path / f"e{as_of}.jsonl"
    export_training_data(url, out, None, None, as_of=as_of)
    return list(read_export(out))


def test_other_spec_hashes_are_skipped_and_counted(
    tmp_path: Path, logged: tuple[str, list[StreamRecord], float]
) -> None:
    """Decisions logged under another feature spec are left out and reported by hash."""
    url, end = _copy(logged[0], tmp_path), logged[2]
    store = SqlDecisionStore(url)
    with store.engine.begin() as conn:
        row = conn.execute(select(decisions).limit(1)).mappings().one()
        conn.execute(
            insert(decisions).values(
                {**row, "decision_id": "old", "event_id": "old-spec", "spec_hash": "0" * 16}
            )
        )
    store.close()
    summary = export_training_data(url, tmp_path / "x.jsonl", None, None, as_of=end + 10)
    assert summary["skipped_spec"] == {f"{row['event_type']}:{'0' * 16}": 1}
    assert all(r["event_id"] != "old-spec" for r in read_export(tmp_path / "x.jsonl"))


def test_label_delay_and_maturity_rules(
    tmp_path: Path, logged: tuple[str, list[StreamRecord], float]
) -> None:
    """Recent decisions are dropped under a label delay; unlabelled ones mature into legitimate."""
    url, records, end = logged
    start = min(r.event.occurred_at or 0.0 for r in records)
    whole = export_training_data(url, tmp_path / "a.jsonl", None, None, as_of=end + 10)
    delayed = export_training_data(
        url, tmp_path / "b.jsonl", None, None, label_delay_s=DAY, as_of=end + 10
    )
    assert 0 < delayed["rows"] < whole["rows"]
    assert delayed["skipped"]["too_recent"] > 0
    assert all(r["occurred_at"] <= end + 10 - DAY for r in read_export(tmp_path / "b.jsonl"))
    matured = export_training_data(
        url,
        tmp_path / "c.jsonl.gz",
        start,
        None,
        unlabelled="legitimate",
        maturity_s=0.0,
        as_of=end + 10,
    )
    assert matured["skipped"]["unlabelled"] == 0
    assert matured["rows"] == whole["rows"] + whole["skipped"]["unlabelled"]
    sources = {r["label_source"] for r in read_export(tmp_path / "c.jsonl.gz")}
    assert sources == {"review", "matured"}
    with pytest.raises(ValueError, match="maturity_s"):
        export_training_data(url, tmp_path / "d.jsonl", None, None, unlabelled="legitimate")


def test_train_from_export_gives_a_servable_model(
    tmp_path: Path, logged: tuple[str, list[StreamRecord], float]
) -> None:
    """An export trains both models through the same code and the artifact loads in the server."""
    url, _, end = logged
    export_training_data(url, tmp_path / "x.jsonl", None, None, as_of=end + 10)
    data = dataset_from_export(tmp_path / "x.jsonl")
    assert len(data.signup) > 100
    assert len(data.api_key) > 100
    result = train_from_export(tmp_path / "x.jsonl", tmp_path / "model", tmp_path / "report", FAST)
    model = load_model(tmp_path / "model")
    assert model.version == result["model_version"]
    model.close()
    assert (tmp_path / "report" / "summary.md").read_text().startswith("# Training report")
    assert result["held_out_tail"]["overall"]["legitimate_accounts"] > 0
