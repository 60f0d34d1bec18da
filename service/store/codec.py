"""A decision's three forms: the record the scorer saves, its journal line, its table row.

Outcomes share the journal: their lines carry ``"k": "o"`` (a line without ``k`` is a
decision, so spools written before outcomes were spooled still read).

The journal line is on the request path, so it is cheap to make: one compact JSON object with
the feature vector as base64 of little-endian float64 (NaN kept as is). Printing ~90 floats as
decimal text costs ~25 µs with the standard library; packing them costs ~1 µs. The row (JSON
text columns, NaN as null) is built from the line by the writer thread. JSON goes through
orjson: the line in ~0.3 µs instead of ~4.5, the row's 90 floats in ~3 µs instead of ~27.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from service.domain import Action, Decision, EventType, Outcome, Reason

FORMAT = 1  # "v" of every journal line; bump when the line's shape changes
_encode = json.JSONEncoder(separators=(",", ":")).encode
_SWAP = sys.byteorder != "little"


@dataclass(frozen=True, slots=True)
class ShadowVerdict:
    """What a shadow model would have answered for the same event (never acted on)."""

    model_version: str
    score: float
    action: Action


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision as logged: the answer plus the feature vector it was computed from."""

    decision: Decision
    features: Sequence[float] | npt.NDArray[np.float64]  # the scorer hands its vector as is
    spec_hash: str
    shadow: ShadowVerdict | None = None
    # Derived signals rules may read (never raw PII) and every live/shadow rule hit as
    # (rule id, version, state, action): what a backtest or a rules report reads back.
    signals: Mapping[str, str] | None = None
    rule_hits: Sequence[tuple[str, int, str, str]] = ()
    # What the review hook adds (identifier keys, case masks): kept on the line as "rv", read
    # back by the hooks the decision writer runs in the same transaction (service.review).
    review: Mapping[str, Any] | None = None


def encode(record: DecisionRecord) -> bytes:
    """The journal line of a record, newline included (JSON escapes any newline in strings)."""
    d = record.decision
    features = record.features
    raw: bytes
    if isinstance(features, np.ndarray):  # the scorer's vector: its bytes, no list round trip
        raw = features.astype("<f8", copy=False).tobytes()
    else:
        packed = array("d", features)
        if _SWAP:  # pragma: no cover - little-endian hosts
            packed.byteswap()
        raw = packed.tobytes()
    body: dict[str, Any] = {
        "v": FORMAT,
        "decision_id": d.decision_id,
        "event_id": d.event_id,
        "event_type": d.event_type.value,
        "account_id": d.account_id,
        "occurred_at": d.occurred_at,
        "decided_at": d.decided_at,
        "score": d.score,
        "action": int(d.action),
        "model_version": d.model_version,
        "spec_hash": record.spec_hash,
        "degraded": d.degraded,
        "reasons": [(r.code, r.message, r.weight) for r in d.reasons],
        "features": base64.b64encode(raw).decode("ascii"),
        "case_id": d.case_id,
    }
    if record.shadow is not None:  # optional keys: older lines without them still read
        body["sv"] = record.shadow.model_version
        body["ss"] = record.shadow.score
        body["sa"] = int(record.shadow.action)
    if record.signals is not None:
        body["sg"] = record.signals
    if record.rule_hits:
        body["rh"] = record.rule_hits
    if record.review is not None:
        body["rv"] = record.review
    try:
        return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)  # strings' newlines escaped
    except orjson.JSONEncodeError:  # a lone surrogate in an id (not from gRPC): escape it
        return (_encode(body) + "\n").encode("ascii")


OUTCOME = "o"  # "k" of an outcome's journal line
DECISION = "d"  # the kind of a line without "k"


def encode_outcome(outcome: Outcome) -> bytes:
    """The journal line of an outcome, newline included."""
    body = {
        "v": FORMAT,
        "k": OUTCOME,
        "outcome_id": outcome.outcome_id,
        "account_id": outcome.account_id,
        "label": int(outcome.label),
        "source": outcome.source,
        "occurred_at": outcome.occurred_at,
        "received_at": outcome.received_at,
    }
    try:
        return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # a lone surrogate in an id (not from gRPC): escape it
        return (_encode(body) + "\n").encode("ascii")


