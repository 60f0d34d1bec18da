"""Per-stage profile and request counts scraped from the servers' Prometheus /metrics.

A server run with ``--profile-stages`` records ``signupguard_stage_seconds{stage}`` for every
request; the difference of ``_sum`` and ``_count`` between two scrapes is the mean time of each
stage over the requests of that phase. A stage runs only when it has work (``reasons`` only for
decisions that are not a plain ALLOW), so each mean is over the requests that ran it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

STAGE_METRIC = "signupguard_stage_seconds"
REQUESTS_METRIC = "signupguard_requests"


@dataclass(slots=True)
class Scrape:
    """The metrics the benchmark reads, summed over a group's processes."""

    stage_sum: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    stage_count: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    # stage -> upper bound (seconds) -> cumulative count
    stage_buckets: dict[str, dict[float, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    requests_per_process: list[float] = field(default_factory=list)


def parse(texts: list[str]) -> Scrape:
    """Read the stage histograms and the request counters of each process's /metrics text."""
    scrape = Scrape()
    for text in texts:
        requests = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if family.name == STAGE_METRIC:
                    stage = sample.labels.get("stage", "")
                    if sample.name.endswith("_sum"):
                        scrape.stage_sum[stage] += sample.value
                    elif sample.name.endswith("_count"):
                        scrape.stage_count[stage] += sample.value
                    elif sample.name.endswith("_bucket"):
                        bound = float(sample.labels["le"])
                        scrape.stage_buckets[stage][bound] += sample.value
                elif family.name == REQUESTS_METRIC and sample.name.endswith("_total"):
                    requests += sample.value
        scrape.requests_per_process.append(requests)
    return scrape


def stage_means(before: Scrape, after: Scrape) -> dict[str, dict[str, float]]:
    """Per stage: requests that ran it, mean and bucketed p99 (upper bound), microseconds."""
    out: dict[str, dict[str, float]] = {}
    for stage, total in after.stage_count.items():
        count = total - before.stage_count.get(stage, 0.0)
        if count <= 0:
            continue
        seconds = after.stage_sum[stage] - before.stage_sum.get(stage, 0.0)
        out[stage] = {
            "count": count,
            "mean_us": seconds / count * 1e6,
            "p99_le_us": _bucket_quantile(before, after, stage, 0.99) * 1e6,
        }
    return out


def _bucket_quantile(before: Scrape, after: Scrape, stage: str, q: float) -> float:
    """Upper bound of the histogram bucket holding the q-quantile of the phase's samples."""
    now = after.stage_buckets.get(stage, {})
    then = before.stage_buckets.get(stage, {})
    bounds = sorted(now)
    if not bounds:
        return math.nan
    total = now[bounds[-1]] - then.get(bounds[-1], 0.0)
    for bound in bounds:
        if now[bound] - then.get(bound, 0.0) >= q * total:
            return bound
    return math.inf


def requests_split(before: Scrape, after: Scrape) -> list[float]:
    """Each process's share of the requests between two scrapes."""
    deltas = [
        a - b for a, b in zip(after.requests_per_process, before.requests_per_process, strict=True)
    ]
    total = sum(deltas)
    return [round(d / total, 3) if total else math.nan for d in deltas]


def jsonable(stages: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Rounded copy for the results file (JSON has no infinity)."""
    return {
        stage: {k: (round(v, 2) if math.isfinite(v) else None) for k, v in figures.items()}
        for stage, figures in stages.items()
    }
