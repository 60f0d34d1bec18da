"""A deployment's own labelled data: logged decisions joined with reported outcomes.

``signupguard export-training-data`` writes one JSON line per decision, in event-time order::

    {"event_type": "signup", "event_id": "...", "account_id": "...", "occurred_at": 1.7e9,
     "features": [0.0, null, ...], "label": 1, "label_source": "chargeback",
     "label_time": 1.7e9, "spec_hash": "...", "model_version": "...", "score": 0.93,
     "action": 4, "degraded": false}

Point in time: ``features`` is the vector the server logged when it decided (spec order, ``null``
for missing), so nothing is recomputed with state the server did not have then. Rules:

- Only decisions whose ``spec_hash`` equals the running code's are exported; the others are
  counted under ``skipped_spec`` (by event type and hash) and left out, since their columns mean
  something else.
- ``label`` (1 fraud, 0 legitimate) is the account's *latest* outcome known at ``as_of`` (export
  time by default): the one with the greatest ``received_at`` (then ``occurred_at``, then id) among
  outcomes received by then. A later verdict overrides an earlier one (a chargeback reversed, a
  review overturned). ``label_time`` is that outcome's ``received_at``.
- ``label_delay_s`` drops decisions made less than that long before ``as_of``: their outcomes may
  not have arrived yet, and keeping them would bias the recent past towards "unlabelled".
- Accounts with no outcome are dropped (``unlabelled="drop"``, the default) or, with
  ``unlabelled="legitimate"``, labelled legitimate once their decision is older than
  ``maturity_s`` (younger ones are dropped); ``label_source`` is then ``"matured"``.

JSON lines rather than Parquet: Parquet would need pyarrow (a large dependency) for files that
are read once, in order, by the trainer; lines stream, compress (a ``.gz`` name is gzipped) and
can be inspected with ``head``.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from service.domain import EventType, Label
from service.events import InputError
from service.features import spec_hash
from service.store import make_engine
from service.store.schema import decisions, outcomes

UNLABELLED = ("drop", "legitimate")


@dataclass(frozen=True, slots=True)
class _Known:
    label: int  # 1 fraud, 0 legitimate
    source: str
    received_at: float
    occurred_at: float
    outcome_id: str

    def key(self) -> tuple[float, float, str]:
        return (self.received_at, self.occurred_at, self.outcome_id)


def _labels(conn: Any, as_of: float) -> dict[str, _Known]:
    latest: dict[str, _Known] = {}
    query = select(outcomes).where(outcomes.c.received_at <= as_of)
    for row in conn.execute(query):
        known = _Known(
            1 if row.label == Label.FRAUD else 0,
            row.source,
            float(row.received_at),
            float(row.occurred_at),
            row.outcome_id,
        )
        seen = latest.get(row.account_id)
        if seen is None or known.key() > seen.key():
            latest[row.account_id] = known
    return latest


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8")
    return path.open("w", encoding="utf-8")


def export_training_data(
    database_url: str,
    out: Path,
    since: float | None = None,
    until: float | None = None,
    label_delay_s: float | None = None,
    *,
    unlabelled: str = "drop",
    maturity_s: float | None = None,
    as_of: float | None = None,
) -> dict[str, Any]:
    """Write labelled decisions with ``since <= occurred_at < until`` to ``out`` (JSON lines).

    Returns counts: rows written per event type and label, and what was skipped and why.
    """
    if unlabelled not in UNLABELLED:
        raise ValueError(f"unlabelled must be one of {UNLABELLED}, not {unlabelled!r}")
    if unlabelled == "legitimate" and maturity_s is None:
        raise ValueError("unlabelled='legitimate' needs maturity_s")
    now = time.time() if as_of is None else as_of
    hashes = {t.value: spec_hash(t) for t in EventType}
    written: Counter[str] = Counter()
    skipped_spec: Counter[str] = Counter()
    skipped = Counter({"unlabelled": 0, "too_recent": 0, "immature": 0})
    query = select(
        decisions.c.event_type,
        decisions.c.event_id,
        decisions.c.account_id,
        decisions.c.occurred_at,
        decisions.c.features,
        decisions.c.spec_hash,
        decisions.c.model_version,
        decisions.c.score,
        decisions.c.action,
        decisions.c.degraded,
    ).order_by(decisions.c.occurred_at, decisions.c.event_id)
    if since is not None:
        query = query.where(decisions.c.occurred_at >= since)
    if until is not None:
        query = query.where(decisions.c.occurred_at < until)
    engine = make_engine(database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with engine.connect() as conn, _open(out) as handle:
            labels = _labels(conn, now)
            for row in conn.execution_options(yield_per=2000).execute(query):
                if hashes.get(row.event_type) != row.spec_hash:
                    skipped_spec[f"{row.event_type}:{row.spec_hash}"] += 1
                    continue
                if label_delay_s is not None and row.occurred_at > now - label_delay_s:
                    skipped["too_recent"] += 1
                    continue
                known = labels.get(row.account_id)
                if known is not None:
                    label, source, label_time = known.label, known.source, known.received_at
                elif unlabelled == "drop":
                    skipped["unlabelled"] += 1
                    continue
                elif row.occurred_at > now - float(maturity_s or 0.0):
                    skipped["immature"] += 1
                    continue
                else:
                    label, source, label_time = 0, "matured", now
                line = {
                    "event_type": row.event_type,
                    "event_id": row.event_id,
                    "account_id": row.account_id,
                    "occurred_at": row.occurred_at,
                    "features": json.loads(row.features),
                    "label": label,
                    "label_source": source,
                    "label_time": label_time,
                    "spec_hash": row.spec_hash,
                    "model_version": row.model_version,
                    "score": row.score,
                    "action": row.action,
                    "degraded": bool(row.degraded),
                }
                handle.write(json.dumps(line, separators=(",", ":")) + "\n")
                written[f"{row.event_type}:{'fraud' if label else 'legitimate'}"] += 1
    finally:
        engine.dispose()
    return {
        "out": str(out),
        "as_of": now,
        "rows": sum(written.values()),
        "written": dict(sorted(written.items())),
        "skipped": dict(skipped),
        "skipped_spec": dict(sorted(skipped_spec.items())),
        "spec_hash": hashes,
    }


def read_export(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of an export file, features as floats (NaN for ``null``).

    Raises :class:`InputError` (file, line, field) at the first line it cannot use.
    """
    for _, row in numbered_export(path):
        yield row


