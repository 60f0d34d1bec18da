"""``make model``: train on many randomised worlds, judge on worlds the model never saw.

A model trained on one simulated world learns that world's assumptions. So every behavioural
prior that is not a public fact is drawn per world from a range (:mod:`training.simulate.worlds`,
ranges in ``training/configs/worlds.yaml``), and:

1. ``train_worlds`` worlds drawn from the ``train`` ranges are replayed through the server's
   featurizer (each with its own state) and the models are trained on them; ``valid_worlds``
   further worlds from the same ranges serve early stopping, the hyper-parameter search,
   calibration and the thresholds (false-positive budgets on pooled legitimate events);
   the review thresholds of both models are then chosen together, per account
   (:mod:`training.thresholds`): the fewest fraud accounts reaching a key with at most
   ``account_budget`` of legitimate validation accounts held;
2. the headline is *leave-worlds-out*: ``eval_worlds`` worlds drawn from the ``shifted`` ranges
   (priors partly outside the training ranges), decided as the server decides (model, policy
   thresholds and the legitimate-envelope rule), per cohort and campaign, per world and pooled;
   one of them is replayed through the real scorer too, which must agree with the batch path;
3. a held-out archetype family: a second model trained on the same worlds without the family's
   campaigns (the shipped model's hyper-parameters), judged on the shifted worlds, which have it;
4. for continuity, the old single-world simulator config at a fresh seed;
5. each feature's share of the gain beside its constraint (:mod:`training.constraints`).

Deterministic for a ranges file, a seed and the options (LightGBM on one thread, seeded draws).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.domain import EventType
from service.model import load_model
from service.model.artifact import Thresholds
from training import envelope, plots
from training.batch import decide
from training.cohorts import DecidedEvent, accounts, summarise
from training.constraints import gain_table
from training.dataset import Dataset, concat
from training.distribution import score_distribution
from training.export import export_artifact
from training.fit import Fitted, config_summary, fit_models
from training.guards import audit
from training.pipeline import fingerprint
from training.progress import Progress
from training.reasons_check import reason_agreement
from training.streams import StreamSpec, WorldDraw, executor, replay, scorer_evaluation
from training.thresholds import AccountScores, JointChoice, joint_review
from training.train import Split, TrainConfig
from training.world_summary import model_card, write_report

logger = logging.getLogger(__name__)

DEFAULT_RANGES = Path(__file__).resolve().parent / "configs" / "worlds.yaml"
# Seeds of the drawn worlds: train, validation and evaluation worlds never share one.
_VALID_OFFSET = 500
_EVAL_OFFSET = 900
_LEGACY_OFFSET = 1000


@dataclass(frozen=True)
class WorldOptions:
    """How many worlds of which size, and what else the run does (defaults: ``make model``)."""

    train_worlds: int = 12
    valid_worlds: int = 4
    eval_worlds: int = 4
    scale: float = 0.4  # share of a full-size world's volume (signups per day, cohorts, campaigns)
    days: int | None = 28
    trials: int = 6  # hyper-parameter search trials per model (0: the configured parameters)
    # The archetype family held out for the check: accounts that age, then mint keys.
    holdout: tuple[str, ...] = ("sleeper_aging", "dormant_key_farm")
    legacy: bool = True  # also judge on the old single-world config at a fresh seed
    workers: int = 2  # processes for replays
    # Review thresholds: at most this share of legitimate validation-world *accounts* held
    # (signup or key), chosen jointly for both event types (training.thresholds).
    account_budget: float = 0.015


@dataclass(frozen=True)
class Plan:
    """Every stream the run replays."""

    train: list[StreamSpec]
    valid: list[StreamSpec]
    evaluation: list[StreamSpec]
    held_train: list[StreamSpec]
    held_valid: list[StreamSpec]
    legacy: StreamSpec | None


def plan(ranges: Path, seed: int, options: WorldOptions) -> Plan:
    """The streams of a run: drawn worlds by kind, and their hold-out variants."""

    def draws(kind: str, first: int, n: int) -> list[StreamSpec]:
        draw = WorldDraw(ranges, kind, options.scale, options.days)
        return [StreamSpec(seed=seed * 10_000 + first + i, world=draw) for i in range(n)]

    train = draws("train", 0, options.train_worlds)
    valid = draws("train", _VALID_OFFSET, options.valid_worlds)
    evaluation = draws("shifted", _EVAL_OFFSET, options.eval_worlds)
    drop = tuple(options.holdout)
    return Plan(
        train=train,
        valid=valid,
        evaluation=evaluation,
        held_train=[dataclasses.replace(s, drop=drop) for s in train] if drop else [],
        held_valid=[dataclasses.replace(s, drop=drop) for s in valid] if drop else [],
        legacy=StreamSpec(None, seed + _LEGACY_OFFSET) if options.legacy else None,
    )


def world_splits(train: Sequence[Dataset], valid: Sequence[Dataset]) -> dict[EventType, Split]:
    """Rows of ``concat([*train, *valid])``: the train worlds train, the others validate."""
    out: dict[EventType, Split] = {}
    for event_type in EventType:
        n_train = sum(len(d.rows(event_type)) for d in train)
        n_valid = sum(len(d.rows(event_type)) for d in valid)
        out[event_type] = Split(
            train=np.arange(n_train, dtype=np.int64),
            valid=np.arange(n_train, n_train + n_valid, dtype=np.int64),
            test=np.zeros(0, dtype=np.int64),
        )
    return out


def _replay_all(pool: Executor, specs: Sequence[StreamSpec], progress: Progress) -> list[Dataset]:
    """Replay every spec (in the pool), in the order given."""
    futures = {pool.submit(replay, s): i for i, s in enumerate(specs)}
    out: list[Dataset | None] = [None] * len(specs)
    with progress.stage("replay worlds", len(specs)) as stage:
        for future in as_completed(futures):
            i = futures[future]
            data = future.result()
            out[i] = data
            stage.step(f"{specs[i].describe()}: {len(data.signup)} signups")
    return [d for d in out if d is not None]


def _served(
    model_dir: Path, datasets: Sequence[Dataset], limits: dict[str, dict[str, float]]
) -> list[tuple[list[DecidedEvent], list[DecidedEvent]]]:
    """Per dataset: decisions as served (model + thresholds + envelope rule) and by the model
    alone. The artifact is loaded once for all of them."""
    model = load_model(model_dir)
    try:
        decided = [(data, decide(model, data)) for data in datasets]
    finally:
        model.close()
    return [
        (envelope.apply(alone, envelope.beyond(data, limits)), alone) for data, alone in decided
    ]


def _tagged(events: list[DecidedEvent], world: str) -> list[DecidedEvent]:
    """Events with account and campaign ids made unique across worlds (for pooled tables)."""
    return [
        dataclasses.replace(
            e,
            account_id=f"{world}/{e.account_id}",
            campaign_id=f"{world}/{e.campaign_id}" if e.campaign_id else "",
        )
        for e in events
    ]


def _judge(
    model_dir: Path,
    specs: Sequence[StreamSpec],
    datasets: Sequence[Dataset],
    limits: dict[str, dict[str, float]],
) -> tuple[dict[str, Any], list[DecidedEvent]]:
    """Per-world and pooled figures of one model on evaluation worlds, as served."""
    worlds: list[dict[str, Any]] = []
    pooled: list[DecidedEvent] = []
    pooled_alone: list[DecidedEvent] = []
    for spec, (served, alone) in zip(specs, _served(model_dir, datasets, limits), strict=True):
        worlds.append({"source": spec.describe(), **summarise(served)})
        pooled += _tagged(served, f"w{spec.seed}")
        pooled_alone += _tagged(alone, f"w{spec.seed}")
    return {
        "worlds": worlds,
        "pooled": summarise(pooled),
        "pooled_model_alone": summarise(pooled_alone),
    }, pooled


def run_worlds(
    ranges: Path,
    seed: int,
    out: Path,
    report: Path,
    train_config: TrainConfig | None = None,
    options: WorldOptions | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train on drawn worlds, export the artifact to ``out``, write the report to ``report``."""
    started = time.monotonic()
    config = train_config or TrainConfig()
    options = options or WorldOptions()
    progress = progress or Progress(enabled=False)
    p = plan(ranges, seed, options)
    every = [*p.train, *p.valid, *p.evaluation, *p.held_train, *p.held_valid]
    every += [p.legacy] if p.legacy else []
    with executor(options.workers) as pool:
        replayed = _replay_all(pool, every, progress)
    cut = np.cumsum([len(p.train), len(p.valid), len(p.evaluation), len(p.held_train)])
    train_sets, valid_sets = replayed[: cut[0]], replayed[cut[0] : cut[1]]
    eval_sets = replayed[cut[1] : cut[2]]
    held_train, held_valid = (
        replayed[cut[2] : cut[3]],
        replayed[cut[3] : cut[3] + len(p.held_valid)],
    )
    legacy_set = replayed[-1] if p.legacy else None

    data = concat([*train_sets, *valid_sets])
    splits = world_splits(train_sets, valid_sets)
    with progress.stage("train", 3 + 2 * options.trials) as stage:
        fitted = fit_models(
            data,
            config,
            seed,
            options.trials,
            splits=splits,
            on_stage=lambda name: progress.say(f"train: {name}"),
            on_trial=stage.step,
        )
        stage.step("models trained")
    limits = envelope.fit(fitted.data, fitted.splits)
    sources = [s.describe() for s in [*p.train, *p.valid]]
    meta = {
        "sources": sources,
        "seed": seed,
        "worlds": {
            "ranges": str(ranges),
            "train": [s.describe() for s in p.train],
            "validation": [s.describe() for s in p.valid],
            "scale": options.scale,
            "days": options.days,
        },
        "rows": {t.value: len(fitted.data.rows(t)) for t in EventType},
        "config": config_summary(config),
        "searched": {t.value: config_summary(fitted.configs[t]) for t in EventType},
        "envelope": limits,
    }
    staging = Path(tempfile.mkdtemp(prefix="signupguard-model-"))
    try:
        export_artifact(staging / "first", fitted.models, "", meta, "# {version}\n")
        choice = _choose_review(fitted, staging / "first", p.valid, valid_sets, limits, options)
        progress.say(
            f"review thresholds: signup {choice.signup_review:.4f}, key "
            f"{choice.api_key_review:.4f} (validation accounts: legitimate held "
            f"{choice.legitimate_held:.2%}, fraud reaching a key {choice.fraud_reached_key:.2%})"
        )
        version = export_artifact(
            staging / "model", fitted.models, fingerprint([data]), meta, "# {version}\n"
        )
        progress.say(f"judging {version} on {len(p.evaluation)} shifted world(s)")
        lwo, pooled_events = _judge(staging / "model", p.evaluation, eval_sets, limits)
        with progress.stage("scorer replay (real server path)", 1) as stage:
            scored = scorer_evaluation(staging / "model", p.evaluation[0])
            stage.step(p.evaluation[0].describe())
        first = lwo["worlds"][0]
        lwo["scorer_agrees_with_batch"] = all(
            first[k] == scored[k] for k in ("cohorts", "campaigns", "overall")
        )
        held = _held_out(
            fitted, p, held_train, held_valid, eval_sets, config, seed, options, progress
        )
        legacy: dict[str, Any] | None = None
        if p.legacy is not None and legacy_set is not None:
            served, _ = _served(staging / "model", [legacy_set], limits)[0]
            legacy = {"source": p.legacy.describe(), **summarise(served)}
        model = load_model(staging / "model")
        try:
            agreement = {
                t.value: reason_agreement(
                    t, model.predictors[t], fitted.data.rows(t).matrix()[fitted.splits[t].valid]
                )
                for t in EventType
            }
        finally:
            model.close()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result: dict[str, Any] = {
        "model_version": version,
        "training": meta,
        "models": {t.value: m.metrics for t, m in fitted.models.items()},
        "searches": fitted.search_summary(),
        "thresholds": {
            t.value: {
                "challenge": m.thresholds.challenge,
                "review": m.thresholds.review,
                "block": m.thresholds.block,
            }
            for t, m in fitted.models.items()
        },
        "features": {
            t.value: gain_table(t, fitted.models[t].booster, config.world_dependent)
            for t in EventType
        },
        "joint_review": {"account_budget": options.account_budget, **dataclasses.asdict(choice)},
        "leave_worlds_out": {
            "sources": [s.describe() for s in p.evaluation],
            **lwo,
        },
        "held_out_family": held,
        "legacy_world": legacy,
        "reason_agreement_with_treeshap": agreement,
        "guards": {t.value: audit(data.rows(t)) for t in EventType},
        "elapsed_s": round(time.monotonic() - started),
        "score_distribution": score_distribution(pooled_events),
    }
    report.mkdir(parents=True, exist_ok=True)
    plots.score_histograms(
        pooled_events,
        fitted.models[EventType.SIGNUP].thresholds,
        report / "score_histograms.png",
        "Shifted worlds (leave-worlds-out)",
    )
    plots.campaign_timeline(
        accounts(pooled_events), report / "campaign_timeline.png", "Shifted worlds"
    )
    write_report(report, result)
    export_artifact(
        out,
        fitted.models,
        fingerprint([data]),
        meta,
        model_card(result),
        score_distribution=result["score_distribution"],
    )
    progress.say(f"exported {version} to {out}; report in {report}")
    return result


