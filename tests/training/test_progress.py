"""Progress of long training runs: plain lines off a terminal, silence when disabled."""

from __future__ import annotations

import io

from training.progress import Progress


def test_plain_lines_when_not_a_terminal() -> None:
    """Off a TTY every step is one readable line naming the stage, the count and the detail."""
    out = io.StringIO()
    progress = Progress(out, tty=False)
    with progress.stage("replay worlds", 2) as stage:
        stage.step("train world 1")
        stage.step("train world 2")
    lines = out.getvalue().splitlines()
    assert "replay worlds: 2 step(s)" in lines[0]
    assert lines[1].startswith("[replay worlds] 1/2 train world 1")
    assert lines[2].startswith("[replay worlds] 2/2 train world 2")


def test_a_bar_on_a_terminal() -> None:
    """On a TTY the stage is drawn as a bar with its count."""
    out = io.StringIO()
    with Progress(out, tty=True).stage("train", 3) as stage:
        stage.step("trial 0")
    assert "1/3" in out.getvalue()


def test_disabled_progress_prints_nothing() -> None:
    """Library callers and tests get no output."""
    out = io.StringIO()
    progress = Progress(out, enabled=False)
    progress.say("hello")
    with progress.stage("x", 1) as stage:
        stage.step()
    assert out.getvalue() == ""
