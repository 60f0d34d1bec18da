"""Which servers run which phases: the benchmark's instances, built from the options.

The machine is noisy (other work shares its two cores), so a figure and its floor are taken
seconds apart: an instance starts the floor and the project side by side (an idle server costs
nothing) and alternates their phases, same shape each time. Cases (``--cases``):

=========  ==============================================================================
floor      the empty-handler server: every instance below gets its floor phases
main       project with in-memory state, 1 process: ``--reps`` rounds of closed-loop
           signup and API-key phases (the headline CPU ratios), then one request at a
           time, then open loop at ``--rates``
attack     project, in-memory, 1 process: ``--reps`` rounds of normal signups then the
           attack stream (~90 % BLOCK), closed loop (throughput ratio)
redis      project with Redis state, 1 process: closed signup and key, open loop
reuseport  2 processes per server on one port (SO_REUSEPORT): floor, in-memory and Redis
           (one Redis for both): closed signup, open loop
profile    project with --profile-stages: one request at a time (signup, key, attack),
           stage means scraped from /metrics
=========  ==============================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.phases import LoadOptions, Phase, Rpc, Source
from bench.servers import ServerConfig

CASES = ("floor", "main", "attack", "redis", "reuseport", "profile")
RPCS: tuple[Rpc, ...] = ("signup", "api_key")


@dataclass(frozen=True, slots=True)
class Options:
    """Durations and shapes of the whole run."""

    quick: bool = False
    reps: int = 3
    ramp_s: float = 1.0
    closed_s: float = 8.0
    attack_s: float = 5.0
    open_s: float = 5.0
    sequential_s: float = 4.0
    rates: tuple[float, ...] = (250.0, 500.0, 1000.0)
    concurrency: int = 32
    workers: int = 8
    warmup: int = 1000
    cases: tuple[str, ...] = CASES
    reuse_port: bool = True  # whether the project can share a port (signupguard serve flag)
    redis: bool = True  # whether Redis answers (the Redis servers are left out otherwise)
    pin: bool = True  # pin server processes to CPUs (see bench.servers.server_cpus)
    redis_url: str = "redis://127.0.0.1:6379/0"
    decision_log: bool = True
    load: LoadOptions = field(default_factory=LoadOptions)


@dataclass(frozen=True, slots=True)
class Instance:
    """Server groups started together and the phases they serve, in order."""

    case: str
    servers: tuple[tuple[str, ServerConfig], ...]
    phases: tuple[Phase, ...]


def _source(rpc: Rpc, attack: bool) -> Source:
    if attack:
        return "attack"
    return "signups" if rpc == "signup" else "keys"


class _Builder:
    """Phase factory bound to the options."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts

    def closed(self, server: str, rpc: Rpc, round_: int = 1, seconds: float = 0.0) -> Phase:
        o = self.opts
        return Phase(
            name="closed", rpc=rpc, source=_source(rpc, False), concurrency=o.concurrency,
            ramp_s=o.ramp_s, duration_s=seconds or o.closed_s, server=server, round=round_,
        )  # fmt: skip

    def attack(self, server: str, round_: int) -> Phase:
        o = self.opts
        return Phase(
            name="attack", rpc="signup", source="attack", concurrency=o.concurrency,
            ramp_s=o.ramp_s, duration_s=o.attack_s, server=server, round=round_,
        )  # fmt: skip

    def sequential(self, server: str, rpc: Rpc, attack: bool = False) -> Phase:
        o = self.opts
        return Phase(
            name="sequential attack" if attack else "sequential", rpc=rpc,
            source=_source(rpc, attack), concurrency=1, ramp_s=o.ramp_s,
            duration_s=o.sequential_s, server=server,
        )  # fmt: skip

    def open(self, server: str, rate: float) -> Phase:
        o = self.opts
        return Phase(
            name="open", rpc="signup", source="signups", mode="open", concurrency=0, rate=rate,
            ramp_s=o.ramp_s, duration_s=o.open_s, server=server,
        )  # fmt: skip

    def warmup(self, server: str) -> Phase:
        o = self.opts
        return Phase(
            name="warm-up", rpc="signup", source="signups", concurrency=o.concurrency,
            count=o.warmup, server=server,
        )  # fmt: skip


def _instance(case: str, servers: dict[str, ServerConfig], phases: list[Phase]) -> Instance:
    """Keep the phases of the servers present; None when nothing is left to run."""
    kept = tuple(p for p in phases if p.server in servers)
    return Instance(case, tuple(servers.items()), kept)


def build_plan(opts: Options) -> list[Instance]:
    """The instances to run, in order (an instance with no measured phase is dropped)."""
    b = _Builder(opts)
    cases = set(opts.cases)

    def project(state: str, processes: int = 1, profile: bool = False) -> ServerConfig:
        return ServerConfig(
            "project",
            processes,
            "redis" if state == "redis" else "memory",
            workers=opts.workers,
            profile_stages=profile,
            decision_log=opts.decision_log,
            redis_url=opts.redis_url,
            pin=opts.pin,
        )

    floor1 = (
        {"floor": ServerConfig("floor", 1, workers=opts.workers, pin=opts.pin)}
        if "floor" in cases
        else {}
    )
    plan: list[Instance] = []

    main: list[Phase] = [b.warmup("project")]
    for r in range(1, opts.reps + 1):
        for rpc in RPCS:
            main += [b.closed("floor", rpc, r), b.closed("project", rpc, r)]
    for rpc in RPCS:
        main += [b.sequential("floor", rpc), b.sequential("project", rpc)]
    for rate in opts.rates:
        main += [b.open("floor", rate), b.open("project", rate)]
    main_servers = dict(floor1)
    if "main" in cases:
        main_servers["project"] = project("memory")
    plan.append(_instance("main", main_servers, main))

    if "attack" in cases:
        attack: list[Phase] = [b.warmup("project")]
        for r in range(1, opts.reps + 1):
            attack += [b.closed("project", "signup", r, opts.attack_s), b.attack("project", r)]
        plan.append(_instance("attack", {"project": project("memory")}, attack))

    if "redis" in cases and opts.redis:
        redis = [b.warmup("project")]
        for rpc in RPCS:
            redis += [b.closed("floor", rpc), b.closed("project", rpc)]
        for rate in opts.rates:
            redis += [b.open("floor", rate), b.open("project", rate)]
        plan.append(_instance("redis", {**floor1, "project": project("redis")}, redis))

    if "reuseport" in cases:
        servers: dict[str, ServerConfig] = {}
        if "floor" in cases:
            servers["floor"] = ServerConfig("floor", 2, workers=opts.workers, pin=opts.pin)
        if opts.reuse_port:
            servers["memory"] = project("memory", 2)
            if opts.redis:
                servers["redis"] = project("redis", 2)
        names = list(servers)
        two = [b.warmup(name) for name in names if name != "floor"]
        two += [b.closed(name, "signup") for name in names]
        for rate in opts.rates:
            two += [b.open(name, rate) for name in names]
        plan.append(_instance("reuseport", servers, two))

    if "profile" in cases:
        profile = [
            b.warmup("project"),
            b.sequential("project", "signup"),
            b.sequential("project", "api_key"),
            b.sequential("project", "signup", attack=True),
        ]
        plan.append(_instance("profile", {"project": project("memory", profile=True)}, profile))
    return [inst for inst in plan if any(p.measured for p in inst.phases)]
