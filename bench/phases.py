"""One phase of load against a running server group, measured at the window boundaries.

The benchmark starts the clients, gives them a common start time ``t0``, sleeps to the start of
the measured window (after the ramp), reads the CPU of the servers, the clients, Redis and the
whole machine, sleeps to the end of the window and reads them again. CPU per request is the
window's CPU divided by the answers that arrived inside the window; "other" CPU is what the rest
of the machine (other sessions, the kernel's own threads) burnt meanwhile, the noise gauge.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from bench import procstat
from bench.load import ClientPool, LoadResult, LoadSpec, Mode
from bench.procstat import CpuTimes, MachineCpu
from bench.redisinfo import RedisProbe
from bench.servers import ServerGroup
from bench.stats import summary
from service.api.gen.signupguard.v1 import scoring_pb2 as pb

Rpc = Literal["signup", "api_key"]
Source = Literal["signups", "keys", "attack"]
METHODS: dict[Rpc, str] = {
    "signup": "/signupguard.v1.ScoringService/ScoreSignup",
    "api_key": "/signupguard.v1.ScoringService/ScoreApiKeyCreation",
}
_RESPONSES: dict[Rpc, Any] = {
    "signup": pb.ScoreSignupResponse,
    "api_key": pb.ScoreApiKeyCreationResponse,
}
_WARMUP_BOUND_S = 300.0


@dataclass(frozen=True, slots=True)
class Phase:
    """A load pattern: what to send, how, for how long."""

    name: str  # "closed", "open", "sequential", "attack", "warm-up"
    rpc: Rpc
    source: Source
    mode: Mode = "closed"
    concurrency: int = 32
    rate: float = 0.0
    ramp_s: float = 1.0
    duration_s: float = 8.0
    count: int | None = None  # warm-up: send exactly this many, unmeasured
    server: str = "project"  # which of the instance's server groups it loads
    round: int = 1  # repetition number of the same phase within the instance

    @property
    def measured(self) -> bool:
        """Whether the phase is reported (warm-ups are not)."""
        return self.count is None

    def load(self) -> str:
        """The load in words: ``c=32`` or ``500/s``."""
        return f"{self.rate:g}/s" if self.mode == "open" else f"c={self.concurrency}"

    def budget(self, guess_rps: float) -> int:
        """The most requests this phase may take from the pool."""
        if self.count is not None:
            return self.count
        if self.mode == "open":
            return math.ceil(self.rate * (self.ramp_s + self.duration_s)) + 16
        return math.ceil(guess_rps * (self.ramp_s + self.duration_s) * 1.5) + 1000


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How the load generator is shaped."""

    clients: int = 1  # client processes
    channels: int = 32  # connections per client (SO_REUSEPORT balances connections)
    timeout_s: float = 5.0
    keep_responses: int = 50_000


@dataclass(frozen=True, slots=True)
class _Snapshot:
    at: float
    servers: list[CpuTimes]
    clients: list[CpuTimes]
    machine: MachineCpu
    redis: CpuTimes | None


def _snapshot(servers: list[int], clients: list[int], redis: RedisProbe | None) -> _Snapshot:
    return _Snapshot(
        at=time.monotonic(),
        servers=[procstat.process_cpu(pid) for pid in servers],
        clients=[procstat.process_cpu(pid) for pid in clients],
        machine=procstat.machine_cpu(),
        redis=redis.cpu() if redis is not None else None,
    )


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _specs(
    group: ServerGroup, phase: Phase, requests: list[bytes], opts: LoadOptions
) -> list[tuple[LoadSpec, list[bytes]]]:
    clients = max(1, min(opts.clients, len(requests)))
    work = []
    for index in range(clients):
        if phase.mode == "closed":
            share = phase.concurrency // clients + (1 if index < phase.concurrency % clients else 0)
            rate, offset = 0.0, 0.0
        else:
            share, rate, offset = 0, phase.rate / clients, index / phase.rate
        measured = phase.measured
        spec = LoadSpec(
            target=group.target,
            method=METHODS[phase.rpc],
            mode=phase.mode,
            concurrency=max(1, share),
            rate=rate,
            offset_s=offset,
            channels=min(opts.channels, max(1, share)) if phase.mode == "closed" else opts.channels,
            ramp_s=phase.ramp_s if measured else 0.0,
            duration_s=phase.duration_s if measured else _WARMUP_BOUND_S,
            timeout_s=opts.timeout_s,
            keep_responses=opts.keep_responses // clients if measured else 0,
            repeat=group.config.kind == "floor",
        )
        work.append((spec, requests[index::clients]))
    return work


def _used(results: list[LoadResult]) -> int:
    """How far into the phase's slice the interleaved clients got."""
    clients = len(results)
    last = [i + (r.used - 1) * clients for i, r in enumerate(results) if r.used > 0]
    return max(last) + 1 if last else 0


