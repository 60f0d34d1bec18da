"""The served score distribution of the leave-worlds-out events, for drift checks after release.

Written into the report's ``metrics.json`` and the artifact's manifest under
``score_distribution`` (the model directory is what a deployment has), so the console's model
page can set the last 24 h of live scores against it::

    {"bins": 20, "edges": [0.0, 0.05, ..., 1.0],
     "source": "leave-worlds-out (shifted worlds), as served",
     "signup": {"all": {"n": 1234, "counts": [...20], "shares": [...20]},
                "legitimate": {...}, "fraud": {...}},
     "api_key": {...}}

Bins are equal on [0, 1], closed on the left; a score of 1.0 falls in the last bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.domain import EventType
from training.cohorts import DecidedEvent

BINS = 20
SOURCE = "leave-worlds-out (shifted worlds), as served"


def bin_of(score: float, bins: int = BINS) -> int:
    """The bin of a score in [0, 1] (1.0 in the last one)."""
    return min(max(int(score * bins), 0), bins - 1)


def _histogram(scores: Sequence[float], bins: int) -> dict[str, Any]:
    counts = [0] * bins
    for s in scores:
        counts[bin_of(s, bins)] += 1
    n = len(scores)
    return {"n": n, "counts": counts, "shares": [c / n if n else 0.0 for c in counts]}


def score_distribution(events: Sequence[DecidedEvent], bins: int = BINS) -> dict[str, Any]:
    """Per event type, the histogram of all, legitimate and fraud events' scores."""
    out: dict[str, Any] = {
        "bins": bins,
        "edges": [round(i / bins, 6) for i in range(bins + 1)],
        "source": SOURCE,
    }
    for event_type in EventType:
        mine = [e for e in events if e.event_type is event_type]
        out[event_type.value] = {
            "all": _histogram([e.score for e in mine], bins),
            "legitimate": _histogram([e.score for e in mine if e.label != "fraud"], bins),
            "fraud": _histogram([e.score for e in mine if e.label == "fraud"], bins),
        }
    return out