def _choose_review(
    fitted: Fitted,
    model_dir: Path,
    specs: Sequence[StreamSpec],
    valid_sets: Sequence[Dataset],
    limits: dict[str, dict[str, float]],
    options: WorldOptions,
) -> JointChoice:
    """Set both models' review thresholds jointly on the validation worlds (in place)."""
    events: list[DecidedEvent] = []
    for spec, (served, _) in zip(specs, _served(model_dir, valid_sets, limits), strict=True):
        events += _tagged(served, f"w{spec.seed}")
    choice = joint_review(AccountScores.from_events(events), options.account_budget)
    for event_type, chosen in (
        (EventType.SIGNUP, choice.signup_review),
        (EventType.API_KEY, choice.api_key_review),
    ):
        model = fitted.models[event_type]
        old = model.thresholds
        review = min(chosen, old.block)
        model.thresholds = Thresholds(min(old.challenge, review), review, old.block)
    return choice


def _held_out(
    fitted: Fitted,
    p: Plan,
    held_train: list[Dataset],
    held_valid: list[Dataset],
    eval_sets: list[Dataset],
    config: TrainConfig,
    seed: int,
    options: WorldOptions,
    progress: Progress,
) -> dict[str, Any] | None:
    """A model trained without the held-out family, judged on the shifted worlds."""
    if not p.held_train:
        return None
    family = list(p.held_train[0].drop)
    progress.say(f"held-out family {', '.join(family)}: training without it")
    data = concat([*held_train, *held_valid])
    splits = world_splits(held_train, held_valid)
    held = fit_models(data, config, seed, chosen=fitted.configs, splits=splits)
    limits = envelope.fit(held.data, held.splits)
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "first"
        export_artifact(first, held.models, "", {"envelope": limits}, "# {version}\n")
        _choose_review(held, first, p.held_valid, held_valid, limits, options)
        out = Path(tmp) / "model"
        version = export_artifact(
            out, held.models, "held-out", {"envelope": limits}, "# {version}\n"
        )
        judged, _ = _judge(out, p.evaluation, eval_sets, limits)
    return {"archetypes": family, "model_version": version, **judged}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m training.world_pipeline``."""
    parser = argparse.ArgumentParser(prog="training.world_pipeline")
    parser.add_argument("--ranges", type=Path, default=DEFAULT_RANGES)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("models/default"))
    parser.add_argument("--report", type=Path, default=Path("reports/default"))
    parser.add_argument("--train-worlds", type=int, default=WorldOptions.train_worlds)
    parser.add_argument("--valid-worlds", type=int, default=WorldOptions.valid_worlds)
    parser.add_argument("--eval-worlds", type=int, default=WorldOptions.eval_worlds)
    parser.add_argument("--scale", type=float, default=WorldOptions.scale)
    parser.add_argument("--days", type=int, default=WorldOptions.days)
    parser.add_argument("--trials", type=int, default=WorldOptions.trials)
    parser.add_argument(
        "--holdout", default=",".join(WorldOptions.holdout), help="archetypes, comma-separated"
    )
    parser.add_argument("--workers", type=int, default=WorldOptions.workers)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    options = WorldOptions(
        train_worlds=args.train_worlds,
        valid_worlds=args.valid_worlds,
        eval_worlds=args.eval_worlds,
        scale=args.scale,
        days=args.days,
        trials=args.trials,
        holdout=tuple(a for a in args.holdout.split(",") if a),
        workers=args.workers,
    )
    progress = Progress()
    result = run_worlds(
        args.ranges, args.seed, args.out, args.report, options=options, progress=progress
    )
    lwo = result["leave_worlds_out"]
    pooled = lwo["pooled"]["overall"]
    auc = lwo["pooled"]["events"]["signup"].get("roc_auc", float("nan"))
    print(
        f"leave-worlds-out ({len(lwo['sources'])} shifted worlds): "
        f"legitimate held or blocked {pooled['legitimate_held_or_blocked']:.2%}, "
        f"fraud reaching a key {pooled['fraud_reached_key']:.2%}; signup ROC-AUC {auc:.3f}"
    )
    print(f"model {result['model_version']} in {args.out}, report in {args.report}/summary.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
