"""Run one instance: start its server groups, feed their phases from the pool, stop, clean Redis.

A server never sees the same event twice: each server has a cursor per source (signups, API
keys, attack) that only moves forward; different servers may be sent the same events. Before
an API-key phase the project gets, unmeasured, the signups that precede the keys it is about to
score (a key's features read its account's signup).
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import procstat, profile
from bench.load import ClientPool
from bench.phases import Phase, run_phase
from bench.plan import Instance, Options
from bench.pool import Pool
from bench.redisinfo import RedisProbe
from bench.servers import ServerConfig, ServerGroup, client_cpus, server_cpus

Log = Callable[[str], None]
_FLOOR_RPS_GUESS = 6000.0
_PROJECT_RPS_GUESS = 1500.0
_FLOOR_SLICE = 30_000  # distinct requests handed to the floor per phase (then repeated)
_SETTLE_BOUND_S = 30.0
_SETTLE_SAMPLE_S = 0.3
_IDLE_CORES = 0.05  # below this CPU use (cores) a server counts as idle


@dataclass
class _Served:
    """One server group of the instance and what it has been sent so far."""

    name: str
    config: ServerConfig
    group: ServerGroup
    probe: RedisProbe | None
    cursors: dict[str, int] = field(default_factory=lambda: {"signups": 0, "keys": 0, "attack": 0})
    # Throughput seen so far per RPC, to size the next phase's slice of the pool.
    guess_rps: dict[str, float] = field(default_factory=dict)
    redis_before: int = 0

    def guess(self, rpc: str) -> float:
        """Expected closed-loop throughput of ``rpc`` (keys: at least the signups' rate)."""
        default = _FLOOR_RPS_GUESS if self.config.kind == "floor" else _PROJECT_RPS_GUESS
        signup = self.guess_rps.get("signup", default)
        return self.guess_rps.get(rpc, signup * (1.5 if rpc == "api_key" else 1.0))

    @property
    def project(self) -> bool:
        return self.config.kind == "project"


def run_instance(inst: Instance, pool: Pool, opts: Options, log: Log) -> dict[str, Any]:
    """Serve the instance's phases and return its record (one dict per measured phase)."""
    record: dict[str, Any] = {
        "case": inst.case,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "servers": {},
        "phases": [],
    }
    served: list[_Served] = []
    with contextlib.ExitStack() as stack:
        # Exits in reverse: clients, servers, Redis clean-up, then the temporary directory.
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="sgbench-"))
        stack.callback(_cleanup_redis, served, record)
        for name, cfg in inst.servers:
            redis = cfg.kind == "project" and cfg.state == "redis"
            probe = RedisProbe(cfg.redis_url) if redis else None
            item = _Served(name, cfg, ServerGroup(cfg, Path(tmp)), probe)
            item.redis_before = probe.used_memory() if probe else 0
            served.append(item)
            log(f"  starting {name}: {cfg.label()}")
            stack.enter_context(item.group)
        cpus = client_cpus([cfg for _, cfg in inst.servers])
        clients = stack.enter_context(ClientPool(opts.load.clients, cpus))
        record["client_cpus"] = sorted(cpus) if cpus else None
        by_name = {s.name: s for s in served}
        for s in served:
            record["servers"][s.name] = _describe(s, start=True)
        pids = [pid for item in served for pid in item.group.pids]
        for phase in inst.phases:
            _one_phase(by_name[phase.server], pids, clients, phase, pool, opts, record, log)
        for s in served:
            record["servers"][s.name].update(_describe(s, start=False))
    return record


def _describe(s: _Served, *, start: bool) -> dict[str, Any]:
    if start:
        return {
            "label": s.config.label(),
            "kind": s.config.kind,
            "processes": s.config.processes,
            "state": s.config.state if s.project else None,
            "workers": s.config.workers,
            "cpus": [
                sorted(c) if (c := server_cpus(s.config, i)) else None
                for i in range(s.config.processes)
            ],
            "rss_start_bytes": s.group.rss(),
        }
    return {"rss_end_bytes": s.group.rss(), "sent": dict(s.cursors)}


def _cleanup_redis(served: list[_Served], record: dict[str, Any]) -> None:
    """After the servers stopped: measure, then delete the keys each Redis group wrote."""
    for s in served:
        if s.probe is None:
            continue
        prefix = s.group.key_prefix
        info = record["servers"].setdefault(s.name, {})
        try:
            if prefix is not None:
                info["redis_used_memory_delta_bytes"] = s.probe.used_memory() - s.redis_before
                info["redis_keys"] = s.probe.count_prefix(prefix)
                info["redis_keys_deleted"] = s.probe.delete_prefix(prefix)
        finally:
            s.probe.close()


