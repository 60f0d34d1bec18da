"""Small statistics: nearest-rank percentiles and medians, no interpolation."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, by nearest rank."""
    if not ordered:
        return math.nan
    rank = math.ceil(q / 100.0 * len(ordered))
    return ordered[min(len(ordered) - 1, max(0, rank - 1))]


def summary(values: Iterable[float]) -> dict[str, float]:
    """Count, mean, p50/p90/p99/p99.9 and max of the values (microseconds in, out)."""
    ordered = sorted(values)
    out: dict[str, float] = {"n": float(len(ordered))}
    if not ordered:
        return out
    out["mean"] = statistics.fmean(ordered)
    for q in PERCENTILES:
        out[f"p{q:g}".replace(".", "")] = percentile(ordered, q)
    out["max"] = ordered[-1]
    return out


def median(values: Iterable[float]) -> float:
    """Median of the finite values (NaN when there are none)."""
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def ratio(numerator: float | None, denominator: float | None) -> float:
    """numerator / denominator, NaN when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return math.nan
    if not (math.isfinite(numerator) and math.isfinite(denominator)):
        return math.nan
    return numerator / denominator
