"""The model card shipped inside the artifact (``MODEL_CARD.md``).

Written for the person deciding whether to deploy the artifact: what it scores, what it was
trained and tuned on, how it was measured, where it is known to fall short, and what to watch.
``{version}`` is filled in by :func:`training.export.export_artifact`.
"""

from __future__ import annotations

from typing import Any

from training.report import metrics_table
from training.summary import targets


def model_card(result: dict[str, Any]) -> str:
    """The card of a pipeline run (see :func:`training.pipeline.run_pipeline`)."""
    training = result["training"]
    fresh = result["fresh_seed"]
    held = result.get("held_out_archetype")
    missed = [t for t in targets(result) if not t["met"]]
    rows = {}
    for event_type, m in result["models"].items():
        rows[f"{event_type} held-out tail"] = m["held_out_tail"]
    for event_type, m in fresh["events"].items():
        rows[f"{event_type} fresh seed {fresh['seed']}"] = m
    lines = [
        "# Model card: {version}",
        "",
        "## What it is",
        "",
        "Two LightGBM binary classifiers: one scores signups, one scores API-key creations, each "
        "the probability that the account is fraudulent (Platt-calibrated on a later validation "
        "period). The key model reads the account's signup score, cross-fitted in training so it "
        "never trusts in-sample signup scores. Actions come from thresholds chosen so that a set "
        "share of legitimate validation events reaches each action.",
        "",
        "## Intended use",
        "",
        "- Rank and act on signups and API-key creations: challenge, send to review, block.",
        "- Not a sole basis for decisions about people without a review and appeal path; blocked "
        "legitimate users exist (see the measurements below).",
        "",
        "## Training data",
        "",
        f"- {', '.join(training['sources'])}: {training['rows']['signup']:,} signup rows, "
        f"{training['rows']['api_key']:,} key rows, replayed through the server's featurizer in "
        "time order (no feature sees the future).",
        "- Simulated traffic: a legitimate population with hard negatives (NAT campuses, shared "
        "family devices, relays, VPNs, carrier NAT, travellers, scripted key bursts, corporate "
        "proxies) and five campaign archetypes.",
        "- Split by time: train, validation (early stopping, hyper-parameter search, "
        "calibration, thresholds), held-out tail (figures only).",
        "",
        "## Hyper-parameters",
        "",
        *(
            f"- {t}: "
            + ", ".join(
                f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                for k, v in sorted(c.items())
                if k in _SHOWN
            )
            for t, c in training.get("searched", {}).items()
        ),
        "",
        "## Thresholds",
        "",
        *(
            f"- {t}: challenge {v['challenge']:.4f}, review {v['review']:.4f}, "
            f"block {v['block']:.4f}"
            for t, v in result["thresholds"].items()
        ),
        "- Budgets (legitimate validation events at or above): "
        + ", ".join(f"{k} {v:.1%}" for k, v in training["config"]["fpr_budget"].items()),
        "",
        "## Measured (never on training rows)",
        "",
        metrics_table(rows),
        "",
        f"Per account on fresh seed {fresh['seed']}: legitimate blocked "
        f"{fresh['overall']['legitimate_blocked']:.2%}, reviewed "
        f"{fresh['overall']['legitimate_reviewed']:.2%}; fraud reaching a key "
        f"{fresh['overall']['fraud_reached_key']:.2%}.",
    ]
    if held:
        row = held["fresh_seed"]["cohorts"].get(held["archetype"], {})
        lines.append(
            f"Trained without `{held['archetype']}`, a model lets "
            f"{row.get('reached_key', float('nan')):.2%} of that archetype's accounts reach a key: "
            "expect weaker protection against attack shapes unlike any in training."
        )
    lines += [
        "",
        "## Known limits",
        "",
        "- Trained on simulated traffic only. Retrain on your own labelled decisions "
        "(`signupguard export-training-data`, then `signupguard train --from-export`).",
        "- Calibration holds for the simulated fraud rate; a different base rate shifts "
        "probabilities (thresholds keep their false-positive meaning only for similar traffic).",
    ]
    lines += [
        f"- Target missed: {t['target']} {t['value']:.2%} (limit {t['limit']:.1%})." for t in missed
    ]
    lines += [
        "",
        "## Monitor",
        "",
        "- Share of legitimate accounts blocked and reviewed per week; review outcomes.",
        "- Score distribution drift against the held-out tail; the share of events beyond the "
        "legitimate envelope (`training.envelope` in the manifest).",
        "",
    ]
    return "\n".join(lines)


_SHOWN = ("num_leaves", "min_data_in_leaf", "feature_fraction", "lambda_l2", "balance")
