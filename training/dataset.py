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
from service.features import names
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
    positions: list[int] = field(default_factory=list)  # index of the record in the stream

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
    for position, record in enumerate(records):
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
        rows.positions.append(position)
    return data


_SCORE_COLUMN = names(EventType.API_KEY).index("account_signup_score")
_ACTION_COLUMN = names(EventType.API_KEY).index("account_signup_action")
_KNOWN_COLUMN = names(EventType.API_KEY).index("account_known")


def attach_signup_decisions(
    data: Dataset, scores: npt.NDArray[np.float64], actions: npt.NDArray[np.int64]
) -> Dataset:
    """The dataset a replay with a signup scorer would give, from one replay without it.

    ``scores`` and ``actions`` are the signup decisions of ``data.signup``'s rows. Only the API-key
    features ``account_signup_score`` and ``account_signup_action`` depend on them; each key row of
    a known account gets the decision of the account's latest signup before it, which is what
    the state store remembers during a replay. Signup rows are shared, not copied.
    """
    if len(scores) != len(data.signup) or len(actions) != len(data.signup):
        raise ValueError("one signup decision per signup row is needed")
    signups = data.signup
    keys = data.api_key
    latest: dict[str, int] = {}
    patched: list[npt.NDArray[np.float64]] = []
    i = 0
    for position, account, vector in zip(keys.positions, keys.accounts, keys.vectors, strict=True):
        while i < len(signups) and signups.positions[i] < position:
            latest[signups.accounts[i]] = i
            i += 1
        row = vector.copy()
        seen = latest.get(account)
        if row[_KNOWN_COLUMN] == 1.0 and seen is not None:
            row[_SCORE_COLUMN] = float(scores[seen])
            row[_ACTION_COLUMN] = float(actions[seen])
        patched.append(row)
    api_key = Rows(
        EventType.API_KEY,
        patched,
        keys.labels,
        keys.cohorts,
        keys.campaigns,
        keys.accounts,
        keys.event_ids,
        keys.times,
        keys.positions,
    )
    return Dataset(signups, api_key)


def concat(datasets: list[Dataset]) -> Dataset:
    """Several replays as one dataset (say, several simulator seeds).

    Each replay keeps its own state (velocity and linkage never cross streams); positions are
    offset so they stay increasing, which :func:`attach_signup_decisions` relies on. Account ids
    must not repeat across the replays.
    """
    out = Dataset(Rows(EventType.SIGNUP), Rows(EventType.API_KEY))
    offset = 0
    for data in datasets:
        top = 0
        for event_type in EventType:
            src, dst = data.rows(event_type), out.rows(event_type)
            dst.vectors += src.vectors
            dst.labels += src.labels
            dst.cohorts += src.cohorts
            dst.campaigns += src.campaigns
            dst.accounts += src.accounts
            dst.event_ids += src.event_ids
            dst.times += src.times
            dst.positions += [p + offset for p in src.positions]
            top = max([top, *(p + 1 for p in src.positions[-1:])])
        offset += top
    return out
