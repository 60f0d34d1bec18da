"""Training and serving agree: the same events give the same feature rows and scores."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from service.config import ClockMode, FailMode
from service.domain import Action, ApiKeyEvent, EventType, SignupEvent
from service.events import StreamRecord
from service.featurize import Featurizer
from service.hashing import Hasher
from service.model import load_model
from service.model.artifact import Thresholds
from service.policy import Policy, PolicyConfig, action_for
from service.scoring import Scorer
from service.serving import Serving
from service.signals import SignalExtractor
from service.state import MemoryStateStore
from service.store import SqlDecisionStore
from service.store.schema import decisions
from tests.factories import make_artifact
from training.dataset import build_dataset
from training.simulate import load_config, simulate

SMALL = Path(__file__).resolve().parents[2] / "training" / "configs" / "small.yaml"


@pytest.fixture(scope="module")
def records() -> list[StreamRecord]:
    """The first 600 events of the small simulated stream."""
    return list(islice(simulate(load_config(SMALL), seed=5), 600))


@pytest.fixture(scope="module")
def extractor() -> SignalExtractor:
    """Signal extractor over the bundled data."""
    return SignalExtractor.from_directory()


def test_dataset_rows_equal_served_feature_vectors(
    tmp_path: Path, records: list[StreamRecord], extractor: SignalExtractor
) -> None:
    """For every event, the training row equals the vector the scorer logged when serving it."""
    make_artifact(tmp_path / "m", Thresholds(0.3, 0.6, 0.85))
    model = load_model(tmp_path / "m")
    thresholds = {t: model.entry(t).thresholds for t in EventType}
    store = SqlDecisionStore(f"sqlite:///{tmp_path}/d.db")
    scorer = Scorer(
        featurizer=Featurizer(extractor, MemoryStateStore(), Hasher(b"server-secret")),
        serving=Serving(
            model, Policy(thresholds, PolicyConfig(), dict.fromkeys(EventType, FailMode.OPEN))
        ),
        store=store,
        clock=ClockMode.EVENT,
    )
    for record in records:
        if isinstance(record.event, SignupEvent):
            scorer.score_signup(record.event)
        elif isinstance(record.event, ApiKeyEvent):
            scorer.score_api_key(record.event)
    assert store.flush()
    with store.engine.connect() as conn:
        served = {
            row.event_id: np.array(
                [np.nan if v is None else v for v in json.loads(row.features)], dtype=float
            )
            for row in conn.execute(select(decisions.c.event_id, decisions.c.features))
        }

    signup_predictor = model.predictors[EventType.SIGNUP]

    def signup_score(_account: str, vector: np.ndarray) -> tuple[float, Action]:
        score = signup_predictor.predict(vector).score
        return score, action_for(score, thresholds[EventType.SIGNUP])

    data = build_dataset(records, extractor, signup_score)
    compared = 0
    for event_type in EventType:
        rows = data.rows(event_type)
        assert len(rows) > 10
        for event_id, vector in zip(rows.event_ids, rows.vectors, strict=True):
            np.testing.assert_array_equal(vector, served[event_id], err_msg=event_id)
            compared += 1
    assert compared == len(served)
    store.close()
    model.close()


def test_replay_needs_time_order(records: list[StreamRecord], extractor: SignalExtractor) -> None:
    """The dataset builder refuses a stream that goes back in time (it would leak the future)."""
    first = records[0]
    later = next(r for r in records if (r.event.occurred_at or 0) > (first.event.occurred_at or 0))
    with pytest.raises(ValueError, match="time order"):
        build_dataset([later, first], extractor)
