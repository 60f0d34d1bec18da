"""Outcomes per account, cohort and campaign from a sequence of decided events.

Both evaluation paths feed this module: the replay through the real scorer
(:mod:`training.evaluate`) and the batch path (:mod:`training.batch`), so the two can only differ
in the decisions themselves, never in how they are counted.

Account-level outcomes: an account *reaches a key* when its signup passed (ALLOW or CHALLENGE:
challenges are solved cheaply at scale) and at least one of its key creations passed too. A
campaign's accounts *through before the first block* are those whose signup passed before the
campaign's first blocked signup (all that passed, if none was blocked). An account is *held or
blocked* when a person had to step in: its signup or any of its key creations got REVIEW or BLOCK.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from service.domain import Action, EventType
from training.train import metrics

PASSING = (Action.ALLOW, Action.CHALLENGE)
HOLDING = (Action.REVIEW, Action.BLOCK)


@dataclass(frozen=True, slots=True)
class DecidedEvent:
    """One labelled event with the action and score it got."""

    event_type: EventType
    account_id: str
    occurred_at: float
    label: str  # "fraud" | "legitimate"
    cohort: str
    campaign_id: str  # "" for legitimate traffic
    score: float
    action: Action


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """What happened to one account: its signup's moment, action and score, and its keys."""

    account_id: str
    label: str
    cohort: str
    campaign_id: str
    signup_at: float
    signup_action: Action
    signup_score: float
    key_passed: bool
    key_held: bool = False  # at least one key creation was sent to review or blocked

    @property
    def reached_key(self) -> bool:
        """Signup and at least one key creation passed."""
        return self.signup_action in PASSING and self.key_passed

    @property
    def held(self) -> bool:
        """Held (review) or blocked at signup or at any key creation: a person was stopped."""
        return self.signup_action in HOLDING or self.key_held


def accounts(events: Iterable[DecidedEvent], since: float = float("-inf")) -> list[AccountOutcome]:
    """One outcome per account that signed up at or after ``since``, in signup order."""
    signups: dict[str, DecidedEvent] = {}
    key_passed: dict[str, bool] = defaultdict(bool)
    key_held: dict[str, bool] = defaultdict(bool)
    for event in events:
        if event.occurred_at < since:
            continue
        if event.event_type is EventType.SIGNUP:
            signups[event.account_id] = event
        elif event.action in PASSING:
            key_passed[event.account_id] = True
        else:
            key_held[event.account_id] = True
    return [
        AccountOutcome(
            s.account_id,
            s.label,
            s.cohort,
            s.campaign_id,
            s.occurred_at,
            s.action,
            s.score,
            key_passed[s.account_id],
            key_held[s.account_id],
        )
        for s in signups.values()
    ]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _passed_before_first_block(group: Sequence[AccountOutcome]) -> int:
    blocks = [a.signup_at for a in group if a.signup_action is Action.BLOCK]
    first = min(blocks) if blocks else float("inf")
    return sum(1 for a in group if a.signup_action in PASSING and a.signup_at < first)


def _row(group: Sequence[AccountOutcome]) -> dict[str, Any]:
    n = len(group)
    row: dict[str, Any] = {
        "label": group[0].label,
        "accounts": n,
        "blocked": _share(sum(a.signup_action is Action.BLOCK for a in group), n),
        "reviewed": _share(sum(a.signup_action is Action.REVIEW for a in group), n),
        "challenged": _share(sum(a.signup_action is Action.CHALLENGE for a in group), n),
        "reached_key": _share(sum(a.reached_key for a in group), n),
        "held_or_blocked": _share(sum(a.held for a in group), n),
    }
    if group[0].label == "fraud":
        row["passed_before_first_block"] = _passed_before_first_block(group)
    return row


def cohort_table(outcomes: Sequence[AccountOutcome]) -> dict[str, dict[str, Any]]:
    """Per cohort: accounts, shares blocked / reviewed / challenged at signup, share reaching a
    key, and for fraud cohorts the accounts through before the cohort's first block."""
    groups: dict[str, list[AccountOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.cohort].append(outcome)
    return {cohort: _row(group) for cohort, group in sorted(groups.items())}


def campaign_table(outcomes: Sequence[AccountOutcome]) -> dict[str, dict[str, Any]]:
    """The same figures for every campaign (fraud accounts only), keyed by campaign id."""
    groups: dict[str, list[AccountOutcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.label == "fraud":
            groups[outcome.campaign_id].append(outcome)
    out = {}
    for campaign, group in sorted(groups.items()):
        out[campaign] = {"archetype": group[0].cohort, **_row(group)}
    return out


def overall(table: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Account-weighted totals over legitimate and fraud cohorts."""
    out: dict[str, float] = {}
    for label in ("legitimate", "fraud"):
        rows = [r for r in table.values() if r["label"] == label]
        n = sum(r["accounts"] for r in rows)
        for key in ("blocked", "challenged", "reviewed", "reached_key", "held_or_blocked"):
            out[f"{label}_{key}"] = _share(round(sum(r[key] * r["accounts"] for r in rows)), n)
        out[f"{label}_accounts"] = float(n)
    return out


def event_metrics(
    events: Sequence[DecidedEvent], since: float = float("-inf")
) -> dict[str, dict[str, float]]:
    """Ranking metrics of decision scores per event type (events at or after ``since``)."""
    out: dict[str, dict[str, float]] = {}
    for event_type in EventType:
        chosen = [e for e in events if e.event_type is event_type and e.occurred_at >= since]
        y = np.asarray([e.label == "fraud" for e in chosen], dtype=np.int64)
        out[event_type.value] = metrics(y, np.asarray([e.score for e in chosen]))
    return out


def summarise(events: Sequence[DecidedEvent], since: float = float("-inf")) -> dict[str, Any]:
    """Event metrics, cohort and campaign tables and totals: one evaluation's figures."""
    outcomes = accounts(events, since)
    table = cohort_table(outcomes)
    return {
        "events": event_metrics(events, since),
        "cohorts": table,
        "campaigns": campaign_table(outcomes),
        "overall": overall(table),
    }
