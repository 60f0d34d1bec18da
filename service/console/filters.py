"""Jinja2 filters: times, scores, shares and enum names as the pages show them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from jinja2 import Environment


def when(at: float | None) -> str:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS`` UTC (empty for None)."""
    if at is None:
        return ""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def score(value: float | None) -> str:
    """A score with three decimals (a dash for None)."""
    return "–" if value is None else f"{value:.3f}"


def name(value: object) -> str:
    """An enum's lower-case name (a dash for None)."""
    if value is None:
        return "–"
    if isinstance(value, enum.Enum):
        return value.name.lower()
    return str(value)


def pct(share: float) -> str:
    """A share as a percentage with one decimal (0.891 -> ``89.1 %``)."""
    return f"{share * 100:.1f} %"


def points(change: float) -> str:
    """A change of share in signed percentage points (0.69 -> ``+69.0``)."""
    return f"{change * 100:+.1f}"


_EVENTS = {"signup": "signups", "api_key": "key creations"}


def events(event_type: object) -> str:
    """What events of a type are called on a page (``api_key`` -> ``key creations``)."""
    value = str(getattr(event_type, "value", event_type))
    return _EVENTS.get(value, value)


def install(env: Environment) -> None:
    """Register the filters."""
    env.filters["when"] = when
    env.filters["score"] = score
    env.filters["name"] = name
    env.filters["pct"] = pct
    env.filters["points"] = points
    env.filters["events"] = events
