"""Training rows by replaying a stream through the service's own featurizer, in time order.

Every row holds what the server would have known at that event's moment: the same
:class:`service.featurize.Featurizer`, a fresh in-memory state store, and the event clock.
Nothing here re-implements a feature.

API-key rows carry the account's signup score and action, which come from a signup model. To
keep that feature honest, the builder takes a ``signup_scorer`` callback; the pipeline passes
cross-fitted scores (each account scored by a model that never saw it), so the key model does not
learn to trust in-sample signup scores more than it will be able to in production.

The signup decisions also decide which accounts are held, and so the flag mass other accounts'
key rows carry (``account_group_flagged`` and its share, :mod:`service.state.flags`).
:func:`attach_signup_decisions` gets them by replaying just the rows' accounts and group-link
keys (kept per signup row in ``Rows.links``) through a fresh memory store — the store's own
rule, not a copy of it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from service.domain import Action, ApiKeyEvent, EventType, SignupEvent
from service.events import StreamRecord
from service.features import names
from service.features.extract import flagged_share
from service.featurize import Featurizer
from service.hashing import Hasher
from service.signals import SignalExtractor
from service.state import ApiKeyKeys, MemoryStateStore, SignupKeys
from service.state.base import GROUP_LINKS

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
    # A signup row's GROUP_LINKS keys (keyed hashes; () on key rows), for the flag replay.
    links: list[tuple[str | None, ...]] = field(default_factory=list)

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
        keys = feats.keys
        if isinstance(keys, SignupKeys):
            rows.links.append(tuple(keys.entity(name) for name in GROUP_LINKS))
        else:
            rows.links.append(())
    return data


_SCORE_COLUMN = names(EventType.API_KEY).index("account_signup_score")
_ACTION_COLUMN = names(EventType.API_KEY).index("account_signup_action")
_KNOWN_COLUMN = names(EventType.API_KEY).index("account_known")
_FLAGGED_COLUMN = names(EventType.API_KEY).index("account_group_flagged")
_SHARE_COLUMN = names(EventType.API_KEY).index("account_group_flagged_share")


def attach_signup_decisions(
    data: Dataset, scores: npt.NDArray[np.float64], actions: npt.NDArray[np.int64]
) -> Dataset:
    """The dataset a replay with a signup scorer would give, from one replay without it.

    ``scores`` and ``actions`` are the signup decisions of ``data.signup``'s rows. Only the API-key
    features ``account_signup_score`` and ``account_signup_action`` depend on them directly; each
    key row of a known account gets the decision of the account's latest signup before it, which
    is what the state store remembers during a replay. The held-account features
    (``account_group_flagged`` and its share) depend on every decision before the key: the rows'
    accounts and group-link keys are replayed in stream order through a fresh memory store (the
    store's own rule), each signup followed by its decision, as a replay with a scorer does.
    That store never forgets (a replay's forgets links idle for its 30-day retention), so only
    streams spanning more than 30 days can differ. Rows without group-link keys (a deployment's
    export) keep the flag features they were logged with. Signup rows are shared, not copied.
    """
    if len(scores) != len(data.signup) or len(actions) != len(data.signup):
        raise ValueError("one signup decision per signup row is needed")
    signups = data.signup
    keys = data.api_key
    # Rows read from a deployment's export carry no keys: their logged flag features stay.
    state = MemoryStateStore(retention_s=math.inf) if len(signups.links) == len(signups) else None
    latest: dict[str, int] = {}
    patched: list[npt.NDArray[np.float64]] = []
    i = 0
    for position, account, vector, at in zip(
        keys.positions, keys.accounts, keys.vectors, keys.times, strict=True
    ):
        while i < len(signups) and signups.positions[i] < position:
            if state is not None:
                _replay_signup(state, signups, i, float(scores[i]), int(actions[i]))
            latest[signups.accounts[i]] = i
            i += 1
        row = vector.copy()
        seen = latest.get(account)
        if row[_KNOWN_COLUMN] == 1.0 and seen is not None:
            row[_SCORE_COLUMN] = float(scores[seen])
            row[_ACTION_COLUMN] = float(actions[seen])
        flags = (
            None
            if state is None
            else state.observe_api_key(f"k{position}", at, ApiKeyKeys(account))
        )
        if flags is not None and flags.account is not None and row[_KNOWN_COLUMN] == 1.0:
            share = flagged_share(flags.group_flagged, flags.account.group)
            row[_FLAGGED_COLUMN] = math.nan if flags.group_flagged is None else flags.group_flagged
            row[_SHARE_COLUMN] = math.nan if share is None else share
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
        keys.links,
    )
    return Dataset(signups, api_key)


def _replay_signup(state: MemoryStateStore, rows: Rows, i: int, score: float, action: int) -> None:
    """Signup row ``i`` (its account and group links only) and its decision, into ``state``."""
    links = dict(zip(GROUP_LINKS, rows.links[i], strict=True))
    state.observe_signup(
        f"s{rows.positions[i]}", rows.times[i], SignupKeys(rows.accounts[i], **links)
    )
    state.remember_decision(rows.accounts[i], score, action)


def concat(datasets: list[Dataset]) -> Dataset:
    """Several replays as one dataset (say, several simulator seeds).

    Each replay keeps its own state (velocity and linkage never cross streams); positions are
    offset so they stay increasing, which :func:`attach_signup_decisions` relies on, and group-link
    keys are tagged with their replay, so its flag replay keeps them apart too. Account ids must
    not repeat across the replays.
    """
    out = Dataset(Rows(EventType.SIGNUP), Rows(EventType.API_KEY))
    offset = 0
    for n, data in enumerate(datasets):
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
            dst.links += [
                tuple(None if k is None else f"{n}:{k}" for k in links) for links in src.links
            ]
            top = max([top, *(p + 1 for p in src.positions[-1:])])
        offset += top
    return out