def run_phase(
    group: ServerGroup,
    clients: ClientPool,
    phase: Phase,
    requests: list[bytes],
    opts: LoadOptions,
    redis: RedisProbe | None = None,
) -> tuple[dict[str, Any] | None, int]:
    """Run one phase; returns its figures (None for a warm-up) and the requests it used."""
    clients.start(_specs(group, phase, requests, opts))
    t0 = clients.go()
    if not phase.measured:
        results = clients.results(_WARMUP_BOUND_S + 60.0)
        _raise_if_failed(results, phase)
        return None, _used(results)
    _sleep_until(t0 + phase.ramp_s)
    before = _snapshot(group.pids, clients.pids, redis)
    _sleep_until(t0 + phase.ramp_s + phase.duration_s)
    after = _snapshot(group.pids, clients.pids, redis)
    results = clients.results(opts.timeout_s + 60.0)
    return _figures(phase, results, before, after), _used(results)


def _raise_if_failed(results: list[LoadResult], phase: Phase) -> None:
    errors = Counter[str]()
    for result in results:
        errors.update(result.errors)
    if sum(errors.values()) > 0:
        raise RuntimeError(f"{phase.name} {phase.rpc}: errors during warm-up: {dict(errors)}")


def _cpu_sum(values: list[CpuTimes]) -> CpuTimes:
    total = CpuTimes()
    for value in values:
        total = total + value
    return total


def _figures(
    phase: Phase, results: list[LoadResult], before: _Snapshot, after: _Snapshot
) -> dict[str, Any]:
    window = after.at - before.at
    exhausted = any(r.exhausted for r in results)
    # A client that ran out of requests leaves the server idle for the rest of the window: CPU
    # per request stays right, throughput is over the time the answers actually took.
    last = max((r.last_done for r in results), default=0.0)
    busy_window = last - before.at if exhausted and last > before.at else window
    ok = sum(r.window_ok for r in results)
    per_server = [a - b for a, b in zip(after.servers, before.servers, strict=True)]
    server = _cpu_sum(per_server)
    client = _cpu_sum([a - b for a, b in zip(after.clients, before.clients, strict=True)])
    machine = after.machine - before.machine
    redis_cpu = (
        after.redis - before.redis if after.redis is not None and before.redis is not None else None
    )
    ours = server.total + client.total + (redis_cpu.total if redis_cpu else 0.0)
    errors: Counter[str] = Counter()
    window_errors: Counter[str] = Counter()
    for result in results:
        errors.update(result.errors)
        window_errors.update(result.window_errors)

    def per_request(seconds: float) -> float:
        return seconds / ok * 1e6 if ok else math.nan

    figures: dict[str, Any] = {
        "phase": phase.name,
        "round": phase.round,
        "rpc": phase.rpc,
        "source": phase.source,
        "mode": phase.mode,
        "load": phase.load(),
        "concurrency": phase.concurrency if phase.mode == "closed" else None,
        "rate": phase.rate if phase.mode == "open" else None,
        "window_s": window,
        "requests": ok,
        "answers_in_window": sum(r.window_done for r in results),
        "rps": ok / busy_window if busy_window > 0 else math.nan,
        "errors": dict(window_errors),
        "errors_total": dict(errors),
        "exhausted": exhausted,
        "latency_us": summary(v for r in results for v in r.latency_us),
        "server_cpu_us": per_request(server.total),
        "server_user_us": per_request(server.user),
        "server_system_us": per_request(server.system),
        "server_cores": server.total / window,
        "server_split": [round(c.total / server.total, 3) if server.total else None
                         for c in per_server],
        "client_cpu_us": per_request(client.total),
        "client_cores": client.total / window,
        "redis_cpu_us": per_request(redis_cpu.total) if redis_cpu else None,
        "machine_busy_cores": machine.busy / window,
        "other_cores": max(0.0, machine.busy - ours) / window,
        "steal_cores": machine.steal / window,
    }  # fmt: skip
    if phase.mode == "open":
        figures["service_latency_us"] = summary(v for r in results for v in r.service_us)
        figures["send_lag_us"] = summary(v for r in results for v in r.lag_us)
        figures["late_starts"] = sum(r.late_starts for r in results)
    figures["decisions"] = _decisions(phase.rpc, [b for r in results for b in r.responses])
    return figures


def _decisions(rpc: Rpc, responses: list[bytes]) -> dict[str, Any]:
    """Share of each action, of answers with reasons and of degraded answers."""
    if not responses:
        return {}
    actions: Counter[str] = Counter()
    reasons = degraded = 0
    kind = _RESPONSES[rpc]
    for blob in responses:
        decision = kind.FromString(blob).decision
        actions[pb.Action.Name(decision.action)] += 1
        reasons += bool(decision.reasons)
        degraded += decision.degraded
    total = len(responses)
    return {
        "sampled": total,
        "actions": {name: round(count / total, 4) for name, count in sorted(actions.items())},
        "with_reasons": round(reasons / total, 4),
        "degraded": round(degraded / total, 4),
    }
