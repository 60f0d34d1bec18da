"""The decision log read back as columns: feature vectors, scores and signals as they were.

Nothing is recomputed: each row carries the features and derived signals stored when the
decision was made. Feature vectors are parsed in one ``orjson`` call over all rows (joined as
one JSON array) and one ``numpy`` conversion; signals only when a condition reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Connection, Engine, Select, case, select
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
        decisions.c.features_f64,
        # the JSON list only for rows logged before 0003 (no packed vector)
        case((decisions.c.features_f64.is_(None), decisions.c.features), else_=None),
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
            for part in _fetch(conn, query):
                ids, accs, occ, act, sc, packed, feats, sigs, *rest = zip(*part, strict=True)
                event_ids += ids
                accounts += accs
                occurred += occ
                actions += act
                scores += sc
                if rest:
                    hits += rest[0]
                blocks.append(_vectors(packed, feats, width))
                if wanted:
                    decoded = orjson.loads("[" + ",".join(s or "{}" for s in sigs) + "]")
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


def _fetch(conn: Connection, query: Select[Any]) -> Iterator[Sequence[Any]]:
    """Rows in chunks of plain DBAPI tuples (no per-row Row objects: ~25 % of a backtest).

    The statement's only parameters are our own values (an event type, a spec hash, times),
    inlined as literals. PostgreSQL reads through a server-side cursor, so memory stays flat.
    """
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    named = conn.dialect.name == "postgresql"
    cursor = dbapi.cursor(name="backtest") if named else dbapi.cursor()
    try:
        cursor.execute(sql)
        while part := cursor.fetchmany(_CHUNK):
            yield part
    finally:
        cursor.close()


def _vectors(
    packed: tuple[bytes | None, ...], texts: tuple[str | None, ...], width: int
) -> npt.NDArray[np.float64]:
    """Logged vectors as one float matrix (NaN for missing): packed bytes, else the JSON list."""
    if all(p is not None for p in packed):
        blob = b"".join(p for p in packed if p is not None)
        if len(blob) != len(packed) * width * 8:
            raise StoreUnavailable(
                f"logged feature vectors do not have the spec's {width} columns: "
                "decisions from another feature spec"
            )
        return np.frombuffer(blob, dtype="<f8").reshape(len(packed), width).astype(np.float64)
    rows = [
        np.frombuffer(p, dtype="<f8")
        if p is not None
        else np.array(orjson.loads(t or "[]"), dtype=np.float64)
        for p, t in zip(packed, texts, strict=True)
    ]
    matrix = np.array(rows, dtype=np.float64) if rows else np.empty((0, width))
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
