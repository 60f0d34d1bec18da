"""Model artifacts: a directory with one LightGBM model file per event type and a manifest.

``manifest.json``::

    {"format": 1, "model_version": "...", "created_at": "...", "spec_version": 1,
     "data_fingerprint": "...", "training": {...},
     "models": {"signup": {"file": "signup.txt", "spec_hash": "...", "features": [...],
                           "calibration": {"x": [...], "y": [...]},
                           "thresholds": {"challenge": 0.2, "review": 0.5, "block": 0.8},
                           "metrics": {...}},
                "api_key": {...}}}

``calibration`` maps the raw log-odds score to a probability with a monotone piecewise-linear
curve fitted on held-out data (Platt's logistic curve sampled at breakpoints by default, or
isotonic regression); ``thresholds`` are chosen in training from a false-positive budget per
action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.domain import EventType
from service.errors import ModelError, SpecMismatch
from service.features.spec import SPEC_VERSION, names, spec_hash

FORMAT = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs: score >= block -> BLOCK, >= review -> REVIEW, >= challenge -> CHALLENGE."""

    challenge: float
    review: float
    block: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.challenge <= self.review <= self.block <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 <= challenge <= review <= block <= 1: {self}"
            )


@dataclass(frozen=True, slots=True)
class Calibration:
    """Monotone piecewise-linear map from raw score to probability."""

    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One event type's model inside an artifact."""

    event_type: EventType
    path: Path
    features: tuple[str, ...]
    calibration: Calibration
    thresholds: Thresholds
    metrics: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Manifest:
    """The parsed, checked manifest of an artifact."""

    model_version: str
    created_at: str
    data_fingerprint: str
    models: dict[EventType, ModelEntry]
    raw: dict[str, Any]


def read_manifest(directory: Path) -> Manifest:
    """Read and check an artifact's manifest; raises :class:`ModelError` / :class:`SpecMismatch`."""
    path = directory / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc
    try:
        if raw["format"] != FORMAT:
            raise ModelError(f"{path}: artifact format {raw['format']}, expected {FORMAT}")
        if raw["spec_version"] != SPEC_VERSION:
            raise SpecMismatch(
                f"{path}: trained on feature spec {raw['spec_version']}, code has {SPEC_VERSION}"
            )
        models: dict[EventType, ModelEntry] = {}
        for event_type in EventType:
            entry = raw["models"][event_type.value]
            features = tuple(entry["features"])
            if features != names(event_type) or entry["spec_hash"] != spec_hash(event_type):
                raise SpecMismatch(
                    f"{path}: {event_type} features differ from the code's spec "
                    f"(artifact hash {entry['spec_hash']}, code {spec_hash(event_type)})"
                )
            cal = entry["calibration"]
            models[event_type] = ModelEntry(
                event_type=event_type,
                path=directory / entry["file"],
                features=features,
                calibration=Calibration(tuple(cal["x"]), tuple(cal["y"])),
                thresholds=Thresholds(**entry["thresholds"]),
                metrics=dict(entry.get("metrics", {})),
            )
        return Manifest(
            model_version=str(raw["model_version"]),
            created_at=str(raw["created_at"]),
            data_fingerprint=str(raw.get("data_fingerprint", "")),
            models=models,
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: malformed manifest: {exc!r}") from exc


def write_manifest(directory: Path, manifest: dict[str, Any]) -> Path:
    """Write a manifest dict (as built by training) next to its model files."""
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
