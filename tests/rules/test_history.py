"""The backtest's reader: packed and JSON-only (pre-0003) vectors, in log order, both engines."""

from __future__ import annotations

import math
import uuid

import numpy as np
import orjson
from sqlalchemy import insert

from service.domain import EventType, Label
from service.features import names, spec_hash
from service.rules.core import RulesCore
from service.rules.history import scan
from service.store import make_engine, upgrade
from service.store.schema import decisions, outcomes

WIDTH = len(names(EventType.SIGNUP))


def _row(i: int, vector: list[float], packed: bool) -> dict[str, object]:
    return {
        "decision_id": str(uuid.uuid4()),
        "event_id": f"e{i}",
        "event_type": "signup",
        "account_id": f"a{i}",
        "occurred_at": 1_700_000_000.0 + i,
        "decided_at": 1_700_000_000.0 + i,
        "score": i / 10,
        "action": 1,
        "model_version": "m",
        "spec_hash": spec_hash(EventType.SIGNUP),
        "degraded": False,
        "reasons": "[]",
        "features": orjson.dumps([None if math.isnan(v) else v for v in vector]).decode(),
        "case_id": "",
        "signals": orjson.dumps({"email_domain": f"d{i}.io"}).decode() if i % 2 else None,
        "features_f64": np.array(vector, dtype="<f8").tobytes() if packed else None,
    }


def test_scan_reads_packed_and_json_vectors_in_order(database_url: str) -> None:
    """Rows without a packed vector (logged before 0003) read the same, in the same order."""
    upgrade(database_url)
    engine = make_engine(database_url)
    vectors = [[float(i)] * (WIDTH - 1) + [math.nan] for i in range(6)]
    with engine.begin() as conn:
        conn.execute(
            insert(decisions), [_row(i, v, packed=i not in (2, 3)) for i, v in enumerate(vectors)]
        )
        conn.execute(
            insert(outcomes),
            [
                {
                    "outcome_id": "o1",
                    "account_id": "a5",
                    "label": int(Label.FRAUD),
                    "source": "t",
                    "occurred_at": 0.0,
                    "received_at": 0.0,
                }
            ],
        )
    try:
        got = scan(engine, EventType.SIGNUP, signals=["email_domain"])
        order = np.argsort(got.columns.score)
        assert np.array_equal(got.columns.features[order], np.array(vectors), equal_nan=True)
        assert got.columns.signals["email_domain"][order].tolist() == [
            "", "d1.io", "", "d3.io", "", "d5.io",
        ]  # fmt: skip
        result = RulesCore(engine).backtest(
            condition='features.vel_ip_1h >= 3.0 && signals.email_domain.endsWith(".io")',
            event_type=EventType.SIGNUP,
        )
        assert (result.matched_events, result.by_outcome["fraud"], result.precision) == (
            2,
            1,
            1.0,
        )
        assert sorted(s["event_id"] for s in result.sample) == ["e3", "e5"]
    finally:
        engine.dispose()
