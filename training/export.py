"""Write a model artifact (model files + manifest + model card) atomically."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from service.domain import EventType
from service.features import SPEC_VERSION, names, spec_hash
from service.model.artifact import FORMAT, write_manifest
from training.train import TrainedModel


def _created_at() -> str:
    # SOURCE_DATE_EPOCH makes a rebuilt artifact byte-identical (reproducible builds convention).
    epoch = float(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def export_artifact(
    out: Path,
    models: dict[EventType, TrainedModel],
    data_fingerprint: str,
    training: dict[str, Any],
    model_card: str,
    score_distribution: dict[str, Any] | None = None,
) -> str:
    """Write the artifact to ``out`` (replacing it atomically); returns the model version.

    ``score_distribution`` (:mod:`training.distribution`) goes into the manifest as is; it does
    not change the version, which is the model files' and calibrations' digest."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".artifact-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; an artifact is read by the service user
    digest = hashlib.sha256()
    entries: dict[str, Any] = {}
    for event_type, trained in sorted(models.items()):
        filename = f"{event_type.value}.txt"
        text = trained.booster.model_to_string(num_iteration=trained.best_iteration)
        (staging / filename).write_text(text, encoding="utf-8")
        digest.update(text.encode())
        entries[event_type.value] = {
            "file": filename,
            "spec_hash": spec_hash(event_type),
            "features": list(names(event_type)),
            "calibration": {"x": list(trained.calibration.x), "y": list(trained.calibration.y)},
            "thresholds": {
                "challenge": trained.thresholds.challenge,
                "review": trained.thresholds.review,
                "block": trained.thresholds.block,
            },
            "metrics": trained.metrics,
        }
        digest.update(repr(entries[event_type.value]["calibration"]).encode())
    version = f"sg1-{digest.hexdigest()[:12]}"
    manifest = {
        "format": FORMAT,
        "model_version": version,
        "created_at": _created_at(),
        "spec_version": SPEC_VERSION,
        "data_fingerprint": data_fingerprint,
        "training": training,
        "models": entries,
    }
    if score_distribution is not None:
        manifest["score_distribution"] = score_distribution
    write_manifest(staging, manifest)
    (staging / "MODEL_CARD.md").write_text(model_card.replace("{version}", version), "utf-8")
    old = out.with_name(out.name + ".old")
    if out.exists():
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
    staging.rename(out)
    if old.exists():
        shutil.rmtree(old)
    return version
