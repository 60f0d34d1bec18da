"""The whole training run behind ``make model``: streams -> replayed rows -> searched, trained
models -> artifact -> evaluations -> report. Deterministic for a config and a seed.

Run: ``python -m training.pipeline --config training/configs/default.yaml --seed 7
--out models/default --report reports/default``.

What it does, in order (replays run two at a time in worker processes):

1. simulate ``train_seeds`` streams (seeds ``seed``, ``seed + 1``, ...; or read ``--stream``) and
   replay them through the server's featurizer; replay a fresh-seed stream (``seed + 1000``) and
   the training streams again without the ``holdout`` archetype;
2. search hyper-parameters on the validation period, train both models, export the artifact;
3. evaluate: the fresh seed end to end through the real scorer (and in batch, which must agree),
   the held-out tail of the training streams, and a model trained without the ``holdout``
   archetype on the fresh seed (the generalisation check);
4. audit single features for simulator quirks, draw the figures, write the report.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.domain import EventType
from service.model import load_model
from training import envelope, plots
from training.batch import decide
from training.card import model_card
from training.cohorts import accounts, summarise
from training.dataset import Dataset, concat
from training.export import export_artifact
from training.fit import Fitted, config_summary, fit_models
from training.guards import audit
from training.progress import Progress
from training.reasons_check import reason_agreement
from training.streams import StreamSpec, executor, replay, scorer_evaluation
from training.summary import write_report
from training.train import TrainConfig

logger = logging.getLogger(__name__)

FRESH_SEED_OFFSET = 1000


@dataclass(frozen=True)
class PipelineOptions:
    """How much the pipeline does beyond training one model (defaults: ``make model``)."""

    train_seeds: int = 2  # simulated training streams: seed, seed + 1, ...
    trials: int = 10  # hyper-parameter search trials per model (0: the configured parameters)
    holdout: str | None = "sleeper_aging"  # archetype left out for the generalisation check
    workers: int = 2  # processes for replays (1: everything in this process)


def fingerprint(datasets: list[Dataset]) -> str:
    """SHA-256 over the training rows' event ids and labels (what a model was trained on)."""
    digest = hashlib.sha256()
    for data in datasets:
        for event_type in EventType:
            rows = data.rows(event_type)
            for event_id, label in zip(rows.event_ids, rows.labels, strict=True):
                digest.update(f"{event_id}:{label}\n".encode())
    return digest.hexdigest()


def _training_specs(
    config_path: Path | None, seed: int, stream: Path | None, options: PipelineOptions
) -> list[StreamSpec]:
    if stream is not None:
        return [StreamSpec(file=stream)]
    return [StreamSpec(config_path, seed + i) for i in range(max(1, options.train_seeds))]


def _meta(
    fitted: Fitted, specs: list[StreamSpec], seed: int, config: TrainConfig
) -> dict[str, Any]:
    return {
        "sources": [s.describe() for s in specs],
        "seed": seed,
        "rows": {t.value: len(fitted.data.rows(t)) for t in EventType},
        "config": config_summary(config),
        "searched": {t.value: config_summary(fitted.configs[t]) for t in EventType},
        "held_out_tail_since": fitted.held_out_since(),
    }


