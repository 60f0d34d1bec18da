"""The model that ships is one this code will serve."""

from __future__ import annotations

from pathlib import Path

import service
from service.config import DEFAULT_MODEL_DIR
from service.model import load_model

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_model_matches_the_feature_spec() -> None:
    """models/default loads: its feature spec is the code's, so `make serve` starts SERVING."""
    model = load_model(ROOT / "models" / "default")
    model.close()


def test_the_default_model_is_the_packaged_one() -> None:
    """Settings' default model is the package's copy, the very files of models/default."""
    assert DEFAULT_MODEL_DIR.is_relative_to(Path(service.__file__).parent)
    assert DEFAULT_MODEL_DIR.resolve() == (ROOT / "models" / "default").resolve()
