"""The campaign timeline (signups and key creations per hour) as an inline SVG, no JS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

WIDTH, HEIGHT, PAD = 900, 220, 36
_NOUN = {"signup": "signups", "key": "key creations"}


@dataclass(frozen=True, slots=True)
class Bar:
    """One drawn bar."""

    x: float
    y: float
    w: float
    h: float
    kind: str  # signup | key
    title: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """What the template draws."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    peak: int
    first: str
    last: str
    hours: int


def _label(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:00")


def timeline(points: tuple[tuple[float, int, int], ...]) -> Timeline | None:
    """Bars for (hour start, signups, keys), one slot per hour from the first to the last."""
    if not points:
        return None
    start, end = points[0][0], points[-1][0]
    hours = int((end - start) // 3600) + 1
    peak = max(max(s, k) for _, s, k in points) or 1
    slot = (WIDTH - 2 * PAD) / hours
    plot_h = HEIGHT - 2 * PAD
    bars: list[Bar] = []
    for at, signups, keys in points:
        i = int((at - start) // 3600)
        for j, (n, kind) in enumerate(((signups, "signup"), (keys, "key"))):
            if n == 0:
                continue
            h = plot_h * n / peak
            bars.append(
                Bar(
                    x=PAD + i * slot + j * slot / 2,
                    y=HEIGHT - PAD - h,
                    w=max(slot / 2 - 0.5, 0.5),
                    h=h,
                    kind=kind,
                    title=f"{_label(at)} UTC: {n} {_NOUN[kind]}",
                )
            )
    return Timeline(WIDTH, HEIGHT, tuple(bars), peak, _label(start), _label(end), hours)
