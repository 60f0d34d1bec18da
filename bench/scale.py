"""Scale: replay 1M signups through the scoring core, in memory and in Redis; memory and cost.

Method (stated in BENCHMARKS.md): the replay drives :class:`service.scoring.Scorer`, built by
``service.app.build_components`` exactly as the server builds it, GC tuned as the server tunes it
(``service.app.tune_gc``; event clock, SQLite decision log in a temporary directory, no decision
log lines), in one process without gRPC: 1M requests
through gRPC would take the same scoring CPU plus the transport, which the other cases measure.
A second process simulates the events while the first scores them.

Events: one-week chunks of the shipped simulator config at 10x the organic volume (~7,000
signups a day plus the hard-negative cohorts and campaigns that fall in the week), fresh seed
per chunk, consecutive weeks; API-key events are dropped. So ~1M signups span ~20 weeks, and a
store keeping 8 days (the default retention) holds ~60k signups' worth of entities.

Redis: a private ``redis-server`` on a free port when one is installed (:mod:`bench.redisserver`),
so ``used_memory`` is the replay's alone and the shared Redis is not filled with millions of keys.

Reported per window of 20k signups: wall time per call (p50, p99, max), process CPU per call
(the scoring thread and the decision writer), RSS; at the end, Redis ``used_memory`` growth and
the number of keys under the run's prefix (Redis keys expire by wall-clock TTL, so all of them
are still there), bytes per state key, and CPython's full garbage collections (count, longest
pause): a full collection walks every object the in-memory state holds.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import queue
import resource
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import yaml

from bench import machine, procstat
from bench.pool import DEFAULT_CONFIG
from bench.redisinfo import RedisProbe
from bench.redisserver import private_redis
from bench.stats import summary
from service.app import build_components, tune_gc
from service.config import ClockMode, Settings
from service.domain import SignupEvent
from service.state import MemoryStateStore

Log = Callable[[str], None]
SEED = 3301
CHUNK_DAYS = 7
VOLUME = 10.0  # times the shipped config's organic signups per day
WINDOW = 20_000
WARMUP = 5_000
_QUEUE_TIMEOUT_S = 600.0
_MAX_CHUNKS = 1000


def _chunk_mapping(index: int) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    start = data["start"]
    first = start if isinstance(start, date) else date.fromisoformat(str(start))
    data["start"] = (first + timedelta(days=CHUNK_DAYS * index)).isoformat()
    data["days"] = CHUNK_DAYS
    data["legit"]["signups_per_day"] = data["legit"]["signups_per_day"] * VOLUME
    data["legit"]["key_share"] = 0.0
    data["campaigns"] = [c for c in data.get("campaigns", []) if c["start_day"] < CHUNK_DAYS]
    return data


def _produce(out: Queue[list[SignupEvent] | None], wanted: int) -> None:
    """Simulate chunks until ``wanted`` signups were queued (a separate process)."""
    from training.simulate import config_from_mapping, simulate  # noqa: PLC0415  # worker-only

    sent = 0
    for index in range(_MAX_CHUNKS):
        if sent >= wanted:
            break
        config = config_from_mapping(_chunk_mapping(index))
        events = [
            r.event for r in simulate(config, SEED + index) if isinstance(r.event, SignupEvent)
        ]
        events = events[: wanted - sent]
        out.put(events, timeout=_QUEUE_TIMEOUT_S)
        sent += len(events)
    out.put(None, timeout=_QUEUE_TIMEOUT_S)


def _events(wanted: int) -> Any:
    """Yield simulated signups produced by a child process, chunk by chunk."""
    ctx = get_context("spawn")
    chunks: Queue[list[SignupEvent] | None] = ctx.Queue(maxsize=2)
    producer = ctx.Process(target=_produce, args=(chunks, wanted), daemon=True)
    producer.start()
    try:
        for _ in range(_MAX_CHUNKS):
            try:
                chunk = chunks.get(timeout=_QUEUE_TIMEOUT_S)
            except queue.Empty as exc:
                raise TimeoutError("the simulator process produced nothing in time") from exc
            if chunk is None:
                return
            yield from chunk
    finally:
        producer.terminate()
        producer.join(timeout=10)


def _window(latencies: list[float], cpu_s: float, index: int, rss: int) -> dict[str, Any]:
    figures = summary(latencies)
    return {
        "upto": index,
        "p50_us": figures.get("p50", math.nan),
        "p99_us": figures.get("p99", math.nan),
        "max_us": figures.get("max", math.nan),
        "cpu_us": cpu_s / len(latencies) * 1e6 if latencies else math.nan,
        "rss_bytes": rss,
    }


def replay(state: str, signups: int, redis_url: str, log: Log) -> dict[str, Any]:
    """Score ``signups`` simulated signups with ``state`` ("memory" or "redis")."""
    prefix = f"sgbench-scale:{uuid.uuid4().hex[:12]}:"
    probe = RedisProbe(redis_url) if state == "redis" else None
    redis_before = probe.used_memory() if probe else 0
    started = time.monotonic()
    record: dict[str, Any] = {"state": state}
    try:
        with tempfile.TemporaryDirectory(prefix="sgbench-scale-") as tmp:
            settings = Settings(
                clock=ClockMode.EVENT,
                state_url="memory://" if state == "memory" else redis_url,
                state_key_prefix=prefix,
                database_url=f"sqlite:///{Path(tmp) / 'decisions.db'}",
            )
            components = build_components(settings)
            tune_gc(settings.gc_gen0_threshold)  # as `signupguard serve` does once built
            try:
                record.update(_score_all(components, signups, log, state))
                record["redis_used_memory_delta_bytes"] = (
                    probe.used_memory() - redis_before if probe else None
                )
                if isinstance(components.state, MemoryStateStore):
                    sizes = components.state.size()
                    record["memory_store_keys"] = sizes
                    record["entities"] = sum(sizes.values())
                    grown = record["rss_end_bytes"] - record["rss_start_bytes"]
                    record["bytes_per_entity"] = grown / max(1, record["entities"])
            finally:
                components.close()
        if probe is not None:
            keys = probe.count_prefix(prefix)
            record["entities"] = keys
            record["bytes_per_entity"] = (record["redis_used_memory_delta_bytes"] or 0) / max(
                1, keys
            )
    finally:
        if probe is not None:
            deleted = probe.delete_prefix(prefix)
            log(f"  deleted {deleted:,} Redis keys under {prefix}")
            probe.close()
    record["wall_s"] = time.monotonic() - started
    return record


class _GcPauses:
    """Durations of CPython's full (generation 2) collections while installed."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        elif self._began:
            self.pauses.append((time.perf_counter() - self._began) * 1e3)

    def figures(self) -> dict[str, float]:
        """Count, total, max of the pauses (milliseconds)."""
        return {
            "count": len(self.pauses),
            "total_ms": sum(self.pauses),
            "max_ms": max(self.pauses, default=0.0),
        }


