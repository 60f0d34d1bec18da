"""Review thresholds chosen per *account*, jointly for signups and key creations.

A person is stopped when their signup *or any* of their key creations is held, so two per-event
budgets (say 2 % of legitimate signups and 2 % of legitimate key creations) add up to more than
either at the account level, and they spend the budget where it buys the least. Instead, given
every account's signup score and its key scores on pooled validation worlds, :func:`joint_review`
tries pairs of review thresholds (each at a quantile of the legitimate scores) and keeps the pair
that lets the fewest fraud accounts reach a key while holding at most ``budget`` of legitimate
accounts. Block thresholds stay per event (a tight budget of their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from service.domain import EventType
from training.cohorts import DecidedEvent

FloatArray = npt.NDArray[np.float64]

# Shares of legitimate scores at or above a candidate threshold (per event type).
QUANTILES = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04)


@dataclass(frozen=True)
class JointChoice:
    """The chosen review thresholds and what they gave on the validation accounts."""

    signup_review: float
    api_key_review: float
    legitimate_held: float  # share of legitimate accounts held (signup or key)
    fraud_reached_key: float  # share of fraud accounts whose signup and a key both passed
    legitimate_accounts: int
    fraud_accounts: int


@dataclass(frozen=True)
class AccountScores:
    """Per account: the signup score, the highest and lowest key score (NaN: no key)."""

    signup: FloatArray
    key_max: FloatArray
    key_min: FloatArray
    fraud: npt.NDArray[np.bool_]

    @classmethod
    def from_events(cls, events: Sequence[DecidedEvent]) -> AccountScores:
        """Collect the scores of decided events; accounts without a signup are left out."""
        signup: dict[str, float] = {}
        kmax: dict[str, float] = {}
        kmin: dict[str, float] = {}
        fraud: dict[str, bool] = {}
        for e in events:
            fraud[e.account_id] = e.label == "fraud"
            if e.event_type is EventType.SIGNUP:
                signup[e.account_id] = e.score
            else:
                kmax[e.account_id] = max(kmax.get(e.account_id, -np.inf), e.score)
                kmin[e.account_id] = min(kmin.get(e.account_id, np.inf), e.score)
        ids = list(signup)
        nan = float("nan")
        return cls(
            signup=np.asarray([signup[a] for a in ids], dtype=np.float64),
            key_max=np.asarray([kmax.get(a, nan) for a in ids], dtype=np.float64),
            key_min=np.asarray([kmin.get(a, nan) for a in ids], dtype=np.float64),
            fraud=np.asarray([fraud[a] for a in ids], dtype=np.bool_),
        )

    def outcome(self, signup_review: float, key_review: float) -> tuple[float, float]:
        """(legitimate accounts held, fraud accounts reaching a key) at these thresholds."""
        has_key = ~np.isnan(self.key_max)
        held = (self.signup >= signup_review) | (has_key & (self.key_max >= key_review))
        reached = (self.signup < signup_review) & has_key & (self.key_min < key_review)
        legit = ~self.fraud
        held_share = float(held[legit].mean()) if legit.any() else 0.0
        reached_share = float(reached[self.fraud].mean()) if self.fraud.any() else 0.0
        return held_share, reached_share


def _candidates(scores: FloatArray) -> list[float]:
    scores = scores[~np.isnan(scores)]
    if not len(scores):
        return [1.0]
    return sorted({float(np.quantile(scores, 1.0 - q)) for q in QUANTILES})


def joint_review(accounts: AccountScores, budget: float) -> JointChoice:
    """The pair of review thresholds that minimises fraud reaching a key within ``budget``.

    Ties go to the pair holding fewer legitimate accounts. When no pair meets the budget, the
    strictest-on-nobody pair (highest thresholds) is returned, and its figures say so.
    """
    legit = ~accounts.fraud
    signup_c = _candidates(accounts.signup[legit])
    key_c = _candidates(accounts.key_max[legit])
    best: tuple[float, float, float, float] | None = None
    fallback: tuple[float, float, float, float] | None = None
    for s in signup_c:
        for k in key_c:
            held, reached = accounts.outcome(s, k)
            if fallback is None or held < fallback[2]:
                fallback = (s, k, held, reached)
            if held <= budget and (best is None or (reached, held) < (best[3], best[2])):
                best = (s, k, held, reached)
    s, k, held, reached = best or fallback or (1.0, 1.0, 0.0, 0.0)
    return JointChoice(
        signup_review=s,
        api_key_review=k,
        legitimate_held=held,
        fraud_reached_key=reached,
        legitimate_accounts=int(legit.sum()),
        fraud_accounts=int(accounts.fraud.sum()),
    )
