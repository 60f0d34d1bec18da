"""The legitimate envelope: how far identity linkage and velocity ever went in legitimate traffic.

A supervised model extrapolates flat beyond the values it was trained on: a campaign shape it
never saw (a sleeper campaign minting keys for seventy accounts from one device) scores like the
nearest thing it did see. The envelope is the largest value each non-IP velocity or linkage
feature took on legitimate training rows; an event beyond it is, by construction, unlike any
legitimate user seen. Addresses, popular email domains and the other popular cells (exact user
agent, card BIN, identity template) are left out: carrier and campus NAT, big providers, banks,
browsers and common name-based addresses make their counts legitimately unbounded.

Training stores the envelope in the manifest (``training.envelope``); the server applies it as
a policy rule (``service.policy.envelope``: beyond the envelope, at least REVIEW), and
:func:`apply` measures what that rule changes on a replayed stream, for the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from service.domain import Action, EventType
from service.features import names
from service.policy.envelope import MARGIN  # one margin for the server's rule and this measure
from training.cohorts import DecidedEvent
from training.dataset import Dataset
from training.train import Split

_EXCLUDED = ("_ip", "email_domain", "email_shape", "user_agent", "card_bin", "identity")


def guarded_features(event_type: EventType) -> list[str]:
    """Velocity and linkage features of identities a user holds (not addresses or domains)."""
    return [
        n
        for n in names(event_type)
        if n.startswith(("vel_", "linked_")) and not any(part in n for part in _EXCLUDED)
    ]


def fit(data: Dataset, splits: Mapping[EventType, Split]) -> dict[str, dict[str, float]]:
    """Largest value of each guarded feature over legitimate rows of the training period."""
    out: dict[str, dict[str, float]] = {}
    for event_type in EventType:
        rows = data.rows(event_type)
        train = splits[event_type].train
        legit = rows.matrix()[train][rows.y()[train] == 0]
        columns = names(event_type)
        out[event_type.value] = {}
        for feature in guarded_features(event_type):
            values = legit[:, columns.index(feature)]
            values = values[~np.isnan(values)]
            out[event_type.value][feature] = float(values.max()) if len(values) else 0.0
    return out


def beyond(data: Dataset, envelope: Mapping[str, Mapping[str, float]]) -> list[bool]:
    """For every row of ``data`` in stream order: is any guarded feature beyond the envelope?"""
    flagged: list[tuple[int, bool]] = []
    for event_type in EventType:
        rows = data.rows(event_type)
        limits = envelope[event_type.value]
        columns = names(event_type)
        x = rows.matrix()
        hit = np.zeros(len(rows), dtype=bool)
        for feature, limit in limits.items():
            values = x[:, columns.index(feature)] if len(rows) else np.zeros(0)
            hit |= np.nan_to_num(values, nan=-np.inf) > limit + MARGIN
        flagged += list(zip(rows.positions, hit.tolist(), strict=True))
    flagged.sort()
    return [hit for _, hit in flagged]


def apply(events: Sequence[DecidedEvent], flags: Sequence[bool]) -> list[DecidedEvent]:
    """The decisions with every flagged event raised to at least REVIEW."""
    return [
        dataclasses.replace(e, action=max(e.action, Action.REVIEW)) if hit else e
        for e, hit in zip(events, flags, strict=True)
    ]


def impact(events: Sequence[DecidedEvent], flags: Sequence[bool]) -> dict[str, int]:
    """How many events, and distinct accounts, the rule would raise to REVIEW, by label."""
    out = {"legitimate_events": 0, "fraud_events": 0}
    accounts: dict[str, set[str]] = {"legitimate": set(), "fraud": set()}
    for event, hit in zip(events, flags, strict=True):
        if hit and event.action < Action.REVIEW:
            out[f"{event.label}_events"] += 1
            accounts[event.label].add(event.account_id)
    out["legitimate_accounts"] = len(accounts["legitimate"])
    out["fraud_accounts"] = len(accounts["fraud"])
    return out
