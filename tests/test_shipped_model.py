"""The model that ships is one this code will serve."""

from __future__ import annotations

from pathlib import Path

from service.model import load_model

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_model_matches_the_feature_spec() -> None:
    """models/default loads: its feature spec is the code's, so `make serve` starts SERVING."""
    model = load_model(ROOT / "models" / "default")
    model.close()
