"""Backtest: a condition replayed over the decision log, reported against known outcomes.

Reads features and signals as they were at decision time (:mod:`service.rules.history`) and
evaluates the condition on all rows at once (:mod:`service.rules.vector`). Outcomes are each
account's newest label; events of accounts without one count as ``unknown``. Precision is
fraud / (fraud + legitimate) over matched events with a known outcome.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from service.domain import Action, Label
from service.rules import history
from service.rules.lang import Checked
from service.rules.names import environment
from service.rules.vector import matches

SAMPLE = 10
_OUTCOME = {int(Label.FRAUD): "fraud", int(Label.LEGITIMATE): "legitimate", 0: "unknown"}


@dataclass(frozen=True, slots=True)
class Backtest:
    """What a condition would have matched in the decision log."""

    condition: str
    event_type: str
    decisions_scanned: int
    matched_events: int
    matched_accounts: int
    errors: int
    by_outcome: dict[str, int]
    by_outcome_accounts: dict[str, int]
    by_action: dict[str, int]
    precision: float | None
    allowed_legitimate_accounts_stopped: int
    allowed_fraud_accounts_stopped: int
    matches_per_day: dict[str, int]
    sample: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def decisions_per_second(self) -> float:
        """Scan speed, load included."""
        return self.decisions_scanned / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's --json and the gRPC reply's source)."""
        return {
            "condition": self.condition,
            "event_type": self.event_type,
            "decisions_scanned": self.decisions_scanned,
            "matched_events": self.matched_events,
            "matched_accounts": self.matched_accounts,
            "errors": self.errors,
            "by_outcome": self.by_outcome,
            "by_outcome_accounts": self.by_outcome_accounts,
            "by_action": self.by_action,
            "precision": self.precision,
            "allowed_legitimate_accounts_stopped": self.allowed_legitimate_accounts_stopped,
            "allowed_fraud_accounts_stopped": self.allowed_fraud_accounts_stopped,
            "matches_per_day": self.matches_per_day,
            "sample": self.sample,
            "seconds": round(self.seconds, 4),
            "decisions_per_second": round(self.decisions_per_second),
        }


def run(
    engine: Engine,
    checked: Checked,
    *,
    since: float | None = None,
    until: float | None = None,
    sample: int = SAMPLE,
) -> Backtest:
    """Replay ``checked`` over the logged decisions of its event type in ``[since, until)``."""
    started = time.perf_counter()
    signals = [n.split(".", 1)[1] for n in checked.names if n.startswith("signals.")]
    scanned = history.scan(engine, checked.event_type, since=since, until=until, signals=signals)
    hit, errored = matches(checked, scanned.columns)
    idx = np.flatnonzero(hit)
    found = history.details(engine, [scanned.decision_ids[i] for i in idx.tolist()])
    report = summarize(
        checked, scanned, idx, found, history.labels(engine), int(errored.sum()), sample
    )
    return replace(report, seconds=time.perf_counter() - started)


def summarize(
    checked: Checked,
    scanned: history.Scan,
    idx: npt.NDArray[np.intp],
    found: history.Details,
    labels: Mapping[str, int],
    errors: int,
    sample: int,
) -> Backtest:
    """The report for the matched rows ``idx`` of ``scanned`` (``found``: their details)."""
    accounts = np.array(found.accounts, dtype=object)
    outcome = np.fromiter((labels.get(a, 0) for a in found.accounts), np.int64, len(idx))
    by_outcome = {name: int((outcome == code).sum()) for code, name in _OUTCOME.items()}
    per_account: dict[str, int] = dict(zip(found.accounts, outcome.tolist(), strict=True))
    by_outcome_accounts = Counter(_OUTCOME[v] for v in per_account.values())
    actions = found.actions
    by_action = {a.name.lower(): int((actions == int(a)).sum()) for a in Action}
    known = by_outcome["fraud"] + by_outcome["legitimate"]
    allowed = actions == int(Action.ALLOW)
    stopped_legit = set(accounts[allowed & (outcome == int(Label.LEGITIMATE))].tolist())
    stopped_fraud = set(accounts[allowed & (outcome == int(Label.FRAUD))].tolist())
    day_numbers, day_counts = np.unique(found.occurred_at // 86400, return_counts=True)
    days = {
        datetime.fromtimestamp(d * 86400, UTC).strftime("%Y-%m-%d"): int(n)
        for d, n in zip(day_numbers.tolist(), day_counts.tolist(), strict=True)
    }
    columns = scanned.columns
    feature_names = [n for n in checked.names if n.startswith("features.")]
    env = environment(checked.event_type)
    rows = []
    for k, i in enumerate(idx[:sample].tolist()):
        values: dict[str, Any] = {"score": round(float(columns.score[i]), 4)}
        for name in feature_names:
            v = float(columns.features[i, env[name].index])
            values[name] = None if np.isnan(v) else v
        for key, col in columns.signals.items():
            values[f"signals.{key}"] = col[i]
        rows.append(
            {
                "event_id": found.event_ids[k],
                "account_id": found.accounts[k],
                "occurred_at": float(found.occurred_at[k]),
                "action": Action(int(actions[k])).name.lower(),
                "outcome": _OUTCOME[int(outcome[k])],
                "values": values,
            }
        )
    return Backtest(
        condition=checked.source,
        event_type=checked.event_type.value,
        decisions_scanned=columns.rows,
        matched_events=len(idx),
        matched_accounts=len(per_account),
        errors=errors,
        by_outcome=by_outcome,
        by_outcome_accounts={name: by_outcome_accounts.get(name, 0) for name in _OUTCOME.values()},
        by_action=by_action,
        precision=round(by_outcome["fraud"] / known, 4) if known else None,
        allowed_legitimate_accounts_stopped=len(stopped_legit),
        allowed_fraud_accounts_stopped=len(stopped_fraud),
        matches_per_day=dict(sorted(days.items())),
        sample=rows,
    )