def parse(line: bytes) -> tuple[str, dict[str, Any]]:
    """(kind, table row) of a journal line: DECISION or OUTCOME; ValueError/KeyError if neither."""
    obj = _load(line)
    if obj.get("k", DECISION) == OUTCOME:
        return OUTCOME, {
            "outcome_id": str(obj["outcome_id"]),
            "account_id": str(obj["account_id"]),
            "label": int(obj["label"]),
            "source": str(obj["source"]),
            "occurred_at": float(obj["occurred_at"]),
            "received_at": float(obj["received_at"]),
        }
    return DECISION, _decision_row(obj)


def decision_of_line(line: bytes) -> Decision | None:
    """The decision of a journal line (None for an outcome); ValueError/KeyError if neither.

    Skips the feature vector (the answer does not carry it): a restart indexes a large
    spool this way.
    """
    obj = _load(line)
    if obj.get("k", DECISION) != DECISION:
        return None
    return Decision(
        decision_id=str(obj["decision_id"]),
        event_id=str(obj["event_id"]),
        event_type=EventType(obj["event_type"]),
        account_id=str(obj["account_id"]),
        action=Action(int(obj["action"])),
        score=float(obj["score"]),
        reasons=tuple(Reason(str(c), str(m), float(w)) for c, m, w in obj["reasons"]),
        model_version=str(obj["model_version"]),
        degraded=bool(obj["degraded"]),
        occurred_at=float(obj["occurred_at"]),
        decided_at=float(obj["decided_at"]),
        case_id=str(obj["case_id"] or ""),
    )


def _load(line: bytes) -> dict[str, Any]:
    obj = orjson.loads(line)
    if not isinstance(obj, dict) or obj.get("v") != FORMAT:
        raise ValueError("not a journal line of format 1")
    return obj


def row(line: bytes) -> dict[str, Any]:
    """The ``decisions`` row of a decision's journal line; ValueError (or KeyError) if not one."""
    kind, r = parse(line)
    if kind != DECISION:
        raise ValueError("an outcome line, not a decision")
    return r


def _decision_row(obj: dict[str, Any]) -> dict[str, Any]:
    packed = array("d")
    packed.frombytes(base64.b64decode(obj["features"], validate=True))
    if _SWAP:  # pragma: no cover - little-endian hosts
        packed.byteswap()
    return {
        "decision_id": str(obj["decision_id"]),
        "event_id": str(obj["event_id"]),
        "event_type": str(obj["event_type"]),
        "account_id": str(obj["account_id"]),
        "occurred_at": float(obj["occurred_at"]),
        "decided_at": float(obj["decided_at"]),
        "score": float(obj["score"]),
        "action": int(obj["action"]),
        "model_version": str(obj["model_version"]),
        "spec_hash": str(obj["spec_hash"]),
        "degraded": bool(obj["degraded"]),
        "reasons": orjson.dumps(
            [{"code": c, "message": m, "weight": w} for c, m, w in obj["reasons"]]
        ).decode(),
        "features": orjson.dumps([None if math.isnan(v) else v for v in packed]).decode(),
        "features_f64": _little_endian(packed),
        "case_id": str(obj["case_id"]),
        "shadow_model_version": obj.get("sv"),
        "shadow_score": obj.get("ss"),
        "shadow_action": obj.get("sa"),
        "signals": None if obj.get("sg") is None else orjson.dumps(obj["sg"]).decode(),
        "rule_hits": None if obj.get("rh") is None else orjson.dumps(obj["rh"]).decode(),
    }


def _little_endian(packed: array[float]) -> bytes:
    if _SWAP:  # pragma: no cover - little-endian hosts
        swapped = array("d", packed)
        swapped.byteswap()
        return swapped.tobytes()
    return packed.tobytes()


def decision(r: Any) -> Decision:
    """The domain decision of a ``decisions`` row (a result row or a row dict's namespace)."""
    return Decision(
        decision_id=r.decision_id,
        event_id=r.event_id,
        event_type=EventType(r.event_type),
        account_id=r.account_id,
        action=Action(r.action),
        score=r.score,
        reasons=tuple(Reason(**x) for x in json.loads(r.reasons)),
        model_version=r.model_version,
        degraded=bool(r.degraded),
        occurred_at=r.occurred_at,
        decided_at=r.decided_at,
        case_id=r.case_id or "",
    )
