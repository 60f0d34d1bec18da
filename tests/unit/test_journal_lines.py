"""Journal lines: decisions and outcomes share the spool and each reads back as itself."""

from __future__ import annotations

import pytest

from service.domain import Action, Decision, EventType, Label, Outcome, Reason
from service.store import DecisionRecord, codec

DECISION = Decision(
    decision_id="d-1",
    event_id="e-1",
    event_type=EventType.SIGNUP,
    account_id="a-1",
    action=Action.REVIEW,
    score=0.625,
    reasons=(Reason("IP_DATACENTER", "datacenter IP", 1.25),),
    model_version="m",
    degraded=True,
    occurred_at=1_780_000_000.5,
    decided_at=1_780_000_001.25,
)
OUTCOME = Outcome("o-1", "a-1", Label.FRAUD, "chargeback", 1.0, 2.0)


def test_a_decision_line_reads_back_as_the_decision() -> None:
    """decision_of_line gives back the very decision that was encoded (for restart answers)."""
    line = codec.encode(DecisionRecord(DECISION, [0.5, float("nan")], "h")).rstrip(b"\n")
    assert codec.decision_of_line(line) == DECISION
    assert codec.parse(line)[0] == codec.DECISION


def test_an_outcome_line_is_an_outcome_row_and_no_decision() -> None:
    """An outcome's line parses to its outcomes row; it is not mistaken for a decision."""
    line = codec.encode_outcome(OUTCOME).rstrip(b"\n")
    kind, row = codec.parse(line)
    assert kind == codec.OUTCOME
    assert row == {
        "outcome_id": "o-1",
        "account_id": "a-1",
        "label": int(Label.FRAUD),
        "source": "chargeback",
        "occurred_at": 1.0,
        "received_at": 2.0,
    }
    assert codec.decision_of_line(line) is None
    with pytest.raises(ValueError, match="outcome"):
        codec.row(line)
