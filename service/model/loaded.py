"""A loaded artifact: one predictor per event type, checked against the code's feature spec."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.domain import EventType
from service.model.artifact import Manifest, ModelEntry, read_manifest
from service.model.predictor import Predictor


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """Everything the scoring core needs from an artifact."""

    directory: Path
    manifest: Manifest
    predictors: dict[EventType, Predictor]

    @property
    def version(self) -> str:
        """The artifact's model version string."""
        return self.manifest.model_version

    def entry(self, event_type: EventType) -> ModelEntry:
        """Manifest entry (features, thresholds, calibration) of one event type."""
        return self.manifest.models[event_type]

    def close(self) -> None:
        """Free native resources."""
        for predictor in self.predictors.values():
            predictor.close()


def load_model(directory: Path) -> LoadedModel:
    """Load and check an artifact; raises ModelError or SpecMismatch, never half-loads."""
    manifest = read_manifest(directory)
    predictors = {
        event_type: Predictor(entry.path, entry.features, entry.calibration)
        for event_type, entry in manifest.models.items()
    }
    return LoadedModel(directory=directory, manifest=manifest, predictors=predictors)
