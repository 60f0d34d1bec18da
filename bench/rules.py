"""``python -m bench.rules``: the two costs issue 12 sets for rules, measured in process.

1. Per-request CPU of 50 live rules: ``RuleEngine.evaluate`` on real signup feature vectors
   (from the tiny simulated stream, replayed through the real featurizer), 50 rules of the
   shapes ops write (velocity thresholds with the score, list membership on a signal, string
   suffixes, a ratio). Reported: median and p90 of per-call thread CPU time, in µs.
2. Backtest speed: a SQLite decision log of ``--rows`` synthetic decisions (real spec width,
   packed and JSON features with missing values, signals, outcomes), then ``RulesCore.backtest``
   end to end (read, evaluate, details of the matches, report) for a features-only condition
   and one that also reads a signal. Reported: decisions per wall second and per CPU second
   (the machine is shared), median of ``--reps`` runs, with the load average.

Results go to stdout as JSON (and bench/results/rules-<time>.json with ``--save``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy import insert

from service.domain import EventType, Label
from service.features import names, spec_hash
from service.rules.core import RulesCore
from service.rules.engine import RuleEngine, RuleSet
from service.rules.model import Rule, RuleAction, RuleSpec, RuleState
from service.store import make_engine, upgrade
from service.store.schema import decisions, outcomes

HERE = Path(__file__).resolve().parent


def fifty_rules() -> list[Rule]:
    """50 live signup rules of the shapes operators write."""
    conditions = []
    velocity = [n for n in names(EventType.SIGNUP) if n.startswith("vel_")]
    for i in range(30):
        conditions.append(f"features.{velocity[i % len(velocity)]} > {20 + i} && score > 0.2")
    for i in range(10):
        conditions.append(
            f'signals.email_domain in ["spam{i}.example", "x{i}.test"] || '
            f'signals.phone_region == "Z{i}"'
        )
    for i in range(5):
        conditions.append(f'signals.email_domain.endsWith(".bad{i}") && features.ip_is_tor == 1')
    for i in range(5):
        conditions.append(
            f"features.vel_ip_1h / (features.vel_ip_24h + 1) > 0.{i + 5} && "
            "features.linked_group_size >= 5"
        )
    return [
        Rule(
            RuleSpec(
                f"bench-{i}",
                EventType.SIGNUP,
                c,
                RuleAction.REVIEW,
                "RULE_BENCH",
                state=RuleState.LIVE,
            ),
            1,
            "bench",
            0.0,
        )
        for i, c in enumerate(conditions)
    ]


def _vectors(count: int) -> list[tuple[list[float], dict[str, str]]]:
    """Real signup feature vectors and signals from the small simulated stream."""
    from service.featurize import Featurizer  # noqa: PLC0415  (heavy, only for this part)
    from service.hashing import Hasher  # noqa: PLC0415
    from service.signals import SignalExtractor  # noqa: PLC0415
    from service.state import MemoryStateStore  # noqa: PLC0415
    from training.simulate import load_config, simulate  # noqa: PLC0415

    config = load_config(Path("training/configs/small.yaml"))
    featurizer = Featurizer(SignalExtractor.from_directory(), MemoryStateStore(), Hasher(b"k"))
    out = []
    for record in simulate(config, 3):
        event = record.event
        if event.event_type is EventType.SIGNUP:
            at = event.occurred_at or 0.0
            feats = featurizer.signup(event, at)  # type: ignore[arg-type]
            out.append((feats.vector.tolist(), feats.signals))
            if len(out) >= count:
                break
    return out


def per_request_cost(samples: int) -> dict[str, Any]:
    """Thread CPU time of evaluating 50 live rules per event."""
    engine = RuleEngine(None)
    rules, broken = RuleSet.build(1, fifty_rules())
    assert not broken
    engine.use(rules)
    events = _vectors(1000)
    scores = np.random.default_rng(0).random(len(events)).tolist()
    for (vec, sig), s in zip(events, scores, strict=True):  # warm up
        engine.evaluate(EventType.SIGNUP, vec, s, sig)
    times = []
    clock = time.thread_time_ns
    for k in range(samples):
        vec, sig = events[k % len(events)]
        score = scores[k % len(events)]
        t0 = clock()
        engine.evaluate(EventType.SIGNUP, vec, score, sig)
        times.append((clock() - t0) / 1000)
    # thread_time has a coarse tick on some kernels: batches of 100 as a cross-check
    batch = []
    for b in range(samples // 100):
        t0 = clock()
        for k in range(100):
            vec, sig = events[(b * 100 + k) % len(events)]
            engine.evaluate(EventType.SIGNUP, vec, scores[k], sig)
        batch.append((clock() - t0) / 100_000)
    return {
        "rules": 50,
        "events": samples,
        "median_us": round(statistics.median(times), 2),
        "p90_us": round(statistics.quantiles(times, n=10)[-1], 2),
        "batched_median_us": round(statistics.median(batch), 2),
    }


def build_log(url: str, rows: int, seed: int = 0) -> None:
    """A decision log of ``rows`` synthetic signups with outcomes for a third of accounts."""
    upgrade(url)
    rng = np.random.default_rng(seed)
    width = len(names(EventType.SIGNUP))
    engine = make_engine(url)
    domains = ["gmail.com", "yahoo.com", "mailinator.com", "corp.example", "x.test"]
    start = time.time() - 30 * 86400
    chunk = 20_000
    with engine.begin() as conn:
        for base in range(0, rows, chunk):
            n = min(chunk, rows - base)
            values = rng.poisson(3.0, size=(n, width)).astype(float)
            values[rng.random((n, width)) < 0.05] = np.nan
            batch = []
            for i in range(n):
                vec = [None if math.isnan(v) else v for v in values[i].tolist()]
                batch.append(
                    {
                        "decision_id": str(uuid.uuid4()),
                        "event_id": f"e{base + i}",
                        "event_type": "signup",
                        "account_id": f"a{(base + i) // 2}",
                        "occurred_at": start + (base + i) * 30 * 86400 / rows,
                        "decided_at": start + (base + i) * 30 * 86400 / rows,
                        "score": float(rng.random()),
                        "action": int(rng.integers(1, 5)),
                        "model_version": "bench",
                        "spec_hash": spec_hash(EventType.SIGNUP),
                        "degraded": False,
                        "reasons": "[]",
                        "features": orjson.dumps(vec).decode(),
                        "features_f64": values[i].astype("<f8").tobytes(),
                        "case_id": "",
                        "signals": orjson.dumps(
                            {"email_domain": domains[(base + i) % len(domains)], "ip_country": "US"}
                        ).decode(),
                    }
                )
            conn.execute(insert(decisions), batch)
            conn.execute(
                insert(outcomes),
                [
                    {
                        "outcome_id": str(uuid.uuid4()),
                        "account_id": f"a{(base + i) // 2}",
                        "label": int(Label.FRAUD if i % 6 == 0 else Label.LEGITIMATE),
                        "source": "bench",
                        "occurred_at": start,
                        "received_at": start,
                    }
                    for i in range(0, n, 6)
                ],
            )
    engine.dispose()


CONDITIONS = (
    "features.vel_email_domain_1h > 4 && score > 0.2",
    'features.vel_email_domain_1h > 4 && score > 0.2 && signals.email_domain != "gmail.com"',
)


def backtest_speed(rows: int, reps: int) -> list[dict[str, Any]]:
    """Decisions per second of end-to-end backtests over a SQLite log of ``rows``."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/log.db"
        build_log(url, rows)
        core = RulesCore(make_engine(url))
        for condition in CONDITIONS:
            runs, cpu = [], []
            for _ in range(reps):
                started = time.process_time()
                runs.append(core.backtest(condition=condition, event_type=EventType.SIGNUP))
                cpu.append(time.process_time() - started)
            out.append(
                {
                    "rows": rows,
                    "condition": condition,
                    "matched_events": runs[0].matched_events,
                    "seconds_median": round(statistics.median(r.seconds for r in runs), 3),
                    "decisions_per_second_median": round(
                        statistics.median(r.decisions_per_second for r in runs)
                    ),
                    # The machine is shared: wall time includes waiting for a core; CPU does not.
                    "cpu_seconds_median": round(statistics.median(cpu), 3),
                    "decisions_per_cpu_second_median": round(rows / statistics.median(cpu)),
                    "load_average_1m": round(os.getloadavg()[0], 2),
                    "cores": os.cpu_count(),
                }
            )
        core.engine.dispose()
    return out


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    out = {
        "per_request_50_rules": per_request_cost(args.samples),
        "backtest": backtest_speed(args.rows, args.reps),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.save:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        (HERE / "results" / f"rules-{stamp}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
