"""Training rows by replaying a stream through the service's own featurizer, in time order.

Every row holds what the server would have known at that event's moment: the same
:class:`service.featurize.Featurizer`, a fresh in-memory state store, and the event clock.
Nothing here re-implements a feature.

API-key rows carry the account's signup score and action, which come from a signup model. To
keep that feature honest, the builder takes a ``signup_scorer`` callback; the pipeline passes
cross-fitted scores (each account scored by a model that never saw it), so the key model does not
learn to trust in-sample signup scores more than it will be able to in production.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from service.domain import Action, ApiKeyEvent, EventType, SignupEvent
from service.events import StreamRecord
from service.featurize import Featurizer
from service.hashing import Hasher
from service.signals import SignalExtractor
from service.state import MemoryStateStore

# The replay's hash key only has to be consistent within one replay: features compare hashes
# for equality and never look at their values.
REPLAY_HASH_KEY = b"signupguard-replay"

SignupScorer = Callable[[str, npt.NDArray[np.float64]], tuple[float, Action]]


@dataclass
class Rows:
    """Feature rows of one event type, in stream order, with labels and metadata."""

    event_type: EventType
    vectors: list[npt.NDArray[np.float64]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    cohorts: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def matrix(self) -> npt.NDArray[np.float64]:
        """All vectors as one (rows, features) matrix."""
        if not self.vectors:
            return np.zeros((0, 0))
        return np.vstack(self.vectors)

    def y(self) -> npt.NDArray[np.int64]:
        """Labels: 1 fraud, 0 legitimate."""
        return np.asarray(self.labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Dataset:
    """Rows of both event types from one replay."""

    signup: Rows
    api_key: Rows

    def rows(self, event_type: EventType) -> Rows:
        """Rows of one event type."""
        return self.signup if event_type is EventType.SIGNUP else self.api_key


def account_fold(account_id: str, folds: int = 2) -> int:
    """A stable fold number for an account (for cross-fitting signup scores)."""
    digest = hashlib.blake2b(account_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % folds


def build_dataset(
    records: Iterable[StreamRecord],
    extractor: SignalExtractor,
    signup_scorer: SignupScorer | None = None,
) -> Dataset:
    """Replay labelled records in order; every record must carry ``truth``."""
    featurizer = Featurizer(extractor, MemoryStateStore(), Hasher(REPLAY_HASH_KEY))
    data = Dataset(Rows(EventType.SIGNUP), Rows(EventType.API_KEY))
    last = float("-inf")
    for record in records:
        event, truth = record.event, record.truth
        if truth is None:
            raise ValueError(f"event {event.event_id} has no truth label")
        if event.occurred_at is None:
            raise ValueError(f"event {event.event_id} has no occurred_at")
        if event.occurred_at < last:
            raise ValueError(f"stream is not in time order at event {event.event_id}")
        last = event.occurred_at
        if isinstance(event, SignupEvent):
            feats = featurizer.signup(event, event.occurred_at)
            if signup_scorer is not None and not feats.duplicate:
                score, action = signup_scorer(event.account_id, feats.vector)
                featurizer.remember_signup(event.account_id, score, int(action))
        elif isinstance(event, ApiKeyEvent):
            feats = featurizer.api_key(event, event.occurred_at)
        if feats.duplicate:
            continue
        rows = data.rows(event.event_type)
        rows.vectors.append(feats.vector)
        rows.labels.append(1 if truth.label == "fraud" else 0)
        rows.cohorts.append(truth.cohort)
        rows.campaigns.append(truth.campaign_id or "")
        rows.accounts.append(event.account_id)
        rows.event_ids.append(event.event_id)
        rows.times.append(event.occurred_at)
    return data
