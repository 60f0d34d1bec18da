"""Load a model artifact, check its feature spec, predict and explain."""

from service.model.artifact import Calibration, Manifest, ModelEntry, Thresholds, read_manifest
from service.model.loaded import LoadedModel, load_model
from service.model.predictor import Prediction, Predictor

__all__ = [
    "Calibration",
    "LoadedModel",
    "Manifest",
    "ModelEntry",
    "Prediction",
    "Predictor",
    "Thresholds",
    "load_model",
    "read_manifest",
]
