"""Bucketed sliding windows."""

from __future__ import annotations

from service.state.windows import WINDOWS, bucket_width, count_windows, span


def test_window_buckets() -> None:
    """Windows up to an hour use minute buckets, longer ones hour buckets."""
    assert [bucket_width(w) for w in WINDOWS] == [60, 60, 3600, 3600]
    assert [span(w) for w in WINDOWS] == [10, 60, 24, 168]


def test_count_windows_includes_current_bucket_and_excludes_future() -> None:
    """A window sums the current bucket and the ones before it, never later ones."""
    t = 600_000.0  # minute 10000, hour 166
    minutes = {10000: 2, 9991: 1, 9990: 5, 10001: 7}
    hours = {166: 3, 143: 1, 142: 4, 167: 9}
    assert count_windows(minutes, hours, t) == [3, 8, 4, 8]
