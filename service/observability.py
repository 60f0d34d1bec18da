"""Prometheus metrics and the structured per-decision log event.

Handlers and JSON formatting are configured at the entry point (``service.logs``); this module
only defines what is measured and what one decision event contains. Never raw email, phone, IP or
card data: the log carries keyed hashes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from service.domain import Decision

decision_logger = logging.getLogger("signupguard.decision")

_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Metrics:
    """The service's Prometheus metrics, registered in one registry."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    actions: Counter
    degraded: Counter
    model_info: Gauge
    pending_writes: Gauge
    spool_bytes: Gauge
    rejected_writes: Gauge
    database_up: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> Metrics:
        """Register every metric in ``registry`` (a fresh one by default)."""
        reg = registry if registry is not None else CollectorRegistry()
        return cls(
            registry=reg,
            requests=Counter(
                "signupguard_requests", "RPCs handled", ["method", "code"], registry=reg
            ),
            latency=Histogram(
                "signupguard_request_seconds",
                "RPC latency inside the server",
                ["method"],
                buckets=_LATENCY_BUCKETS,
                registry=reg,
            ),
            actions=Counter(
                "signupguard_decisions",
                "Decisions by action",
                ["event_type", "action"],
                registry=reg,
            ),
            degraded=Counter(
                "signupguard_degraded",
                "Decisions made with a fallback",
                ["event_type", "cause"],
                registry=reg,
            ),
            model_info=Gauge(
                "signupguard_model_info",
                "Loaded model versions (value 1) by role: live or shadow",
                ["version", "role"],
                registry=reg,
            ),
            pending_writes=Gauge(
                "signupguard_pending_decision_writes",
                "Decisions accepted but not yet committed to the database",
                registry=reg,
            ),
            spool_bytes=Gauge(
                "signupguard_spool_bytes",
                "Bytes of decisions in the local spool not yet committed (alarm near the limit)",
                registry=reg,
            ),
            rejected_writes=Gauge(
                "signupguard_rejected_decision_writes",
                "Decisions the database refused for good, kept in rejected.jsonl (alarm on > 0)",
                registry=reg,
            ),
            database_up=Gauge(
                "signupguard_database_up", "1 when the last database write succeeded", registry=reg
            ),
        )


def utc_timestamp(created: float) -> str:
    """``2026-11-23T21:54:42.951Z`` for a ``time.time()`` value (the seconds part is cached)."""
    whole = int(created)
    cached = _state.second
    if cached[0] != whole:
        cached = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
        _state.second = cached  # one tuple: readers see a matching pair
    return f"{cached[1]}.{int((created - whole) * 1000):03d}Z"


class _LogState:
    """The formatted current second and the handler decision lines go to directly."""

    second: tuple[int, str] = (-1, "")
    sink: logging.StreamHandler[Any] | None = None


_state = _LogState()


def write_decisions_to(handler: logging.StreamHandler[Any] | None) -> None:
    """Write decision events straight to this handler's stream as JSON lines (None: through
    ``logging`` as usual). Set by :func:`service.logs.configure` for the server's stderr."""
    _state.sink = handler


def log_decision(
    decision: Decision, latency_s: float, ip_hash: str | None, email_hash: str | None
) -> None:
    """Emit the one structured log event of a decision.

    With a direct handler set, the line is built here and written under the handler's lock in
    the shape ``service.logs.JsonFormatter`` gives every record: no LogRecord, no formatter
    pass (in the running server that path cost ~40 µs of CPU per decision).
    """
    if not decision_logger.isEnabledFor(logging.INFO):
        return
    message = f"decision {decision.event_type.value} {decision.action.name} {decision.score:.4f}"
    body = {
        "decision_id": decision.decision_id,
        "event_id": decision.event_id,
        "event_type": decision.event_type.value,
        "account_id": decision.account_id,
        "action": decision.action.name,
        "score": round(decision.score, 6),
        "reasons": [r.code for r in decision.reasons],
        "model_version": decision.model_version,
        "degraded": decision.degraded,
        "latency_ms": round(latency_s * 1000.0, 3),
        "ip_hash": ip_hash[:16] if ip_hash else None,
        "email_hash": email_hash[:16] if email_hash else None,
    }
    sink = _state.sink
    if sink is None:
        decision_logger.info(message, extra={"decision": body})
        return
    line = orjson.dumps(
        {
            "ts": utc_timestamp(time.time()),
            "level": "INFO",
            "logger": decision_logger.name,
            "msg": message,
            "decision": body,
        },
        option=orjson.OPT_APPEND_NEWLINE,
    ).decode()
    sink.acquire()
    try:
        sink.stream.write(line)
        sink.stream.flush()
    except (OSError, ValueError):  # stderr closed or gone: never fail a decision over its log
        pass
    finally:
        sink.release()
