"""Evaluation through the real scoring core: replay a labelled stream, score every event with the
:class:`service.scoring.Scorer` (event clock, in-memory state, a throw-away SQLite log), then
measure events and cohorts.

Account, cohort and campaign outcomes are counted by :mod:`training.cohorts`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.config import ClockMode, FailMode
from service.domain import ApiKeyEvent, Decision, EventType, SignupEvent
from service.events import StreamRecord, read_stream
from service.featurize import Featurizer
from service.hashing import Hasher
from service.model import LoadedModel, load_model
from service.policy import Policy, PolicyConfig
from service.scoring import Scorer
from service.serving import Serving, model_envelopes
from service.signals import SignalExtractor
from service.state import MemoryStateStore
from service.store import SqlDecisionStore
from training import cohorts
from training.cohorts import DecidedEvent
from training.dataset import REPLAY_HASH_KEY
from training.report import write_evaluation


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
                    model_envelopes(model),
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


def decided_events(scored: list[Scored]) -> list[DecidedEvent]:
    """The labelled, decided events of a replay (records without truth are left out)."""
    out = []
    for item in scored:
        event, truth, decision = item.record.event, item.record.truth, item.decision
        if truth is None or event.occurred_at is None:
            continue
        out.append(
            DecidedEvent(
                event_type=event.event_type,
                account_id=event.account_id,
                occurred_at=event.occurred_at,
                label=truth.label,
                cohort=truth.cohort,
                campaign_id=truth.campaign_id or "",
                score=decision.score,
                action=decision.action,
            )
        )
    return out


def cohort_table(scored: list[Scored], since: float = float("-inf")) -> dict[str, dict[str, Any]]:
    """Per cohort outcomes of a replay (see :func:`training.cohorts.cohort_table`)."""
    return cohorts.cohort_table(cohorts.accounts(decided_events(scored), since))


def evaluate(
    model_dir: Path,
    records: list[StreamRecord],
    since: float = float("-inf"),
    extractor: SignalExtractor | None = None,
) -> dict[str, Any]:
    """Full evaluation of a model on a labelled stream."""
    model = load_model(model_dir)
    try:
        scored = replay_decisions(model, records, extractor or SignalExtractor.from_directory())
    finally:
        model.close()
    return {"model_version": model.version, **cohorts.summarise(decided_events(scored), since)}


def evaluate_command(model: Path, stream: Path, report: Path) -> int:
    """``signupguard evaluate``: evaluate a model on a stream file and write a report."""
    result = evaluate(model, list(read_stream(stream)))
    report.mkdir(parents=True, exist_ok=True)
    (report / "evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    write_evaluation(report / "evaluation.md", result, title=f"Evaluation of {stream.name}")
    print((report / "evaluation.md").read_text())
    return 0
