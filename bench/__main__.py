"""``python -m bench``: the whole benchmark, results to bench/results/, summary to BENCHMARKS.md.

    python -m bench                       # every case, 3 reps of the headline pair (~8 min)
    python -m bench --quick               # smoke run (~2 min), BENCHMARKS.md left alone
    python -m bench --quick --cases floor # the floor alone (< 30 s once the pool is cached)
    python -m bench --scale               # also replay 1M signups (memory, then Redis: long)
    python -m bench --report bench/results/run-....json   # rewrite BENCHMARKS.md only

Servers are subprocesses on free loopback ports; every one is stopped on exit, on Ctrl-C and
on SIGTERM, and Redis keys written under the run's own prefix are deleted.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine, report, scale
from bench.phases import LoadOptions
from bench.plan import CASES, Options, build_plan
from bench.pool import load_pool
from bench.redisinfo import redis_reachable
from bench.runner import run_instance
from bench.servers import reuse_port_supported

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
MARKDOWN = HERE.parent / "BENCHMARKS.md"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="short phases, one rep, no BENCHMARKS.md update")
    add("--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}")
    add("--reps", type=int, help="repetitions of floor+memory (default 3, quick 1)")
    add("--ramp-s", type=float, help="unmeasured start of every phase (1, quick 0.3)")
    add("--closed-s", type=float, help="measured seconds of closed-loop phases (8, quick 1.5)")
    add("--attack-s", type=float, help="measured seconds of attack rounds (5, quick 1.5)")
    add("--open-s", type=float, help="measured seconds of open-loop phases (5, quick 1.5)")
    add("--sequential-s", type=float, help="measured seconds of 1-in-flight phases (4, quick 1.5)")
    add("--rates", type=_floats, help="open-loop rates, req/s (250,500,1000; quick 500,1000)")
    add("--concurrency", type=int, default=32, help="closed loop: requests in flight")
    add("--workers", type=int, default=8, help="server thread pool size (floor and project)")
    add("--clients", type=int, default=1, help="load generator processes")
    add("--channels", type=int, default=32, help="connections per client process")
    add("--warmup", type=int, help="unmeasured signups before a project's first phase")
    add("--no-decision-log", action="store_true", help="SIGNUPGUARD_LOG_DECISIONS=false")
    add("--no-pin", action="store_true", help="leave servers and client on every CPU")
    add("--redis-url", default="redis://127.0.0.1:6379/0")
    add("--scale", action="store_true", help="also replay --scale-signups signups (long)")
    add("--scale-only", action="store_true", help="only the scale replay")
    add("--scale-signups", type=int, default=1_000_000)
    add("--scale-states", default="memory,redis", help="which scale replays: memory,redis")
    add(
        "--markdown",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write BENCHMARKS.md (default: only after a full run of every case)",
    )
    add("--report", type=Path, help="rewrite BENCHMARKS.md from this results file and exit")
    return parser


def _options(args: argparse.Namespace) -> Options:
    quick = args.quick
    cases = tuple(c.strip() for c in args.cases.split(",") if c.strip())
    unknown = set(cases) - set(CASES)
    if unknown:
        raise SystemExit(f"unknown cases: {', '.join(sorted(unknown))}")

    def pick(value: float | None, full: float, short: float) -> float:
        return value if value is not None else (short if quick else full)

    return Options(
        quick=quick,
        reps=args.reps or (1 if quick else 3),
        ramp_s=pick(args.ramp_s, 1.0, 0.3),
        closed_s=pick(args.closed_s, 8.0, 1.5),
        attack_s=pick(args.attack_s, 5.0, 1.5),
        open_s=pick(args.open_s, 5.0, 1.5),
        sequential_s=pick(args.sequential_s, 4.0, 1.5),
        rates=args.rates or ((500.0, 1000.0) if quick else (250.0, 500.0, 1000.0)),
        concurrency=args.concurrency,
        workers=args.workers,
        warmup=args.warmup if args.warmup is not None else (300 if quick else 1000),
        cases=cases,
        redis_url=args.redis_url,
        decision_log=not args.no_decision_log,
        pin=not args.no_pin,
        load=LoadOptions(clients=args.clients, channels=args.channels),
    )


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: every server and client is stopped


def run(opts: Options) -> dict[str, Any]:
    """Run every planned instance; a failed instance is recorded and the run goes on."""
    started = time.monotonic()
    skipped: dict[str, str] = {}
    if "reuseport" in opts.cases and not reuse_port_supported():
        skipped["reuseport (project)"] = "signupguard serve has no --reuse-port"
        opts = replace(opts, reuse_port=False)
    if {"redis", "reuseport"} & set(opts.cases) and not redis_reachable(opts.redis_url):
        skipped["Redis state"] = f"no Redis answers at {opts.redis_url}"
        opts = replace(opts, redis=False)
    _log(f"loading the request pool ({'quick' if opts.quick else 'full'}) ...")
    pool = load_pool(quick=opts.quick, attack=bool({"attack", "profile"} & set(opts.cases)))
    _log(f"  {len(pool.signups)} signups, {len(pool.keys)} keys, {len(pool.attack)} attack")
    instances = []
    for inst in build_plan(opts):
        _log(f"{inst.case}:")
        try:
            instances.append(run_instance(inst, pool, opts, _log))
        except (RuntimeError, TimeoutError, OSError) as exc:
            _log(f"  FAILED: {exc}")
            instances.append({"case": inst.case, "failed": str(exc)})
    return {
        "kind": "quick" if opts.quick else "full",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(),
        "options": report.jsonable_options(opts),
        "pool": pool.description,
        "skipped": skipped,
        "instances": instances,
        "runtime_s": round(time.monotonic() - started, 1),
    }


def _save(results: dict[str, Any], prefix: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{prefix}-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, allow_nan=True, default=_nan_safe) + "\n")
    return path


def _nan_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    args = _parser().parse_args(argv)
    # Explicit, so that a run started with SIGINT ignored (a background job) still stops cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(args)
    except KeyboardInterrupt:
        _log("interrupted: servers stopped, Redis keys removed; no results written")
        return 130


def _main(args: argparse.Namespace) -> int:
    if args.report is not None:
        path = report.write_markdown(args.report, MARKDOWN)
        _log(f"wrote {path}")
        return 0
    opts = _options(args)
    results_path: Path | None = None
    if not args.scale_only:
        results = run(opts)
        results_path = _save(results, "quick" if opts.quick else "run")
        _log(f"results: {results_path.relative_to(HERE.parent)}  ({results['runtime_s']:.0f} s)")
        print(report.console_table(results))
    if args.scale or args.scale_only:
        states = tuple(s.strip() for s in args.scale_states.split(",") if s.strip())
        scale_results = scale.run(args.scale_signups, opts.redis_url, _log, states)
        scale_path = _save(scale_results, "scale")
        _log(f"scale results: {scale_path.relative_to(HERE.parent)}")
    full = not opts.quick and set(opts.cases) == set(CASES)
    if results_path is not None and (args.markdown or (args.markdown is None and full)):
        report.write_markdown(results_path, MARKDOWN)
        _log(f"wrote {MARKDOWN.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
