"""Sliding windows as time buckets: the one counting rule every state store follows.

A window of up to an hour is counted in minute buckets, longer windows in hour buckets. The count
over a window ending at ``t`` is the sum of the buckets whose index lies in
``[index(t) - n + 1, index(t)]``, where ``n`` is the window length in buckets. So the 10-minute
window spans 9 to 10 minutes of history depending on where ``t`` falls in its minute; the error is
at most one bucket and the same for every store, which is what keeps memory, Redis and Redis
Cluster bit-identical on a replayed stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

WINDOWS: Final[tuple[int, ...]] = (600, 3600, 86400, 604800)
WINDOW_NAMES: Final[tuple[str, ...]] = ("10m", "1h", "24h", "7d")
# Half-life of the flag mass of held or blocked accounts (service.state.flags), in seconds.
FLAG_HALF_LIFE: Final = 3 * 86400.0

MINUTE: Final = 60
HOUR: Final = 3600


def bucket_width(window: int) -> int:
    """Bucket width in seconds used for a window."""
    return MINUTE if window <= HOUR else HOUR


def span(window: int) -> int:
    """Number of buckets a window covers."""
    return window // bucket_width(window)


def minute_index(at: float) -> int:
    """Minute bucket index of a time."""
    return int(at // MINUTE)


def hour_index(at: float) -> int:
    """Hour bucket index of a time."""
    return int(at // HOUR)


# Buckets older than this (in bucket indices) are never read again.
MINUTE_KEEP: Final = max(span(w) for w in WINDOWS if bucket_width(w) == MINUTE)
HOUR_KEEP: Final = max(span(w) for w in WINDOWS if bucket_width(w) == HOUR)


def count_windows(minutes: Mapping[int, int], hours: Mapping[int, int], at: float) -> list[int]:
    """Counts over every window in :data:`WINDOWS` at time ``at`` from minute and hour buckets."""
    m = minute_index(at)
    h = hour_index(at)
    out: list[int] = []
    for window in WINDOWS:
        n = span(window)
        if bucket_width(window) == MINUTE:
            lo, hi, buckets = m - n + 1, m, minutes
        else:
            lo, hi, buckets = h - n + 1, h, hours
        out.append(sum(c for i, c in buckets.items() if lo <= i <= hi))
    return out
