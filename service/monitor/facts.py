"""What a model directory says of itself, for people: version, trained when, thresholds, and
the training report's score distribution if the artifact carries one (``score_distribution``
in the manifest, written by :mod:`training.distribution`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.domain import EventType
from service.errors import ModelError
from service.model.artifact import Thresholds, read_manifest


@dataclass(frozen=True, slots=True)
class Reference:
    """One event type's training score distribution (all events) on equal bins of [0, 1]."""

    shares: tuple[float, ...]
    n: int
    fraud_share: float  # of the events behind it (simulated worlds are fraud-heavy)


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """One model directory as the page shows it; ``error`` set when it cannot be read."""

    directory: str
    version: str = ""
    created_at: str = ""
    spec_version: int | None = None
    thresholds: tuple[tuple[EventType, Thresholds], ...] = ()
    bins: int | None = None  # of the training distribution; None: the artifact has none
    source: str = ""
    references: tuple[tuple[EventType, Reference], ...] = ()
    error: str = ""

    def reference(self, event_type: EventType) -> Reference | None:
        """The training distribution of one event type, if any."""
        return dict(self.references).get(event_type)

    def threshold(self, event_type: EventType) -> Thresholds | None:
        """The thresholds of one event type's model."""
        return dict(self.thresholds).get(event_type)


def read_facts(directory: Path) -> ModelFacts:
    """Read a model directory's manifest (checked as the server checks it) into facts."""
    try:
        manifest = read_manifest(directory)
    except ModelError as exc:  # SpecMismatch is a ModelError
        return ModelFacts(directory=str(directory), error=str(exc))
    bins, source, references = _distribution(manifest.raw.get("score_distribution"))
    return ModelFacts(
        directory=str(directory),
        version=manifest.model_version,
        created_at=manifest.created_at,
        spec_version=int(manifest.raw["spec_version"]),
        thresholds=tuple((t, m.thresholds) for t, m in manifest.models.items()),
        bins=bins,
        source=source,
        references=references,
    )


def _distribution(
    raw: Any,
) -> tuple[int | None, str, tuple[tuple[EventType, Reference], ...]]:
    """The manifest's distribution; a missing or malformed one reads as none."""
    if not isinstance(raw, dict):
        return None, "", ()
    try:
        bins = int(raw["bins"])
        out = []
        for event_type in EventType:
            per = raw[event_type.value]
            shares = tuple(float(s) for s in per["all"]["shares"])
            if len(shares) != bins:
                return None, "", ()
            n = int(per["all"]["n"])
            fraud = int(per["fraud"]["n"])
            out.append((event_type, Reference(shares, n, fraud / n if n else 0.0)))
    except (KeyError, TypeError, ValueError):
        return None, "", ()
    return bins, str(raw.get("source", "")), tuple(out)
