"""Training on a deployment's own labelled decisions (``signupguard train --from-export FILE``).

The export (:mod:`training.export_data`) already holds point-in-time feature vectors, so there is
nothing to replay: rows go straight into the same :func:`training.fit.fit_models` as simulated
data, with the same time split, search, calibration and thresholds. Key rows of accounts whose
signup is in the export get cross-fitted signup decisions of the new signup model (as in the
pipeline); key rows whose signup predates the export keep the signup score the live model logged.

Cohorts in the report are the label and its source ("fraud (chargeback)", "legitimate
(matured)"): a deployment's own data has no simulator cohorts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from service.domain import EventType
from service.events import InputError
from service.features import names, spec_hash
from service.model import load_model
from training.batch import decide
from training.cohorts import summarise
from training.dataset import Dataset, Rows
from training.export import export_artifact
from training.export_data import numbered_export
from training.fit import config_summary, fit_models
from training.report import cohort_markdown, metrics_table, overall_markdown
from training.train import TrainConfig


def dataset_from_export(path: Path) -> Dataset:
    """The export's rows as a dataset, in file (event-time) order; refuses another spec."""
    data = Dataset(Rows(EventType.SIGNUP), Rows(EventType.API_KEY))
    hashes = {t.value: spec_hash(t) for t in EventType}
    last = float("-inf")
    for position, (line, row) in enumerate(numbered_export(path)):
        event_type = EventType(row["event_type"])
        if row["spec_hash"] != hashes[event_type.value]:
            raise InputError(
                path,
                line,
                "spec_hash",
                f"logged with feature spec {row['spec_hash']}, the code has "
                f"{hashes[event_type.value]}; export again with this version",
            )
        if len(row["features"]) != len(names(event_type)):
            raise InputError(
                path,
                line,
                "features",
                f"{len(row['features'])} values, the spec has {len(names(event_type))}",
            )
        if row["occurred_at"] < last:
            raise InputError(path, line, "occurred_at", "rows are not in event-time order")
        last = row["occurred_at"]
        label = int(row["label"])
        rows = data.rows(event_type)
        rows.vectors.append(np.asarray(row["features"], dtype=np.float64))
        rows.labels.append(label)
        rows.cohorts.append(f"{'fraud' if label else 'legitimate'} ({row['label_source']})")
        rows.campaigns.append("")
        rows.accounts.append(row["account_id"])
        rows.event_ids.append(row["event_id"])
        rows.times.append(float(row["occurred_at"]))
        rows.positions.append(position)
    return data


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def train_from_export(
    path: Path,
    out: Path,
    report: Path,
    config: TrainConfig | None = None,
    seed: int = 7,
    trials: int = 0,
) -> dict[str, Any]:
    """Train both models on an export file, write the artifact to ``out`` and a report."""
    config = config or TrainConfig()
    data = dataset_from_export(path)
    for event_type in EventType:
        if len(set(data.rows(event_type).labels)) < 2:
            raise ValueError(f"{path}: {event_type.value} rows need both labels to train")
    fitted = fit_models(data, config, seed, trials)
    since = fitted.held_out_since()
    meta: dict[str, Any] = {
        "sources": [f"export {path.name}"],
        "seed": seed,
        "rows": {t.value: len(data.rows(t)) for t in EventType},
        "config": config_summary(config),
        "held_out_tail_since": since,
    }
    card = "\n".join(
        [
            "# Model card: {version}",
            "",
            f"Trained on a deployment's own labelled decisions ({path.name}), point in time.",
            "",
            metrics_table(
                {
                    f"{t.value} held-out tail": m.metrics["held_out_tail"]
                    for t, m in fitted.models.items()
                }
            ),
            "",
        ]
    )
    version = export_artifact(out, fitted.models, _file_digest(path), meta, card)
    model = load_model(out)
    try:
        tail = summarise(decide(model, data), since)
    finally:
        model.close()
    result: dict[str, Any] = {
        "model_version": version,
        "training": meta,
        "models": {t.value: m.metrics for t, m in fitted.models.items()},
        "held_out_tail": tail,
    }
    report.mkdir(parents=True, exist_ok=True)
    (report / "metrics.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    rows = {}
    for event_type, m in result["models"].items():
        rows[f"{event_type} validation"] = m["validation"]
        rows[f"{event_type} held-out tail"] = m["held_out_tail"]
    page = [
        f"# Training report: {version}",
        "",
        f"Trained on {path.name}: {meta['rows']['signup']:,} signup and "
        f"{meta['rows']['api_key']:,} key decisions with outcomes.",
        "",
        "## Models (event level)",
        "",
        metrics_table(rows),
        "",
        "## Held-out tail, per account",
        "",
        overall_markdown(tail["overall"]),
        "",
        cohort_markdown(tail["cohorts"]),
        "",
    ]
    (report / "summary.md").write_text("\n".join(page), encoding="utf-8")
    return result
