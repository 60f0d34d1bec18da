"""Jinja2 filters: times, scores and enum names as the pages show them."""

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


def install(env: Environment) -> None:
    """Register the filters."""
    env.filters["when"] = when
    env.filters["score"] = score
    env.filters["name"] = name
