"""The decision log read back as columns: feature vectors, scores and signals as they were.

Nothing is recomputed: each row carries the features and derived signals stored when the
decision was made. Feature vectors are parsed in one ``orjson`` call over all rows (joined as
one JSON array) and one ``numpy`` conversion; signals only when a condition reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from service.domain import EventType, Label
from service.errors import StoreUnavailable
from service.features import names, spec_hash
from service.rules.vector import Columns
from service.store.schema import decisions, outcomes

_CHUNK = 50_000


@dataclass(frozen=True, slots=True)
class History:
    """Logged decisions of one event type, as columns, with their accounts' outcomes."""

    columns: Columns
    event_ids: list[str]
    accounts: npt.NDArray[np.object_]
    occurred_at: npt.NDArray[np.float64]
    actions: npt.NDArray[np.int64]
    outcome: npt.NDArray[np.int64]  # Label value, 0 when unknown
    rule_hits: list[str | None]


def load(
    engine: Engine,
    event_type: EventType,
    *,
    since: float | None = None,
    until: float | None = None,
    signals: Iterable[str] = (),
    with_hits: bool = False,
) -> History:
    """Decisions of ``event_type`` in ``[since, until)``; ``signals``: which ones to parse."""
    width = len(names(event_type))
    cols = [
        decisions.c.event_id,
        decisions.c.account_id,
        decisions.c.occurred_at,
        decisions.c.action,
        decisions.c.score,
        decisions.c.features,
        decisions.c.signals,
    ]
    if with_hits:
        cols.append(decisions.c.rule_hits)
    query = select(*cols).where(
        decisions.c.event_type == event_type.value,
        decisions.c.spec_hash == spec_hash(event_type),  # vectors of this spec only
    )
    if since is not None:
        query = query.where(decisions.c.occurred_at >= since)
    if until is not None:
        query = query.where(decisions.c.occurred_at < until)
    wanted = sorted(set(signals))
    blocks: list[npt.NDArray[np.float64]] = []
    event_ids: list[str] = []
    accounts: list[str] = []
    occurred: list[float] = []
    actions: list[int] = []
    scores: list[float] = []
    sig: dict[str, list[str]] = {name: [] for name in wanted}
    hits: list[str | None] = []
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=_CHUNK).execute(query)
            for part in result.partitions(_CHUNK):
                ids, accs, occ, act, sc, feats, sigs, *rest = zip(*part, strict=True)
                event_ids += ids
                accounts += accs
                occurred += occ
                actions += act
                scores += sc
                if rest:
                    hits += rest[0]
                blocks.append(_vectors(feats, width))
                if wanted:
                    decoded = [orjson.loads(s) if s else {} for s in sigs]
                    for name in wanted:
                        sig[name] += [d.get(name, "") for d in decoded]
            labels = _labels(conn)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot read the decision log: {exc}") from exc
    features = np.vstack(blocks) if blocks else np.empty((0, width))
    account_arr = np.array(accounts, dtype=object)
    outcome = np.fromiter((labels.get(a, 0) for a in accounts), np.int64, len(accounts))
    return History(
        columns=Columns(
            features=features,
            score=np.array(scores, dtype=np.float64),
            signals={name: np.array(values, dtype=object) for name, values in sig.items()},
        ),
        event_ids=event_ids,
        accounts=account_arr,
        occurred_at=np.array(occurred, dtype=np.float64),
        actions=np.array(actions, dtype=np.int64),
        outcome=outcome,
        rule_hits=hits,
    )


def _vectors(texts: tuple[str, ...], width: int) -> npt.NDArray[np.float64]:
    """Many JSON feature lists (null for missing) as one float matrix, NaN for missing."""
    parsed = orjson.loads(b"[" + ",".join(texts).encode() + b"]")
    matrix = np.array(parsed, dtype=np.float64)  # None -> NaN
    if matrix.ndim != 2 or matrix.shape[1] != width:
        raise StoreUnavailable(
            f"logged feature vectors do not have the spec's {width} columns: "
            "decisions from another feature spec"
        )
    return matrix


def _labels(conn: object) -> dict[str, int]:
    """The newest outcome label of every account."""
    rows = conn.execute(  # type: ignore[attr-defined]
        select(outcomes.c.account_id, outcomes.c.label).order_by(outcomes.c.occurred_at)
    )
    labels = {account: int(label) for account, label in rows}
    return {a: v for a, v in labels.items() if v in (Label.FRAUD, Label.LEGITIMATE)}