def _score_all(components: Any, signups: int, log: Log, state: str) -> dict[str, Any]:
    pauses = _GcPauses()
    gc.callbacks.append(pauses)
    try:
        record = _score_loop(components, signups, log, state)
    finally:
        gc.callbacks.remove(pauses)
    record["gc_full_collections"] = pauses.figures()
    return record


def _score_loop(components: Any, signups: int, log: Log, state: str) -> dict[str, Any]:
    scorer = components.scorer
    rss_start = procstat.process_rss(os.getpid())
    windows: list[dict[str, Any]] = []
    latencies: list[float] = []
    cpu_mark = time.process_time()
    count = 0
    degraded = 0
    for event in _events(signups):
        began = time.perf_counter()
        decision = scorer.score_signup(event)
        latencies.append((time.perf_counter() - began) * 1e6)
        degraded += decision.degraded
        count += 1
        if count == WARMUP:
            latencies, cpu_mark = [], time.process_time()
        elif count > WARMUP and len(latencies) == WINDOW:
            cpu = time.process_time() - cpu_mark
            windows.append(_window(latencies, cpu, count, procstat.process_rss(os.getpid())))
            last = windows[-1]
            log(
                f"  {state} {count:>9,}: p50 {last['p50_us']:.0f} us, "
                f"p99 {last['p99_us']:.0f} us, cpu {last['cpu_us']:.0f} us, "
                f"rss {last['rss_bytes'] / 2**20:.0f} MiB"
            )
            latencies, cpu_mark = [], time.process_time()
    first, final = windows[0], windows[-1]
    return {
        "state": state,
        "signups": count,
        "windows": windows,
        "degraded": degraded,
        "rss_start_bytes": rss_start,
        "rss_end_bytes": procstat.process_rss(os.getpid()),
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "growth": {
            "p50": final["p50_us"] / first["p50_us"],
            "p99": final["p99_us"] / first["p99_us"],
            "cpu_per_signup": final["cpu_us"] / first["cpu_us"],
        },
    }


def _print(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _replay_child(state: str, signups: int, redis_url: str, conn: Connection) -> None:
    """Entry of the replay process: its RSS starts clean, its result goes back through ``conn``."""
    signal.signal(signal.SIGTERM, _interrupt)  # unwind, deleting the replay's Redis keys
    try:
        conn.send(replay(state, signups, redis_url, _print))
    except Exception as exc:
        conn.send(f"{type(exc).__name__}: {exc}")
        raise


def run(
    signups: int, redis_url: str, log: Log, states: tuple[str, ...] = ("memory", "redis")
) -> dict[str, Any]:
    """The replays of ``states``, in order (both by default: memory, then Redis)."""
    if signups < WARMUP + 2 * WINDOW:
        raise ValueError(f"need at least {WARMUP + 2 * WINDOW} signups for two windows")
    runs = []
    ctx = get_context("spawn")
    for state in states:
        with private_redis(redis_url) if state == "redis" else contextlib.nullcontext("") as url:
            where = f" at {url}" if url else ""
            log(f"scale: replaying {signups:,} signups, {state} state{where}, fresh process")
            parent, child = ctx.Pipe()
            worker = ctx.Process(target=_replay_child, args=(state, signups, url, child))
            worker.start()
            child.close()
            try:
                result = parent.recv()
            except EOFError as exc:
                raise RuntimeError(f"the {state} replay process died") from exc
            except BaseException:
                worker.terminate()  # interrupted: SIGTERM runs the replay's clean-up
                raise
            finally:
                worker.join(timeout=60)
        if isinstance(result, str):
            raise RuntimeError(f"{state} replay failed: {result}")
        result["redis_url"] = url or None
        runs.append(result)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": (
            f"In-process replay through `service.scoring.Scorer` (built by "
            f"`service.app.build_components`, GC tuned as in `serve`, event clock, SQLite "
            f"decision log, no decision log lines), no gRPC. Events: consecutive "
            f"{CHUNK_DAYS}-day chunks of the shipped simulator config at {VOLUME:g}× the organic "
            f"volume, fresh seed per chunk, signups only. Start = signups "
            f"{WARMUP:,}–{WARMUP + WINDOW:,}; end = the last {WINDOW:,}. "
            "Redis: a private redis-server (no persistence) when one is installed, so "
            "`used_memory` growth is the replay's own."
        ),
        "machine": machine.describe(redis_url),
        "runs": runs,
    }
