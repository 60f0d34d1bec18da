"""Score histograms on fixed bins and the population stability index (PSI) between two.

PSI = sum over bins of (actual - expected) * ln(actual / expected), on shares; an empty bin's
share is floored at :data:`FLOOR` so the sum stays finite. The conventional reading: below 0.1
stable, 0.1 to 0.25 a moderate shift, above 0.25 a major shift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_BINS = 20
FLOOR = 1e-4  # share given to an empty bin
STABLE, MODERATE = 0.1, 0.25
MIN_LIVE = 100  # fewer live decisions than this: the PSI is mostly noise, and the page says so


def edges(bins: int) -> tuple[float, ...]:
    """``bins + 1`` equal bin edges on [0, 1]."""
    return tuple(round(i / bins, 6) for i in range(bins + 1))


def shares(counts: Sequence[int]) -> tuple[float, ...]:
    """Counts as shares of their total (all zero for an empty histogram)."""
    n = sum(counts)
    return tuple(c / n if n else 0.0 for c in counts)


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """The population stability index of ``actual`` against ``expected`` (shares, same bins)."""
    if len(expected) != len(actual):
        raise ValueError(f"PSI needs the same bins: {len(expected)} vs {len(actual)}")
    total = 0.0
    for exp, act in zip(expected, actual, strict=True):
        e, a = max(exp, FLOOR), max(act, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def reading(value: float) -> str:
    """The conventional reading of a PSI value."""
    if value < STABLE:
        return "stable"
    if value <= MODERATE:
        return "moderate shift"
    return "major shift"
