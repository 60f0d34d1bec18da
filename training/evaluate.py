"""Evaluation through the real scoring core: replay a labelled stream, score every event with the
:class:`service.scoring.Scorer` (event clock, in-memory state, a throw-away SQLite log), then
measure events and cohorts.

Account-level outcomes: an account *reaches a key* when its signup passed (ALLOW or CHALLENGE:
challenges are solved cheaply at scale) and at least one of its key creations passed too.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.config import ClockMode, FailMode
from service.domain import Action, ApiKeyEvent, Decision, EventType, SignupEvent
from service.events import StreamRecord, read_stream
from service.featurize import Featurizer
from service.hashing import Hasher
from service.model import LoadedModel, load_model
from service.policy import Policy, PolicyConfig
from service.scoring import Scorer
from service.serving import Serving
from service.signals import SignalExtractor
from service.state import MemoryStateStore
from service.store import SqlDecisionStore
from training.dataset import REPLAY_HASH_KEY
from training.report import write_evaluation
from training.train import metrics

PASSING = (Action.ALLOW, Action.CHALLENGE)


@dataclass(frozen=True, slots=True)
class Scored:
    """One replayed event with its decision."""

    record: StreamRecord
    decision: Decision


def replay_decisions(
    model: LoadedModel, records: Iterable[StreamRecord], extractor: SignalExtractor
) -> list[Scored]:
    """Score every record in order through a fresh scorer on the event clock."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlDecisionStore(f"sqlite:///{tmp}/decisions.db")
        scorer = Scorer(
            featurizer=Featurizer(extractor, MemoryStateStore(), Hasher(REPLAY_HASH_KEY)),
            serving=Serving(
                model,
                Policy(
                    {t: model.entry(t).thresholds for t in EventType},
                    PolicyConfig(),
                    {EventType.SIGNUP: FailMode.OPEN, EventType.API_KEY: FailMode.REVIEW},
                ),
            ),
            store=store,
            clock=ClockMode.EVENT,
            idempotency_cache_size=0,
        )
        out: list[Scored] = []
        for record in records:
            event = record.event
            if isinstance(event, SignupEvent):
                decision = scorer.score_signup(event)
            elif isinstance(event, ApiKeyEvent):
                decision = scorer.score_api_key(event)
            out.append(Scored(record, decision))
        store.close()
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def cohort_table(scored: list[Scored], since: float = float("-inf")) -> dict[str, dict[str, Any]]:
    """Per cohort: accounts, share blocked / challenged / reviewed at signup, share reaching a key,
    and for campaigns how many accounts passed signup before the campaign's first block."""
    signup: dict[str, Action] = {}
    cohort_of: dict[str, tuple[str, str]] = {}
    key_passed: dict[str, bool] = defaultdict(bool)
    first_block: dict[str, float] = {}
    passed_at: dict[str, list[float]] = defaultdict(list)
    for item in scored:
        event, truth, decision = item.record.event, item.record.truth, item.decision
        if truth is None or event.occurred_at is None or event.occurred_at < since:
            continue
        account = event.account_id
        if event.event_type is EventType.SIGNUP:
            signup[account] = decision.action
            cohort_of[account] = (truth.cohort, truth.label)
            if decision.action is Action.BLOCK:
                first_block.setdefault(truth.cohort, event.occurred_at)
            elif decision.action in PASSING:
                passed_at[truth.cohort].append(event.occurred_at)
        elif decision.action in PASSING:
            key_passed[account] = True
    table: dict[str, dict[str, Any]] = {}
    by_cohort: dict[str, list[str]] = defaultdict(list)
    for account, (cohort, _label) in cohort_of.items():
        by_cohort[cohort].append(account)
    for cohort, accounts in sorted(by_cohort.items()):
        label = cohort_of[accounts[0]][1]
        n = len(accounts)
        actions = [signup[a] for a in accounts]
        reached = sum(1 for a in accounts if signup[a] in PASSING and key_passed[a])
        row: dict[str, Any] = {
            "label": label,
            "accounts": n,
            "blocked": _share(sum(a is Action.BLOCK for a in actions), n),
            "reviewed": _share(sum(a is Action.REVIEW for a in actions), n),
            "challenged": _share(sum(a is Action.CHALLENGE for a in actions), n),
            "reached_key": _share(reached, n),
        }
        if label == "fraud":
            block_at = first_block.get(cohort)
            row["passed_before_first_block"] = (
                sum(1 for t in passed_at[cohort] if t < block_at)
                if block_at is not None
                else len(passed_at[cohort])
            )
        table[cohort] = row
    return table


def event_metrics(scored: list[Scored], since: float = float("-inf")) -> dict[str, Any]:
    """Ranking metrics of decision scores per event type (on events at or after ``since``)."""
    out: dict[str, Any] = {}
    for event_type in EventType:
        ys, ss = [], []
        for item in scored:
            event, truth = item.record.event, item.record.truth
            if event.event_type is not event_type or truth is None:
                continue
            if event.occurred_at is None or event.occurred_at < since:
                continue
            ys.append(1 if truth.label == "fraud" else 0)
            ss.append(item.decision.score)
        out[event_type.value] = metrics(np.asarray(ys, dtype=np.int64), np.asarray(ss))
    return out


def overall(table: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Account-weighted totals over legitimate and fraud cohorts."""
    out: dict[str, float] = {}
    for label in ("legitimate", "fraud"):
        rows = [r for r in table.values() if r["label"] == label]
        n = sum(r["accounts"] for r in rows)
        for key in ("blocked", "challenged", "reached_key"):
            out[f"{label}_{key}"] = _share(round(sum(r[key] * r["accounts"] for r in rows)), n)
        out[f"{label}_accounts"] = float(n)
    return out


def evaluate(
    model_dir: Path, records: list[StreamRecord], since: float = float("-inf")
) -> dict[str, Any]:
    """Full evaluation of a model on a labelled stream."""
    model = load_model(model_dir)
    try:
        scored = replay_decisions(model, records, SignalExtractor.from_directory())
    finally:
        model.close()
    table = cohort_table(scored, since)
    return {
        "model_version": model.version,
        "events": event_metrics(scored, since),
        "cohorts": table,
        "overall": overall(table),
    }


def evaluate_command(model: Path, stream: Path, report: Path) -> int:
    """``signupguard evaluate``: evaluate a model on a stream file and write a report."""
    result = evaluate(model, list(read_stream(stream)))
    report.mkdir(parents=True, exist_ok=True)
    (report / "evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    write_evaluation(report / "evaluation.md", result, title=f"Evaluation of {stream.name}")
    print((report / "evaluation.md").read_text())
    return 0