def _sources(pool: Pool) -> dict[str, list[bytes]]:
    return {"signups": pool.signups, "keys": pool.keys, "attack": pool.attack}


def _settle(pids: list[int], log: Log) -> None:
    """Wait until every server of the instance is idle (an overloaded one may still be working
    through a backlog its clients gave up on), at most ``_SETTLE_BOUND_S``."""
    deadline = time.monotonic() + _SETTLE_BOUND_S
    while time.monotonic() < deadline:
        before = sum(procstat.process_cpu(pid).total for pid in pids)
        time.sleep(_SETTLE_SAMPLE_S)
        busy = sum(procstat.process_cpu(pid).total for pid in pids) - before
        if busy / _SETTLE_SAMPLE_S < _IDLE_CORES:
            return
    log(f"  (servers still busy after {_SETTLE_BOUND_S:.0f} s; measuring anyway)")


def _one_phase(
    s: _Served,
    pids: list[int],
    clients: ClientPool,
    phase: Phase,
    pool: Pool,
    opts: Options,
    record: dict[str, Any],
    log: Log,
) -> None:
    if phase.source == "keys" and s.project:
        _top_up(s, clients, phase, pool, opts)
    source = _sources(pool)[phase.source]
    budget = phase.budget(s.guess(phase.rpc))
    if not s.project:
        # The floor keeps no state: its clients cycle through a slice as long as they need.
        budget = min(budget, _FLOOR_SLICE)
        if s.cursors[phase.source] + budget > len(source):
            s.cursors[phase.source] = 0
    start = s.cursors[phase.source]
    requests = source[start : start + budget]
    if not requests:
        log(f"  {s.name} {phase.name} {phase.rpc}: pool exhausted, skipped")
        return
    if phase.measured:
        _settle(pids, log)
    before = profile.parse(s.group.metrics()) if s.project else None
    figures, used = run_phase(s.group, clients, phase, requests, opts.load, s.probe)
    s.cursors[phase.source] += used
    if not s.group.alive():
        raise RuntimeError(f"{s.name}: a server process exited during {phase.name}")
    if figures is None:
        return
    figures = {"server": s.name, "label": s.config.label(), **figures}
    figures["pool_start"], figures["pool_used"] = start, used
    if phase.source == "keys" and s.project:
        known = pool.signups_before_key[start : start + used]
        seen = s.cursors["signups"]
        figures["keys_after_their_signups"] = (
            round(sum(b <= seen for b in known) / len(known), 4) if known else None
        )
    if before is not None:
        after = profile.parse(s.group.metrics())
        figures["requests_split"] = profile.requests_split(before, after)
        if s.config.profile_stages:
            figures["stages"] = profile.jsonable(profile.stage_means(before, after))
    if phase.name == "closed" and math.isfinite(figures["rps"]):
        s.guess_rps[phase.rpc] = max(100.0, figures["rps"])
    record["phases"].append(figures)
    log(_line(figures))


def _top_up(s: _Served, clients: ClientPool, phase: Phase, pool: Pool, opts: Options) -> None:
    """Send, unmeasured, the signups that precede the keys this phase will probably send."""
    if phase.mode == "open":
        expected = phase.budget(s.guess(phase.rpc))
    else:
        expected = math.ceil(s.guess(phase.rpc) * (phase.ramp_s + phase.duration_s) * 1.2)
    last = min(len(pool.keys), s.cursors["keys"] + expected) - 1
    if last < 0:
        return
    need = min(len(pool.signups), pool.signups_before_key[last]) - s.cursors["signups"]
    if need <= 0:
        return
    warm = Phase("top-up", "signup", "signups", "closed", opts.concurrency, count=need)
    start = s.cursors["signups"]
    requests = pool.signups[start : start + need]
    _, used = run_phase(s.group, clients, warm, requests, opts.load, s.probe)
    s.cursors["signups"] += used


def _line(f: dict[str, Any]) -> str:
    lat = f["latency_us"]
    errors = sum(f["errors"].values())
    p50 = lat.get("p50", math.nan) / 1000
    p99 = lat.get("p99", math.nan) / 1000
    return (
        f"  {f['server']:<8} {f['phase']:<18} {f['rpc']:<8} {f['load']:>7} r{f['round']} "
        f"{f['rps']:7.0f} rps  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
        f"server {f['server_cpu_us']:5.0f} us/req  client {f['client_cpu_us']:4.0f}  "
        f"other {f['other_cores']:.2f} cores  errors {errors}"
    )