def _holdout_check(fitted: Fitted, fresh: Dataset, archetype: str) -> dict[str, Any]:
    """Train without the held-out archetype and evaluate on the fresh stream, which has it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        version = export_artifact(out, fitted.models, "held-out", {}, "# {version}\n")
        model = load_model(out)
        try:
            events = decide(model, fresh)
        finally:
            model.close()
    limits = envelope.fit(fitted.data, fitted.splits)
    flags = envelope.beyond(fresh, limits)
    return {
        "archetype": archetype,
        "model_version": version,
        "rows": {t.value: len(fitted.data.rows(t)) for t in EventType},
        "fresh_seed": summarise(events),
        "with_envelope_guard": summarise(envelope.apply(events, flags)),
        "raised_by_envelope": envelope.impact(events, flags),
    }


def run_pipeline(
    config_path: Path | None,
    seed: int,
    out: Path,
    report: Path,
    stream: Path | None = None,
    train_config: TrainConfig | None = None,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train both models, export the artifact to ``out`` and write the report to ``report``."""
    started = time.monotonic()
    progress = progress or Progress(enabled=False)
    config = train_config or TrainConfig()
    options = options or PipelineOptions()
    specs = _training_specs(config_path, seed, stream, options)
    fresh_spec = StreamSpec(config_path, seed + FRESH_SEED_OFFSET)
    holdout_specs = [
        StreamSpec(s.config, s.seed, s.file, (options.holdout,)) for s in specs if options.holdout
    ]
    with executor(options.workers) as pool:
        training_jobs = [pool.submit(replay, s) for s in specs]
        fresh_job = pool.submit(replay, fresh_spec)
        holdout_jobs = [pool.submit(replay, s) for s in holdout_specs]
        with progress.stage("replay training streams", len(training_jobs)) as stage:
            datasets = []
            for spec, job in zip(specs, training_jobs, strict=True):
                datasets.append(job.result())
                stage.step(spec.describe())
        data = concat(datasets)
        logger.info("replayed %s: %d signups, %d keys", specs, len(data.signup), len(data.api_key))
        with progress.stage("search and train", 2 * options.trials) as stage:
            fitted = fit_models(
                data,
                config,
                seed,
                options.trials,
                on_stage=lambda name: progress.say(f"train: {name}"),
                on_trial=stage.step,
            )
        progress.say("evaluating: fresh seed, held-out tail, held-out archetype")
        logger.info("trained at %.0f s", time.monotonic() - started)
        meta = _meta(fitted, specs, seed, config)
        staging = Path(tempfile.mkdtemp(prefix="signupguard-model-"))
        version = export_artifact(
            staging / "model", fitted.models, fingerprint(datasets), meta, "# {version}\n"
        )
        scorer_job = pool.submit(scorer_evaluation, staging / "model", fresh_spec)
        model = load_model(staging / "model")
        try:
            thresholds = {t: model.entry(t).thresholds for t in EventType}
            agreement = {
                t.value: reason_agreement(
                    t, model.predictors[t], fitted.data.rows(t).matrix()[fitted.splits[t].test]
                )
                for t in EventType
            }
            tail_events = decide(model, data)
            fresh = fresh_job.result()
            fresh_events = decide(model, fresh)
            logger.info("batch evaluations done at %.0f s", time.monotonic() - started)
        finally:
            model.close()
        limits = envelope.fit(fitted.data, fitted.splits)
        held_out: dict[str, Any] | None = None
        if holdout_jobs:
            held_data = concat([job.result() for job in holdout_jobs])
            # The shipped model's searched settings (a second search would cost minutes); the
            # report says how many rows of the archetype the search's validation period held.
            held_fit = fit_models(held_data, config, seed, chosen=fitted.configs)
            held_out = _holdout_check(held_fit, fresh, str(options.holdout))
            held_out["archetype_rows_in_search_validation"] = sum(
                sum(1 for i in fitted.splits[t].valid if data.rows(t).cohorts[i] == options.holdout)
                for t in EventType
            )
            logger.info("held-out check done at %.0f s", time.monotonic() - started)
        scored = scorer_job.result()
        logger.info("scorer replay done at %.0f s", time.monotonic() - started)
    since = fitted.held_out_since()
    flags = envelope.beyond(fresh, limits)
    tail = [e for e in tail_events if e.occurred_at >= since]
    batch_fresh = summarise(fresh_events)
    result: dict[str, Any] = {
        "model_version": version,
        "training": meta,
        "models": {t.value: m.metrics for t, m in fitted.models.items()},
        "searches": fitted.search_summary(),
        "thresholds": {
            t.value: {"challenge": v.challenge, "review": v.review, "block": v.block}
            for t, v in thresholds.items()
        },
        "reason_agreement_with_treeshap": agreement,
        "held_out_tail": {"since": since, **summarise(tail_events, since)},
        "fresh_seed": {
            "seed": fresh_spec.seed,
            "source": fresh_spec.describe(),
            **{k: v for k, v in scored.items() if k != "model_version"},
            "batch_agrees_with_scorer": all(
                batch_fresh[k] == scored[k] for k in ("cohorts", "campaigns", "overall")
            ),
        },
        "held_out_archetype": held_out,
        "envelope": {
            "limits": limits,
            "fresh_seed": summarise(envelope.apply(fresh_events, flags)),
            "raised_on_fresh_seed": envelope.impact(fresh_events, flags),
        },
        "guards": {t.value: audit(data.rows(t)) for t in EventType},
    }
    report.mkdir(parents=True, exist_ok=True)
    plots.pr_curves(
        {f"fresh seed {fresh_spec.seed}": fresh_events, "held-out tail": tail},
        thresholds,
        report / "pr_curves.png",
    )
    plots.score_histograms(
        fresh_events,
        thresholds[EventType.SIGNUP],
        report / "score_histograms.png",
        f"Fresh seed {fresh_spec.seed}",
    )
    plots.campaign_timeline(
        accounts(fresh_events), report / "campaign_timeline.png", f"Fresh seed {fresh_spec.seed}"
    )
    plots.calibration(
        {f"fresh seed {fresh_spec.seed}": fresh_events, "held-out tail": tail},
        report / "calibration.png",
    )
    write_report(report, result)
    meta["envelope"] = limits
    export_artifact(out, fitted.models, fingerprint(datasets), meta, model_card(result))
    logger.info("exported %s to %s", version, out)
    shutil.rmtree(staging)
    logger.info("pipeline finished in %.1f s", time.monotonic() - started)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m training.pipeline``."""
    parser = argparse.ArgumentParser(prog="training.pipeline")
    parser.add_argument("--config", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stream", type=Path)
    parser.add_argument("--out", type=Path, default=Path("models/default"))
    parser.add_argument("--report", type=Path, default=Path("reports/default"))
    parser.add_argument("--train-seeds", type=int, default=PipelineOptions.train_seeds)
    parser.add_argument("--trials", type=int, default=PipelineOptions.trials)
    parser.add_argument("--holdout", default=PipelineOptions.holdout)
    parser.add_argument("--workers", type=int, default=PipelineOptions.workers)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("signupguard.decision").setLevel(logging.WARNING)
    options = PipelineOptions(args.train_seeds, args.trials, args.holdout or None, args.workers)
    result = run_pipeline(
        args.config, args.seed, args.out, args.report, args.stream, options=options
    )
    print((args.report / "summary.md").read_text())
    print(f"model {result['model_version']} in {args.out}, report in {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
