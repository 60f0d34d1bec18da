"""ModelMonitor: the live and shadow models' facts, the last 24 h of scores against the training
distribution (with a PSI), and the reason codes of the last 24 h against the 7 days before."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from service.domain import EventType
from service.errors import StoreUnavailable
from service.monitor import drift, queries
from service.monitor.facts import ModelFacts, Reference, read_facts

DAY = 86_400.0
BEFORE_DAYS = 7  # the comparison window: the 7 days before the last 24 h
TOP_REASONS = 12
RISE = 0.10  # a first-reason share up this much (10 points) is called out above its table


@dataclass(frozen=True, slots=True)
class ScoreDrift:
    """One event type's live scores (last 24 h) on the training distribution's bins."""

    event_type: EventType
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    reference: Reference | None
    psi: float | None  # None without a reference or without live decisions

    @property
    def n(self) -> int:
        """Live decisions in the window."""
        return sum(self.counts)

    @property
    def shares(self) -> tuple[float, ...]:
        """Live shares per bin."""
        return drift.shares(self.counts)

    @property
    def reading(self) -> str:
        """stable / moderate shift / major shift ('' without a PSI)."""
        return "" if self.psi is None else drift.reading(self.psi)

    @property
    def thin(self) -> bool:
        """Too few live decisions for the PSI to mean much."""
        return self.n < drift.MIN_LIVE


@dataclass(frozen=True, slots=True)
class ReasonShare:
    """One reason code's share of a group's decisions now (24 h) and before (7 days)."""

    code: str
    first_now: float
    first_before: float
    any_now: float | None  # None for passed decisions (not counted: see queries)
    any_before: float | None

    @property
    def change(self) -> float:
        """The change of the first-reason share, in points of share (0.69 = +69 points)."""
        return self.first_now - self.first_before


@dataclass(frozen=True, slots=True)
class ReasonTable:
    """One event type and group (held: REVIEW/BLOCK, or passed), biggest change first."""

    event_type: EventType
    held: bool
    n_now: int
    n_before: int
    rows: tuple[ReasonShare, ...]

    @property
    def rise(self) -> ReasonShare | None:
        """The code whose first-reason share rose most, if by :data:`RISE` or more."""
        best = max(self.rows, key=lambda r: r.change, default=None)
        return best if best is not None and self.n_now and best.change >= RISE else None


@dataclass(frozen=True, slots=True)
class ModelReport:
    """What the model page shows, as of ``now``."""

    now: float
    live: ModelFacts
    shadow: ModelFacts | None
    versions: queries.Versions  # that decided in the last 24 h
    scores: tuple[ScoreDrift, ...]
    reasons: tuple[ReasonTable, ...]


class ModelMonitor:
    """Reads the model directories the settings name and the decision log; writes nothing."""

    def __init__(self, engine: Engine, live: Path, shadow: Path | None = None) -> None:
        self._engine = engine
        self._live = live
        self._shadow = shadow

    def report(self, now: float) -> ModelReport:
        """The page as of ``now`` (epoch seconds)."""
        live = read_facts(self._live)
        shadow = read_facts(self._shadow) if self._shadow is not None else None
        bins = live.bins or drift.DEFAULT_BINS
        since, start = now - DAY, now - (1 + BEFORE_DAYS) * DAY
        try:
            with self._engine.connect() as conn:
                binned = queries.score_bins(conn, since, bins)
                counted = queries.reason_counts(conn, start, since)
                seen = queries.versions(conn, since)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"decision store: {exc.__class__.__name__}") from exc
        scores = []
        for event_type in EventType:
            counts = tuple(binned.get(event_type.value, [0] * bins))
            ref = live.reference(event_type)
            value = drift.psi(ref.shares, drift.shares(counts)) if ref and sum(counts) else None
            scores.append(ScoreDrift(event_type, drift.edges(bins), counts, ref, value))
        reasons = tuple(
            _table(counted, event_type, held) for event_type in EventType for held in (True, False)
        )
        return ModelReport(now, live, shadow, seen, tuple(scores), reasons)


def _table(counted: queries.ReasonCounts, event_type: EventType, held: bool) -> ReasonTable:
    now_key, before_key = (event_type.value, held, True), (event_type.value, held, False)
    n_now, n_before = counted.totals.get(now_key, 0), counted.totals.get(before_key, 0)

    def share(
        table: dict[tuple[str, bool, bool], dict[str, int]],
        key: tuple[str, bool, bool],
        code: str,
        n: int,
    ) -> float:
        return table.get(key, {}).get(code, 0) / n if n else 0.0

    codes = {
        *counted.first.get(now_key, {}),
        *counted.first.get(before_key, {}),
        *counted.any.get(now_key, {}),
        *counted.any.get(before_key, {}),
    }
    rows = [
        ReasonShare(
            code,
            share(counted.first, now_key, code, n_now),
            share(counted.first, before_key, code, n_before),
            share(counted.any, now_key, code, n_now) if held else None,
            share(counted.any, before_key, code, n_before) if held else None,
        )
        for code in codes
    ]
    rows.sort(key=lambda r: (-abs(r.change), -r.first_now, -(r.any_now or 0.0), r.code))
    return ReasonTable(event_type, held, n_now, n_before, tuple(rows[:TOP_REASONS]))
