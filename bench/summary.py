"""From a results file to figures: each phase beside its floor, the headline medians, targets.

The floor of a project phase is the floor phase of the same shape (RPC, loop, load, round) and
the same number of processes, taken in the same instance when there is one (seconds apart),
else the nearest such floor phase of the run.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench.stats import median, ratio

Figures = dict[str, Any]

CPU_TARGET = 2.5  # project CPU per request / floor's, at most
REDIS_P99_TARGET_US = 5000.0
REDIS_RATE = 1000.0
REASONS_TARGET_US = 100.0
ATTACK_TARGET = 0.8
GROWTH_TOLERANCE = 1.15  # end/start of the scale replay; the machine's noise is about +-15 %


@dataclass(frozen=True, slots=True)
class Row:
    """One measured phase of the project (or the floor) and its floor."""

    case: str
    phase: Figures
    processes: int
    floor: Figures | None

    def vs_floor(self, key: str, sub: str | None = None) -> float:
        """This phase's figure over the floor's (CPU, latency percentiles)."""
        if self.floor is None or self.phase["server"] == "floor":
            return math.nan
        if sub is None:
            return ratio(self.phase.get(key), self.floor.get(key))
        return ratio(self.phase[key].get(sub), self.floor[key].get(sub))


def _shape(f: Figures) -> tuple[str, str, str]:
    rpc = "signup" if f["source"] == "attack" else f["rpc"]
    return (rpc, f["mode"], f["load"])


def phases(results: dict[str, Any]) -> Iterator[tuple[str, int, Figures]]:
    """(case, processes, phase) for every measured phase of every instance that ran."""
    for inst in results.get("instances", []):
        servers = inst.get("servers", {})
        for f in inst.get("phases", []):
            yield inst["case"], int(servers.get(f["server"], {}).get("processes", 1)), f


def rows(results: dict[str, Any]) -> list[Row]:
    """Every measured phase with its floor phase."""
    everything = list(phases(results))
    floors = [(case, procs, f) for case, procs, f in everything if f["server"] == "floor"]
    out = []
    for case, procs, f in everything:
        candidates = [(c, fl) for c, p, fl in floors if p == procs and _shape(fl) == _shape(f)]
        ranked = sorted(
            candidates,
            key=lambda item: (item[0] != case, item[1]["round"] != f["round"]),
        )
        out.append(Row(case, f, procs, ranked[0][1] if ranked else None))
    return out


def _find(results: dict[str, Any], case: str, server: str, **match: object) -> list[Figures]:
    return [
        f
        for c, _, f in phases(results)
        if c == case and f["server"] == server and all(f.get(k) == v for k, v in match.items())
    ]


def _stage_name(f: Figures) -> str:
    if f["source"] == "attack":
        return "attack signup"
    return "signup" if f["rpc"] == "signup" else "API key"


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """Medians over rounds of the ratios the targets are about, with every round's value."""
    table = rows(results)
    out: dict[str, Any] = {}
    for rpc in ("signup", "api_key"):
        per_round = [
            r.vs_floor("server_cpu_us")
            for r in table
            if r.case == "main"
            and r.phase["server"] == "project"
            and r.phase["phase"] == "closed"
            and r.phase["rpc"] == rpc
        ]
        out[f"cpu_ratio_{rpc}"] = {"median": median(per_round), "rounds": per_round}
    normal = {f["round"]: f for f in _find(results, "attack", "project", phase="closed")}
    attack = {f["round"]: f for f in _find(results, "attack", "project", phase="attack")}
    rounds = sorted(set(normal) & set(attack))
    throughput = [ratio(attack[r]["rps"], normal[r]["rps"]) for r in rounds]
    cpu = [ratio(normal[r]["server_cpu_us"], attack[r]["server_cpu_us"]) for r in rounds]
    blocked = [
        attack[r].get("decisions", {}).get("actions", {}).get("ACTION_BLOCK") for r in rounds
    ]
    out["attack_throughput"] = {"median": median(throughput), "rounds": throughput}
    out["attack_cpu"] = {"median": median(cpu), "rounds": cpu}
    out["attack_block_share"] = median(b for b in blocked if b is not None)
    redis = _find(results, "reuseport", "redis", mode="open", rate=REDIS_RATE)
    out["redis_two_process"] = redis[0] if redis else None
    profile = _find(results, "profile", "project")
    out["stages"] = {_stage_name(f): f.get("stages", {}) for f in profile}
    return out


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else "NOT met"


