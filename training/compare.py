"""Live versus shadow from the decision log: the same traffic, two models, labels from outcomes.

``signupguard evaluate --from-log DATABASE_URL`` reads every decision that carries a shadow
verdict, labels its account with the latest reported outcome (accounts without one count in the
action comparison but not in the label metrics), and reports per event type: how often the two
models agree, how their actions cross, and — on labelled events — ranking quality and what each
would have blocked.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from service.domain import Action, Label
from service.store import make_engine
from service.store.schema import decisions, outcomes
from training.train import metrics

_ACTIONS = [a.name for a in Action]


def _labels(conn: Any) -> dict[str, int]:
    latest: dict[str, tuple[float, int]] = {}
    for row in conn.execute(
        select(outcomes.c.account_id, outcomes.c.label, outcomes.c.received_at)
    ):
        seen = latest.get(row.account_id)
        if seen is None or row.received_at >= seen[0]:
            latest[row.account_id] = (row.received_at, row.label)
    return {a: 1 if label == Label.FRAUD else 0 for a, (_, label) in latest.items()}


def compare_from_log(database_url: str, since: float | None = None) -> dict[str, Any]:
    """Compare the live and shadow verdicts logged in a decision store."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            labels = _labels(conn)
            query = select(
                decisions.c.event_type,
                decisions.c.account_id,
                decisions.c.score,
                decisions.c.action,
                decisions.c.model_version,
                decisions.c.shadow_model_version,
                decisions.c.shadow_score,
                decisions.c.shadow_action,
            ).where(decisions.c.shadow_model_version.is_not(None))
            if since is not None:
                query = query.where(decisions.c.occurred_at >= since)
            rows = list(conn.execute(query))
    finally:
        engine.dispose()
    result: dict[str, Any] = {}
    for event_type in sorted({r.event_type for r in rows}):
        mine = [r for r in rows if r.event_type == event_type]
        crossed = Counter((Action(r.action).name, Action(r.shadow_action).name) for r in mine)
        labelled = [r for r in mine if r.account_id in labels]
        y = np.array([labels[r.account_id] for r in labelled], dtype=np.int64)
        live = np.array([r.score for r in labelled])
        shadow = np.array([r.shadow_score for r in labelled])
        entry: dict[str, Any] = {
            "events": len(mine),
            "labelled": len(labelled),
            "live_versions": sorted({r.model_version for r in mine}),
            "shadow_versions": sorted({r.shadow_model_version for r in mine}),
            "action_agreement": sum(v for (a, b), v in crossed.items() if a == b) / len(mine),
            "actions": {f"{a}->{b}": n for (a, b), n in sorted(crossed.items())},
            "live": metrics(y, live) if labelled else {},
            "shadow": metrics(y, shadow) if labelled else {},
        }
        for name, column in (("live", "action"), ("shadow", "shadow_action")):
            blocked = np.array([getattr(r, column) == Action.BLOCK for r in labelled], dtype=bool)
            legit, fraud = y == 0, y == 1
            entry[name]["legit_blocked"] = float(blocked[legit].mean()) if legit.any() else 0.0
            entry[name]["fraud_blocked"] = float(blocked[fraud].mean()) if fraud.any() else 0.0
        result[event_type] = entry
    return result


def write_comparison(result: dict[str, Any], report: Path) -> Path:
    """Write compare.json and compare.md; returns the markdown path."""
    report.mkdir(parents=True, exist_ok=True)
    (report / "compare.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    lines = ["# Live vs shadow (decision log)", ""]
    if not result:
        lines.append("No decision in the log carries a shadow verdict.")
    for event_type, e in result.items():
        lines += [
            f"## {event_type}",
            "",
            f"{e['events']:,} events ({e['labelled']:,} with an outcome); live "
            f"{', '.join(e['live_versions'])}, shadow {', '.join(e['shadow_versions'])}; "
            f"same action on {e['action_agreement']:.1%}.",
            "",
            "| model | roc_auc | pr_auc | recall@1% FPR | legit blocked | fraud blocked |",
            "|---|---|---|---|---|---|",
        ]
        for name in ("live", "shadow"):
            m = e[name]
            lines.append(
                f"| {name} | {m.get('roc_auc', float('nan')):.4f} | "
                f"{m.get('pr_auc', float('nan')):.4f} | "
                f"{m.get('recall_at_fpr_1%', float('nan')):.4f} | "
                f"{m.get('legit_blocked', 0.0):.2%} | {m.get('fraud_blocked', 0.0):.2%} |"
            )
        lines += ["", "| live -> shadow action | events |", "|---|---|"]
        lines += [f"| {k} | {v:,} |" for k, v in e["actions"].items()]
        lines.append("")
    path = report / "compare.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
