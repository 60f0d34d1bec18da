"""The decision log read back as columns: feature vectors, scores and signals as they were.

Nothing is recomputed: each row carries what was logged when the decision was made. Two
phases keep a backtest cheap: :func:`scan` reads only what a condition can read (the packed
feature vector, the score, the signals when the condition names one) plus the decision id, as
plain DBAPI tuples; :func:`details` then reads event, account, time and action of the matched
decisions only, and :func:`labels` every account's newest outcome.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import psycopg
from sqlalchemy import Connection, Engine, Select, case, literal, select
from sqlalchemy.exc import SQLAlchemyError

from service.domain import EventType, Label
from service.errors import StoreUnavailable
from service.features import names, spec_hash
from service.rules.vector import Columns
from service.store.schema import decisions, outcomes

_CHUNK = 50_000
_DBAPI_ERRORS = (sqlite3.Error, psycopg.Error)  # raw cursors raise the drivers' own errors
_IN = 900  # ids per IN (...) of the details query (SQLite allows 32766 parameters)


@dataclass(frozen=True, slots=True)
class Scan:
    """Logged decisions of one event type as the columns a condition reads, and their ids."""

    columns: Columns
    decision_ids: list[str]


@dataclass(frozen=True, slots=True)
class Details:
    """Event, account, time and action of some decisions, in the order asked for."""

    event_ids: list[str]
    accounts: list[str]
    occurred_at: npt.NDArray[np.float64]
    actions: npt.NDArray[np.int64]


def scan(
    engine: Engine,
    event_type: EventType,
    *,
    since: float | None = None,
    until: float | None = None,
    signals: Iterable[str] = (),
) -> Scan:
    """Decisions of ``event_type`` in ``[since, until)``; ``signals``: which ones to read."""
    width = len(names(event_type))
    wanted = sorted(set(signals))
    query: Select[Any] = select(
        decisions.c.decision_id,
        decisions.c.score,
        decisions.c.features_f64,
        # the JSON list only for rows logged before 0003 (no packed vector)
        case((decisions.c.features_f64.is_(None), decisions.c.features), else_=None),
        decisions.c.signals if wanted else literal(None),
    ).where(
        decisions.c.event_type == event_type.value,
        decisions.c.spec_hash == spec_hash(event_type),  # vectors of this spec only
    )
    query = _window(query, since, until)
    chunks: list[tuple[tuple[bytes | None, ...], tuple[str | None, ...]]] = []
    ids: list[str] = []
    scores: list[float] = []
    sig: dict[str, list[str]] = {name: [] for name in wanted}
    try:
        with engine.connect() as conn:
            for part in _fetch(conn, query):
                part_ids, part_scores, packed, texts, sigs = zip(*part, strict=True)
                ids += part_ids
                scores += part_scores
                chunks.append((packed, texts))
                if wanted:
                    decoded = orjson.loads("[" + ",".join(s or "{}" for s in sigs) + "]")
                    for name in wanted:
                        sig[name] += [d.get(name, "") for d in decoded]
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot read the decision log: {exc}") from exc
    if not any(None in packed for packed, _ in chunks):
        # the usual case: one join and one zero-copy view over every packed vector
        features = _packed(list(chain.from_iterable(packed for packed, _ in chunks)), width)
    else:  # some rows predate 0003: parse their JSON lists, keeping the row order
        features = np.vstack([_vectors(packed, texts, width) for packed, texts in chunks])
    return Scan(
        Columns(
            features=features,
            score=np.array(scores, dtype=np.float64),
            signals={name: np.array(values, dtype=object) for name, values in sig.items()},
        ),
        ids,
    )


def details(engine: Engine, decision_ids: Sequence[str]) -> Details:
    """Event id, account, time and action of each of ``decision_ids``."""
    found: dict[str, tuple[str, str, float, int]] = {}
    try:
        with engine.connect() as conn:
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            cursor = dbapi.cursor()
            try:
                for start in range(0, len(decision_ids), _IN):
                    chunk = list(decision_ids[start : start + _IN])
                    cursor.execute(  # our own table and columns; the ids are parameters
                        "SELECT decision_id, event_id, account_id, occurred_at, action "
                        f"FROM decisions WHERE decision_id IN ({', '.join([mark] * len(chunk))})",
                        chunk,
                    )
                    for decision_id, event_id, account, occurred, action in cursor.fetchall():
                        found[decision_id] = (event_id, account, occurred, action)
            finally:
                cursor.close()
    except (SQLAlchemyError, *_DBAPI_ERRORS) as exc:
        raise StoreUnavailable(f"cannot read the decision log: {exc}") from exc
    ordered = [found[d] for d in decision_ids]
    return Details(
        event_ids=[r[0] for r in ordered],
        accounts=[r[1] for r in ordered],
        occurred_at=np.array([r[2] for r in ordered], dtype=np.float64),
        actions=np.array([r[3] for r in ordered], dtype=np.int64),
    )


def labels(engine: Engine) -> dict[str, int]:
    """The newest outcome label of every account (FRAUD or LEGITIMATE values)."""
    query = select(outcomes.c.account_id, outcomes.c.label).order_by(outcomes.c.occurred_at)
    newest: dict[str, int] = {}
    try:
        with engine.connect() as conn:
            for part in _fetch(conn, query):
                newest.update(part)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot read outcomes: {exc}") from exc
    return {a: v for a, v in newest.items() if v in (Label.FRAUD, Label.LEGITIMATE)}


def hits(
    engine: Engine, *, since: float | None = None, until: float | None = None
) -> list[tuple[str, str, int, str]]:
    """(event type, account, action, rule hits JSON) of every decision with a rule hit."""
    query = _window(
        select(
            decisions.c.event_type,
            decisions.c.account_id,
            decisions.c.action,
            decisions.c.rule_hits,
        ).where(decisions.c.rule_hits.is_not(None)),
        since,
        until,
    )
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot read the decision log: {exc}") from exc


def _window(query: Select[Any], since: float | None, until: float | None) -> Select[Any]:
    if since is not None:
        query = query.where(decisions.c.occurred_at >= since)
    if until is not None:
        query = query.where(decisions.c.occurred_at < until)
    return query


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
    except _DBAPI_ERRORS as exc:
        raise StoreUnavailable(f"cannot read the decision log: {exc}") from exc
    finally:
        cursor.close()


def _packed(blobs: list[Any], width: int) -> npt.NDArray[np.float64]:
    """Packed little-endian float64 vectors as one read-only matrix, without copying them."""
    blob = b"".join(blobs)
    if len(blob) != len(blobs) * width * 8:
        raise StoreUnavailable(
            f"logged feature vectors do not have the spec's {width} columns: "
            "decisions from another feature spec"
        )
    return np.frombuffer(blob, dtype="<f8").reshape(len(blobs), width)


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
    matrix = np.array(rows, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != width:
        raise StoreUnavailable(
            f"logged feature vectors do not have the spec's {width} columns: "
            "decisions from another feature spec"
        )
    return matrix
