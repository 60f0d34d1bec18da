"""Model artifacts: loading, spec checks and refusal of broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.domain import EventType
from service.errors import ModelError, SpecMismatch
from service.model import load_model
from service.model.artifact import Thresholds
from tests.factories import make_artifact


def test_artifact_round_trip(tmp_path: Path) -> None:
    """An exported artifact loads with its version, thresholds and both predictors."""
    version = make_artifact(tmp_path / "m", Thresholds(0.2, 0.5, 0.9))
    model = load_model(tmp_path / "m")
    assert model.version == version
    assert model.entry(EventType.SIGNUP).thresholds == Thresholds(0.2, 0.5, 0.9)
    assert set(model.predictors) == set(EventType)
    model.close()


def _edit_manifest(directory: Path, edit: object) -> None:
    path = directory / "manifest.json"
    data = json.loads(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))


def test_spec_version_mismatch_is_refused(tmp_path: Path) -> None:
    """An artifact trained on another spec version is refused."""
    make_artifact(tmp_path / "m")
    _edit_manifest(tmp_path / "m", lambda d: d.update(spec_version=999))
    with pytest.raises(SpecMismatch):
        load_model(tmp_path / "m")


def test_feature_list_mismatch_is_refused(tmp_path: Path) -> None:
    """An artifact whose feature names differ from the code's spec is refused."""
    make_artifact(tmp_path / "m")
    _edit_manifest(tmp_path / "m", lambda d: d["models"]["signup"]["features"].reverse())
    with pytest.raises(SpecMismatch):
        load_model(tmp_path / "m")


def test_broken_model_file_is_refused(tmp_path: Path) -> None:
    """A truncated model file raises ModelError instead of half-loading."""
    make_artifact(tmp_path / "m")
    (tmp_path / "m" / "api_key.txt").write_text("tree\nversion=v4\n")
    with pytest.raises(ModelError):
        load_model(tmp_path / "m")


def test_missing_manifest_is_refused(tmp_path: Path) -> None:
    """A directory without a manifest is not an artifact."""
    with pytest.raises(ModelError):
        load_model(tmp_path)


def test_bad_thresholds_are_refused(tmp_path: Path) -> None:
    """Thresholds out of order make the manifest malformed."""
    make_artifact(tmp_path / "m")
    _edit_manifest(
        tmp_path / "m",
        lambda d: d["models"]["signup"].update(
            thresholds={"challenge": 0.9, "review": 0.5, "block": 0.1}
        ),
    )
    with pytest.raises(ModelError):
        load_model(tmp_path / "m")


def test_model_file_with_other_feature_names_is_refused(tmp_path: Path) -> None:
    """A model file trained on other columns than its manifest claims is refused."""
    make_artifact(tmp_path / "m")
    make_artifact(tmp_path / "other")
    (tmp_path / "other" / "api_key.txt").replace(tmp_path / "m" / "signup.txt")
    with pytest.raises(SpecMismatch):
        load_model(tmp_path / "m")
