"""The model page's score distributions as inline SVG: live (last 24 h) and training shares per
bin as two step lines on the same bins, the thresholds as marks. No JS.

Scores pile up near 0, so the share axis is square-root: small bins stay visible, 0 stays 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from service.model.artifact import Thresholds

WIDTH, HEIGHT, PAD = 900, 240, 40
_TICKS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True, slots=True)
class Line:
    """One drawn step line."""

    kind: str  # live | training
    label: str
    d: str  # the SVG path


@dataclass(frozen=True, slots=True)
class Mark:
    """A vertical mark at a score (a threshold) or a horizontal tick at a share."""

    at: float  # pixel position
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """What the template draws."""

    width: int
    height: int
    pad: int
    lines: tuple[Line, ...]
    thresholds: tuple[Mark, ...]
    ticks: tuple[Mark, ...]
    x_ticks: tuple[Mark, ...]


def _x(score: float) -> float:
    return PAD + score * (WIDTH - 2 * PAD)


def _y(share: float, peak: float) -> float:
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * math.sqrt(share / peak)


def _step(edges: Sequence[float], shares: Sequence[float], peak: float) -> str:
    parts = [f"M{_x(edges[0]):.1f},{_y(0, peak):.1f}"]
    for i, s in enumerate(shares):
        parts.append(f"V{_y(s, peak):.1f}H{_x(edges[i + 1]):.1f}")
    parts.append(f"V{_y(0, peak):.1f}")
    return "".join(parts)


def distribution(
    edges: Sequence[float],
    live: Sequence[float],
    training: Sequence[float] | None,
    thresholds: Thresholds | None,
) -> Chart:
    """Step lines of the live and (if any) training shares on ``edges``, thresholds marked."""
    peak = max([*live, *(training or ()), 1e-9])
    lines = [Line("live", "last 24 h", _step(edges, live, peak))]
    if training is not None:
        lines.insert(0, Line("training", "training", _step(edges, training, peak)))
    marks: tuple[Mark, ...] = ()
    if thresholds is not None:
        # Drawn left of the review line and right of the block line: close thresholds stay legible.
        marks = (Mark(_x(thresholds.review), "review"), Mark(_x(thresholds.block), "block"))
    ticks = tuple(
        Mark(_y(t, peak), f"{t:.0%}" if t >= 0.01 else f"{t:.1%}") for t in _TICKS if t <= peak
    )
    x_ticks = tuple(Mark(_x(v), f"{v:.1f}") for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0))
    return Chart(WIDTH, HEIGHT, PAD, tuple(lines), marks, ticks, x_ticks)
