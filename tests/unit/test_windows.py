"""Bucketed sliding windows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

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


def _plain(minutes: dict[int, int], hours: dict[int, int], at: float) -> list[int]:
    """The definition: each window sums its own bucket range."""
    out = []
    for window in WINDOWS:
        n = span(window)
        top = int(at // bucket_width(window))
        buckets = minutes if bucket_width(window) == 60 else hours
        out.append(sum(c for i, c in buckets.items() if top - n + 1 <= i <= top))
    return out


_TIMES = st.floats(min_value=0, max_value=40 * 86400, allow_nan=False)


@given(st.lists(_TIMES, max_size=60), _TIMES)
def test_count_windows_equals_the_plain_definition(times: list[float], at: float) -> None:
    """The window count equals summing every window's bucket range separately."""
    minutes: dict[int, int] = {}
    hours: dict[int, int] = {}
    for t in times:
        minutes[int(t // 60)] = minutes.get(int(t // 60), 0) + 1
        hours[int(t // 3600)] = hours.get(int(t // 3600), 0) + 1
    assert count_windows(minutes, hours, at) == _plain(minutes, hours, at)