NOISE = 0.15  # the estimate of this machine's run-to-run noise


def _target(target: str, measured: str, ok: bool | None, gap: str = "") -> dict[str, str]:
    return {"target": target, "measured": measured, "verdict": _verdict(ok), "gap": gap}


def _noise_note(value: float, limit: float) -> str:
    """Say so when a miss is within the machine's noise of the limit."""
    return " (within the ±15 % noise)" if abs(value - limit) <= NOISE * limit else ""


def _cpu_target(h: dict[str, Any], rpc: str, name: str) -> dict[str, str]:
    target = f"server CPU per {name} (in-memory, c=32) ≤ {CPU_TARGET}× the floor's"
    value = h[f"cpu_ratio_{rpc}"]["median"]
    if math.isnan(value):
        return _target(target, "—", None)
    rounds = ", ".join(f"{v:.2f}" for v in h[f"cpu_ratio_{rpc}"]["rounds"])
    measured = f"{value:.2f}× (rounds: {rounds}); floor/project {1 / value:.2f}"
    ok = value <= CPU_TARGET
    gap = f"{value / CPU_TARGET:.1f}× too much CPU" + _noise_note(value, CPU_TARGET)
    return _target(target, measured, ok, "" if ok else gap)


def _redis_target(h: dict[str, Any]) -> dict[str, str]:
    target = "Redis state, 2 processes, 1,000 RPS open loop: p99 ≤ 5 ms, 0 errors"
    redis = h["redis_two_process"]
    if redis is None:
        return _target(target, "—", None, "two-process case not run")
    p99 = redis["latency_us"].get("p99", math.nan)
    errors = sum(redis["errors"].values())
    measured = (
        f"p99 {p99 / 1000:.2f} ms, {errors} errors, {redis['rps']:.0f} RPS answered; "
        f"machine {redis['machine_busy_cores']:.2f} cores busy, servers "
        f"{redis['server_cpu_us']:.0f} µs CPU per request"
    )
    ok = p99 <= REDIS_P99_TARGET_US and errors == 0
    gaps = []
    if p99 > REDIS_P99_TARGET_US:
        gaps.append(f"p99 {p99 / REDIS_P99_TARGET_US:.1f}× the 5 ms target")
    if errors:
        gaps.append(f"{errors} errors")
    return _target(target, measured, ok, ", ".join(gaps))


def _reasons_target(h: dict[str, Any]) -> dict[str, str]:
    target = f"reasons add ≤ {REASONS_TARGET_US:.0f} µs to a non-ALLOW decision"
    reasons = {name: s["reasons"]["mean_us"] for name, s in h["stages"].items() if "reasons" in s}
    if not reasons:
        return _target(target, "—", None)
    worst = max(reasons.values())
    measured = ", ".join(f"{name}: {value:.0f} µs" for name, value in reasons.items())
    ok = worst <= REASONS_TARGET_US
    gap = "" if ok else f"{worst - REASONS_TARGET_US:.0f} µs over" + _noise_note(worst, 100.0)
    return _target(target, f"mean {measured}", ok, gap)


def _attack_target(h: dict[str, Any]) -> dict[str, str]:
    target = f"attack stream (~90 % BLOCK) throughput ≥ {ATTACK_TARGET:.0%} of normal"
    value = h["attack_throughput"]["median"]
    if math.isnan(value):
        return _target(target, "—", None)
    rounds = ", ".join(f"{v:.0%}" for v in h["attack_throughput"]["rounds"])
    measured = (
        f"{value:.0%} (rounds: {rounds}); CPU per request normal/attack "
        f"{h['attack_cpu']['median']:.0%}; {h['attack_block_share']:.0%} BLOCK"
    )
    ok = value >= ATTACK_TARGET
    gap = "" if ok else f"{ATTACK_TARGET - value:.0%} short" + _noise_note(value, ATTACK_TARGET)
    return _target(target, measured, ok, gap)


