"""Per-stage timing of requests inside the running server (off unless asked for).

With ``--profile-stages`` every request records how long it spent in each stage of the data
flow into the ``signupguard_stage_seconds`` histogram; the benchmark reads it from /metrics.
Without it the scorer passes :data:`NO_CLOCK`, whose ``mark`` does nothing.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram

STAGES = ("parse", "signals", "state", "features", "predict", "rules", "policy", "reasons", "log")

_BUCKETS = (
    0.000005, 0.00001, 0.00002, 0.00004, 0.00008, 0.00016, 0.00032, 0.00064, 0.00128, 0.0025,
    0.005, 0.01, 0.05,
)  # fmt: skip


class StageClock:
    """Times consecutive stages of one request: each ``mark`` closes the stage just run.

    A stage marked twice (policy before and after the reasons) adds up; ``finish`` records one
    observation per stage.
    """

    __slots__ = ("_children", "_last", "_spent")

    def __init__(self, children: dict[str, Histogram], started: float) -> None:
        self._children = children
        self._last = started
        self._spent: dict[str, float] = {}

    def mark(self, stage: str) -> None:
        """Charge the time since the previous mark to ``stage``."""
        now = time.perf_counter()
        self._spent[stage] = self._spent.get(stage, 0.0) + (now - self._last)
        self._last = now

    def finish(self) -> None:
        """Record the request's time per stage."""
        for stage, seconds in self._spent.items():
            self._children[stage].observe(seconds)


class _NoClock:
    __slots__ = ()

    def mark(self, stage: str) -> None:
        """Do nothing."""

    def finish(self) -> None:
        """Do nothing."""


NO_CLOCK = _NoClock()
Clock = StageClock | _NoClock


class StageTimer:
    """The histogram of stage durations; hands out one clock per request."""

    def __init__(self, registry: CollectorRegistry) -> None:
        histogram = Histogram(
            "signupguard_stage_seconds",
            "Time per request spent in each stage",
            ["stage"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self._children = {stage: histogram.labels(stage) for stage in STAGES}

    def clock(self, started: float | None = None) -> StageClock:
        """A clock for one request, started now (or at ``started``)."""
        return StageClock(self._children, time.perf_counter() if started is None else started)