def numbered_export(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line, row) of each row of an export file; see :func:`read_export`."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, _export_row(path, number, line)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(path, None, "", f"cannot read: {exc}") from None


_EXPORT_FIELDS = ("event_id", "event_type", "account_id", "occurred_at", "spec_hash", "label")


def _export_row(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(path, number, "", f"not JSON: {exc.msg}") from None
    if not isinstance(row, dict):
        raise InputError(path, number, "", "must be a JSON object")
    for name in _EXPORT_FIELDS:
        if name not in row:
            raise InputError(path, number, name, "is required")
    if row["event_type"] not in ("signup", "api_key"):
        raise InputError(path, number, "event_type", f"unknown value {row['event_type']!r}")
    try:
        row["occurred_at"] = float(row["occurred_at"])
    except (TypeError, ValueError):
        raise InputError(path, number, "occurred_at", "must be epoch seconds") from None
    if row["label"] not in (0, 1):
        raise InputError(path, number, "label", f"must be 0 or 1, got {row['label']!r}")
    features = row.get("features")
    if not isinstance(features, list):
        raise InputError(path, number, "features", "must be a list of numbers")
    try:
        row["features"] = [math.nan if v is None else float(v) for v in features]
    except (TypeError, ValueError):
        raise InputError(path, number, "features", "must be a list of numbers") from None
    return row
