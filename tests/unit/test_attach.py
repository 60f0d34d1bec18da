"""The attachment queue: batching, read-your-writes and failures."""

from __future__ import annotations

import logging
import time

import pytest

from service.errors import StateUnavailable
from service.state.attach import Attacher, Attachment, Batch


class _Recorder:
    """A write function that records every batch it is given."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.batches: list[dict[str, Attachment]] = []
        self.delay_s = delay_s
        self.fail = fail

    def __call__(self, batch: Batch) -> None:
        time.sleep(self.delay_s)
        if self.fail:
            raise StateUnavailable("down")
        self.batches.append(dict(batch))


def test_attachments_made_together_are_written_together() -> None:
    """Fifty decisions queued within the linger go out in one write, the latest per account."""
    write = _Recorder()
    attacher = Attacher(write, linger_s=0.2)
    for i in range(50):
        attacher.add(f"a{i % 40}", float(i), 1)
    deadline = time.monotonic() + 5
    while not write.batches and time.monotonic() < deadline:
        time.sleep(0.01)
    attacher.close()
    assert len(write.batches) == 1
    assert len(write.batches[0]) == 40
    assert write.batches[0]["a0"] == Attachment((40.0, 1))


def test_a_holding_decision_stays_a_hold_when_a_later_one_replaces_it() -> None:
    """The latest decision wins, but one REVIEW or BLOCK queued in between still holds."""
    write = _Recorder()
    attacher = Attacher(write, linger_s=10.0)
    attacher.add("held", 0.9, 4)
    attacher.add("held", 0.1, 1)
    attacher.add("fine", 0.2, 2)
    attacher.snapshot("new", 1.5, 7.0, 3)
    attacher.flush()
    assert write.batches == [
        {
            "held": Attachment((0.1, 1), hold=True),
            "fine": Attachment((0.2, 2)),
            "new": Attachment(snapshot=(1.5, 7.0, 3)),
        }
    ]
    attacher.close()


def test_settle_waits_for_the_account_in_flight() -> None:
    """settle() returns only after a write carrying that account has finished."""
    write = _Recorder(delay_s=0.2)
    attacher = Attacher(write, linger_s=0.0)
    attacher.add("acct", 0.5, 2)
    time.sleep(0.05)  # the background thread is now inside the slow write
    attacher.settle("acct")
    assert write.batches == [{"acct": Attachment((0.5, 2))}]
    attacher.close()


def test_settle_of_an_unknown_account_does_not_write() -> None:
    """An account with nothing queued costs no write."""
    write = _Recorder()
    attacher = Attacher(write, linger_s=10.0)
    attacher.settle("nobody")
    assert write.batches == []
    attacher.close()


def test_a_failed_write_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    """State being down loses the attachment with a warning; requests never see the error."""
    attacher = Attacher(_Recorder(fail=True), linger_s=0.0)
    with caplog.at_level(logging.WARNING, logger="service.state.attach"):
        attacher.add("acct", 0.5, 2)
        attacher.flush()
    assert "could not attach" in caplog.text
    attacher.close()


def test_add_after_close_is_refused() -> None:
    """A closed store refuses new attachments instead of dropping them silently."""
    attacher = Attacher(_Recorder())
    attacher.close()
    with pytest.raises(StateUnavailable):
        attacher.add("acct", 0.5, 2)
