"""The per-decision JSON log line written by the server's logging set-up."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator

import pytest

from service import logs
from service.domain import Action, Decision, EventType, Reason
from service.observability import log_decision, utc_timestamp, write_decisions_to


@pytest.fixture
def stderr() -> Iterator[io.StringIO]:
    """A stream standing in for stderr; the logging configuration is restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("signupguard.decision").level)
    buffer = io.StringIO()
    yield buffer
    write_decisions_to(None)
    root.handlers[:], root.level = saved[0], saved[1]
    logging.getLogger("signupguard.decision").setLevel(saved[2])


def _decision() -> Decision:
    return Decision(
        decision_id="d-1",
        event_id="e-1",
        event_type=EventType.SIGNUP,
        account_id="a-1",
        action=Action.REVIEW,
        score=0.8123456789,
        reasons=(Reason("IP_DATACENTER", "Datacenter IP", 1.2),),
        model_version="m-1",
        degraded=False,
        occurred_at=1.0,
        decided_at=2.0,
    )


def test_decision_line_is_one_json_object_with_hashes_only(stderr: io.StringIO) -> None:
    """Each decision is one JSON line: action, score, reason codes and 16-char hash prefixes."""
    logs.configure("INFO", decisions=True, stream=stderr)
    log_decision(_decision(), 0.0015, "a" * 32, "b" * 32)
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["logger"] == "signupguard.decision"
    assert record["msg"] == "decision signup REVIEW 0.8123"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["ts"])
    assert record["decision"] == {
        "decision_id": "d-1",
        "event_id": "e-1",
        "event_type": "signup",
        "account_id": "a-1",
        "action": "REVIEW",
        "score": 0.812346,
        "reasons": ["IP_DATACENTER"],
        "model_version": "m-1",
        "degraded": False,
        "latency_ms": 1.5,
        "ip_hash": "a" * 16,
        "email_hash": "b" * 16,
    }


def test_decision_lines_can_be_switched_off(stderr: io.StringIO) -> None:
    """With log_decisions off no decision line is written, other records still are."""
    logs.configure("INFO", decisions=False, stream=stderr)
    log_decision(_decision(), 0.001, None, None)
    logging.getLogger("service.test").warning("still here")
    lines = stderr.getvalue().splitlines()
    assert [json.loads(x)["msg"] for x in lines] == ["still here"]


def test_without_the_entry_point_decisions_go_through_logging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Library use (no logs.configure) emits a normal LogRecord carrying the decision."""
    write_decisions_to(None)
    with caplog.at_level(logging.INFO, logger="signupguard.decision"):
        log_decision(_decision(), 0.001, None, None)
    assert caplog.records[-1].decision["action"] == "REVIEW"  # type: ignore[attr-defined]


def test_utc_timestamp_matches_strftime() -> None:
    """The cached-second timestamp equals formatting the time from scratch, across seconds."""
    for t in (0.0, 1.9994, 1_780_000_000.25, time.time()):
        expected = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1000):03d}Z"
        )
        assert utc_timestamp(t) == expected
