"""Markdown reports: training metrics, cohort outcomes, and the model card."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

_METRIC_ORDER = (
    "rows",
    "fraud_rate",
    "roc_auc",
    "pr_auc",
    "recall_at_fpr_0.1%",
    "recall_at_fpr_1%",
    "recall_at_fpr_5%",
)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if value.is_integer() and abs(value) >= 1:
            return f"{int(value):,}"
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def metrics_table(rows: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per named metrics dict."""
    lines = ["| set | " + " | ".join(_METRIC_ORDER) + " |", "|---" * (len(_METRIC_ORDER) + 1) + "|"]
    for name, values in rows.items():
        lines.append(
            f"| {name} | "
            + " | ".join(_fmt(values.get(k, float("nan"))) for k in _METRIC_ORDER)
            + " |"
        )
    return "\n".join(lines)


def cohort_markdown(table: dict[str, dict[str, Any]]) -> str:
    """Per-cohort outcomes as a markdown table, legitimate cohorts first."""
    lines = [
        "| cohort | label | accounts | blocked | reviewed | challenged | reached a key | "
        "passed before first block |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cohort, row in sorted(
        table.items(), key=lambda item: (item[1]["label"] == "fraud", item[0])
    ):
        lines.append(
            f"| {cohort} | {row['label']} | {row['accounts']:,} | {row['blocked']:.2%} | "
            f"{row['reviewed']:.2%} | {row['challenged']:.2%} | {row['reached_key']:.2%} | "
            f"{row.get('passed_before_first_block', '')} |"
        )
    return "\n".join(lines)


def campaign_markdown(table: dict[str, dict[str, Any]]) -> str:
    """Per-campaign outcomes: accounts, share reaching a key, accounts through before the first
    block."""
    lines = [
        "| campaign | archetype | accounts | blocked | reviewed | challenged | reached a key | "
        "through before first block |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for campaign, row in table.items():
        lines.append(
            f"| {campaign} | {row['archetype']} | {row['accounts']:,} | {row['blocked']:.2%} | "
            f"{row['reviewed']:.2%} | {row['challenged']:.2%} | {row['reached_key']:.2%} | "
            f"{row['passed_before_first_block']} |"
        )
    return "\n".join(lines)


def overall_markdown(overall: dict[str, float]) -> str:
    """Account-level totals."""
    return (
        f"- legitimate accounts: {int(overall['legitimate_accounts']):,}; blocked "
        f"{overall['legitimate_blocked']:.2%}, reviewed "
        f"{overall.get('legitimate_reviewed', 0):.2%}, challenged "
        f"{overall['legitimate_challenged']:.2%}\n"
        f"- fraud accounts: {int(overall['fraud_accounts']):,}; reached a key "
        f"{overall['fraud_reached_key']:.2%}, blocked at signup {overall['fraud_blocked']:.2%}, "
        f"reviewed at signup {overall.get('fraud_reviewed', 0):.2%}"
    )


def write_evaluation(path: Path, result: dict[str, Any], title: str) -> None:
    """Write one evaluation (from :func:`training.evaluate.evaluate`) as markdown."""
    parts = [
        f"# {title}",
        "",
        f"Model `{result['model_version']}`." if result.get("model_version") else "",
        "",
        "## Events (decision scores)",
        "",
        metrics_table(result["events"]),
        "",
        "## Accounts",
        "",
        overall_markdown(result["overall"]),
        "",
        "## Cohorts",
        "",
        cohort_markdown(result["cohorts"]),
        "",
    ]
    if result.get("campaigns"):
        parts += ["## Campaigns", "", campaign_markdown(result["campaigns"]), ""]
    path.write_text("\n".join(parts), encoding="utf-8")