def scale_trend(run: dict[str, Any]) -> dict[str, float]:
    """Relative change per 1M signups of CPU, p50 and p99 per call, fitted past the warm-up.

    The first windows start from an empty store, which is cheaper than any store with history;
    "cost grows with history" is the slope once the store holds its retention's worth (past
    the first 100k signups, or the first tenth of a shorter replay).
    """
    windows = run.get("windows", [])
    skip = max(100_000, run.get("signups", 0) // 10)
    late = [w for w in windows if w["upto"] > skip]
    if len(late) < 3:
        return {}
    xs = [float(w["upto"]) for w in late]
    out = {}
    for key, name in (("cpu_us", "cpu"), ("p50_us", "p50"), ("p99_us", "p99")):
        ys = [float(w[key]) for w in late]
        fit = statistics.linear_regression(xs, ys)
        out[name] = fit.slope * 1e6 / statistics.fmean(ys)
    return out


def _growth_target(scale: dict[str, Any] | None) -> dict[str, str]:
    target = (
        f"no latency growth over 1M signups (fitted trend past the first 100k ≤ "
        f"+{GROWTH_TOLERANCE - 1:.0%} per 1M, the noise band)"
    )
    if not scale or not scale.get("runs"):
        return _target(target, "—", None, "run `make bench BENCH_SCALE=1`")
    parts, worst = [], -math.inf
    for run in scale["runs"]:
        trend = scale_trend(run)
        raw = run.get("growth", {})
        worst = max(worst, trend.get("cpu", math.nan), trend.get("p50", math.nan))
        parts.append(
            f"{run['state']}: CPU/signup {trend.get('cpu', math.nan):+.0%}, "
            f"p50 {trend.get('p50', math.nan):+.0%} per 1M (first→last window: CPU "
            f"×{raw.get('cpu_per_signup', math.nan):.2f}, p50 ×{raw.get('p50', math.nan):.2f})"
        )
    ok = None if not math.isfinite(worst) else worst <= GROWTH_TOLERANCE - 1
    gap = "" if ok else f"{worst:+.0%} per 1M"
    return _target(target, "; ".join(parts), ok, gap)


def targets(results: dict[str, Any], scale: dict[str, Any] | None) -> list[dict[str, str]]:
    """Each target of the issue: what was measured, the verdict and the gap."""
    h = headline(results)
    return [
        _cpu_target(h, "signup", "ScoreSignup"),
        _cpu_target(h, "api_key", "ScoreApiKeyCreation"),
        _redis_target(h),
        _reasons_target(h),
        _attack_target(h),
        _growth_target(scale),
    ]


def breakdown(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per profiled stream (one request in flight): server CPU, the floor's, the stage sum.

    The stages run inside the handler; what is left after the floor (the transport) and the
    stages is response conversion, metrics, the decision writer thread and thread hand-offs.
    """
    table = rows(results)
    out = []
    for row in table:
        f = row.phase
        stages = f.get("stages")
        if row.case != "profile" or not stages or row.floor is None:
            continue
        requests = (stages.get("parse") or {}).get("count") or 0.0
        if not requests:
            continue
        total = sum((s.get("mean_us") or 0.0) * (s.get("count") or 0.0) for s in stages.values())
        per_request = {
            name: (s.get("mean_us") or 0.0) * (s.get("count") or 0.0) / requests
            for name, s in stages.items()
        }
        out.append({
            "stream": _stage_name(f),
            "server_cpu_us": f["server_cpu_us"],
            "floor_cpu_us": row.floor["server_cpu_us"],
            "stages_us": total / requests,
            "largest": sorted(per_request.items(), key=lambda kv: -kv[1])[:3],
        })  # fmt: skip
    return out
