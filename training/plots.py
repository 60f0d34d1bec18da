"""The report's figures (PNG, byte-stable for the same inputs).

Figures are built with matplotlib's object API (``Figure`` renders through Agg when saved), so
no pyplot state or interactive backend is involved.

- ``pr_curves.png``: precision-recall per event type, with the operating points of the thresholds
- ``score_histograms.png``: signup scores per cohort, thresholds drawn in
- ``campaign_timeline.png``: per campaign, cumulative accounts by what happened to them
- ``calibration.png``: predicted probability against the observed fraud rate
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve

from service.domain import Action, EventType
from service.model.artifact import Thresholds
from training.cohorts import PASSING, AccountOutcome, DecidedEvent

LEGIT_COLOR = "#1f77b4"
FRAUD_COLOR = "#d62728"
OUTCOME_COLORS = {
    "blocked at signup": "#444444",
    "sent to review at signup": "#9e9e9e",
    "passed signup, no key passed": "#f0a330",
    "reached a key": "#d62728",
}
_METADATA = {"Software": None}  # no version string: the file depends only on the data


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110, metadata=_METADATA)
    return path


def _arrays(events: Sequence[DecidedEvent], event_type: EventType) -> tuple[np.ndarray, np.ndarray]:
    chosen = [e for e in events if e.event_type is event_type]
    y = np.asarray([e.label == "fraud" for e in chosen], dtype=np.int64)
    return y, np.asarray([e.score for e in chosen], dtype=np.float64)


def pr_curves(
    sets: Mapping[str, Sequence[DecidedEvent]],
    thresholds: Mapping[EventType, Thresholds],
    path: Path,
) -> Path:
    """Precision-recall curves, one panel per event type, one curve per evaluation set; the
    first set also shows where each action's threshold operates."""
    fig = Figure(figsize=(11, 4.8))
    axes = fig.subplots(1, 2, sharey=True)
    styles = [("-", "black"), ("--", LEGIT_COLOR), (":", "#7f7f7f")]
    markers = (
        ("challenge", "o", "#f0a330"),
        ("review", "D", "#9e9e9e"),
        ("block", "s", FRAUD_COLOR),
    )
    low = 1.0
    for ax, event_type in zip(axes, EventType, strict=True):
        for index, ((name, events), (style, color)) in enumerate(
            zip(sets.items(), styles, strict=False)
        ):
            y, s = _arrays(events, event_type)
            if len(np.unique(y)) < 2:
                continue
            precision, recall, _ = precision_recall_curve(y, s)
            ap = float(np.sum(np.diff(recall[::-1]) * precision[::-1][1:]))
            ax.plot(recall, precision, style, color=color, lw=1.5, label=f"{name} (AP {ap:.3f})")
            low = min(low, float(recall[precision >= 0.5].min()), 0.5)
            if index:
                continue
            t = thresholds[event_type]
            for action, marker, marker_color in markers:
                flagged = s >= getattr(t, action)
                if flagged.any():
                    ax.plot(
                        flagged[y == 1].mean(),
                        y[flagged].mean(),
                        marker,
                        color=marker_color,
                        ms=8,
                        mec="black",
                        label=f"{action} threshold ({name})",
                    )
        ax.set_title(f"{event_type.value} events")
        ax.set_xlabel("recall (share of fraud events flagged)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    for ax in axes:
        ax.set_xlim(low, 1.005)
        ax.set_ylim(0.5, 1.005)
    axes[0].set_ylabel("precision (share of flagged events that are fraud)")
    fig.suptitle("Precision-recall of the decision scores (axes start at 0.5 / the lowest recall)")
    fig.tight_layout()
    return _save(fig, path)


def score_histograms(
    events: Sequence[DecidedEvent], thresholds: Thresholds, path: Path, title: str
) -> Path:
    """Signup score histograms, one small panel per cohort (legitimate first)."""
    by_cohort: dict[tuple[bool, str], list[float]] = defaultdict(list)
    for e in events:
        if e.event_type is EventType.SIGNUP:
            by_cohort[(e.label == "fraud", e.cohort)].append(e.score)
    keys = sorted(by_cohort)
    cols = 4
    rows = (len(keys) + cols - 1) // cols
    fig = Figure(figsize=(13, 2.4 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    bins = np.linspace(0.0, 1.0, 41)
    for ax, key in zip(axes.flat, keys, strict=False):
        fraud, cohort = key
        scores = np.asarray(by_cohort[key])
        ax.hist(scores, bins=bins, color=FRAUD_COLOR if fraud else LEGIT_COLOR, alpha=0.85)
        ax.set_yscale("log")
        ax.set_ylim(0.8, None)
        for value, style in ((thresholds.challenge, ":"), (thresholds.review, "--")):
            ax.axvline(value, color="#555555", ls=style, lw=1)
        ax.axvline(thresholds.block, color="black", lw=1.2)
        blocked = float(np.mean(scores >= thresholds.block))
        ax.set_title(f"{cohort} (n={len(scores):,}, blocked {blocked:.1%})", fontsize=9)
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel("signup score", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    fig.suptitle(
        f"{title}: signup scores per cohort (blue legitimate, red fraud; log counts). "
        "Lines: challenge (dotted), review (dashed), block (solid)",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, path)


def _outcome(account: AccountOutcome) -> str:
    if account.signup_action is Action.BLOCK:
        return "blocked at signup"
    if account.signup_action not in PASSING:
        return "sent to review at signup"
    return "reached a key" if account.key_passed else "passed signup, no key passed"


def campaign_timeline(accounts: Sequence[AccountOutcome], path: Path, title: str) -> Path:
    """Per campaign: cumulative accounts over the campaign's signups, stacked by outcome."""
    by_campaign: dict[str, list[AccountOutcome]] = defaultdict(list)
    for account in accounts:
        if account.label == "fraud":
            by_campaign[account.campaign_id].append(account)
    names = sorted(by_campaign)
    cols = 3
    rows = max(1, (len(names) + cols - 1) // cols)
    fig = Figure(figsize=(13, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        group = sorted(by_campaign[name], key=lambda a: a.signup_at)
        start = group[0].signup_at
        hours = np.asarray([(a.signup_at - start) / 3600.0 for a in group])
        unit, scale = ("days", 24.0) if hours[-1] > 72 else ("hours", 1.0)
        labels = [_outcome(a) for a in group]
        stacks = [np.cumsum([lab == outcome for lab in labels]) for outcome in OUTCOME_COLORS]
        ax.stackplot(
            hours / scale,
            *stacks,
            colors=list(OUTCOME_COLORS.values()),
            labels=list(OUTCOME_COLORS),
        )
        reached = stacks[-1][-1]
        ax.set_title(
            f"{name} ({group[0].cohort}): {reached}/{len(group)} reached a key", fontsize=9
        )
        ax.set_xlabel(f"{unit} since the campaign's first signup", fontsize=8)
        ax.set_ylabel("accounts (cumulative)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    handles, legend_labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, legend_labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle(
        f"{title}: what happened to each campaign's accounts, in signup order", fontsize=10
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _save(fig, path)


def calibration(sets: Mapping[str, Sequence[DecidedEvent]], path: Path) -> Path:
    """Reliability: mean predicted probability against the observed fraud rate, per decile bin."""
    fig = Figure(figsize=(10, 4.4))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, event_type in zip(axes, EventType, strict=True):
        ax.plot([0, 1], [0, 1], color="#bbbbbb", lw=1, label="perfect")
        for (name, events), marker in zip(sets.items(), "os^", strict=False):
            y, s = _arrays(events, event_type)
            if not len(y):
                continue
            edges = np.array([0.0, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 1.0001])
            idx = np.digitize(s, edges) - 1
            xs, ys = [], []
            for b in range(len(edges) - 1):
                inside = idx == b
                if inside.sum() >= 20:
                    xs.append(s[inside].mean())
                    ys.append(y[inside].mean())
            brier = float(np.mean((s - y) ** 2))
            ax.plot(xs, ys, marker + "-", lw=1.2, ms=5, label=f"{name} (Brier {brier:.4f})")
        ax.set_title(f"{event_type.value} events")
        ax.set_xlabel("predicted probability of fraud (bin mean)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("observed fraud rate")
    fig.suptitle("Calibration (bins with at least 20 events)")
    fig.tight_layout()
    return _save(fig, path)
