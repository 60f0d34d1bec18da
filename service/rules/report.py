"""Shadow against live over a period: what each rule hit, on whom, and what it would change.

Reads the ``rule_hits`` the scorer logged beside each decision (never recomputed). For every
rule version seen: events and accounts hit, outcomes, precision, and how many decisions its
action would have made stricter (for a shadow rule: what going live would change).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import Engine

from service.domain import Label
from service.rules import history
from service.rules.engine import action_of

_OUTCOME = {int(Label.FRAUD): "fraud", int(Label.LEGITIMATE): "legitimate", 0: "unknown"}


def report(
    engine: Engine,
    *,
    since: float | None = None,
    until: float | None = None,
) -> dict[str, Any]:
    """Per rule version and state: hits, accounts, outcomes, precision, decisions changed."""
    rows: dict[tuple[str, int, str], dict[str, Any]] = {}
    accounts: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    logged = history.hits(engine, since=since, until=until)
    labels = history.labels(engine)
    for event_type, account, decided, raw in logged:
        outcome = _OUTCOME[labels.get(account, 0)]
        for rule_id, version, state, action in orjson.loads(raw):
            key = (rule_id, int(version), state)
            entry = rows.setdefault(
                key,
                {
                    "rule_id": rule_id,
                    "version": int(version),
                    "state": state,
                    "action": action,
                    "event_type": event_type,
                    "hits": 0,
                    "by_outcome": {"fraud": 0, "legitimate": 0, "unknown": 0},
                    "would_change": 0,
                },
            )
            entry["hits"] += 1
            entry["by_outcome"][outcome] += 1
            accounts[key].add(account)
            rule_action = action_of(action)
            if rule_action is not None and int(rule_action) != decided:
                entry["would_change"] += int(rule_action) > decided or action == "allow"
    for key, entry in rows.items():
        fraud, legit = entry["by_outcome"]["fraud"], entry["by_outcome"]["legitimate"]
        entry["accounts"] = len(accounts[key])
        entry["precision"] = round(fraud / (fraud + legit), 4) if fraud + legit else None
    ordered = sorted(rows.values(), key=lambda e: (e["rule_id"], e["version"], e["state"]))
    return {"decisions_with_hits": len(logged), "rules": ordered}
