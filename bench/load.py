"""Load generator: grpc.aio client processes sending pre-serialized requests, bytes in and out.

Each client is its own process (spawned, so it shares nothing with the benchmark) holding a
disjoint slice of the request pool, ``channels`` separate HTTP/2 connections (a local subchannel
pool per channel, so SO_REUSEPORT can spread them over server processes) and sends raw bytes
through a method handle without serializers: the client spends no CPU on protobuf.

* closed loop: ``concurrency`` coroutines, each sending its next request when the previous one
  answers (saturation throughput, latency under queueing);
* open loop: requests at fixed times ``t0 + offset + k / rate`` fired by a pacing thread
  (``time.sleep`` wakes within ~0.1 ms, where asyncio timers round up to 1 ms) whatever the
  server does; latency runs from the *scheduled* time, so a stalled server or a late client
  shows up as latency instead of silently lowering the load (no coordinated omission).

Clock: ``time.monotonic`` (CLOCK_MONOTONIC) is one clock for every process, so the benchmark
reads ``/proc`` at the same window boundaries the clients use. Everything is bounded: a client
stops at the end of its window or when its slice runs out, and waits for stragglers at most
``timeout_s`` more.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Literal

import grpc

_READY_TIMEOUT_S = 90.0
Mode = Literal["closed", "open"]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """What one client process does."""

    target: str
    method: str  # full method path, e.g. /signupguard.v1.ScoringService/ScoreSignup
    mode: Mode
    concurrency: int = 1  # closed loop: requests in flight
    rate: float = 0.0  # open loop: this client's requests per second
    offset_s: float = 0.0  # open loop: this client's schedule starts this long after t0
    channels: int = 4
    ramp_s: float = 0.0  # sent but not measured
    duration_s: float = 1.0  # the measured window follows the ramp
    timeout_s: float = 5.0
    keep_responses: int = 0  # window responses returned for decoding (actions)
    repeat: bool = False  # start the slice again when it runs out (the stateless floor only)


@dataclass(slots=True)
class LoadResult:
    """What one client saw; latencies in microseconds."""

    used: int = 0  # requests taken from the slice
    exhausted: bool = False  # the slice ran out before the window closed
    window_done: int = 0  # answers (ok or error) that arrived inside the window
    window_ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # by status code, whole run
    window_errors: dict[str, int] = field(default_factory=dict)
    latency_us: array[float] = field(default_factory=lambda: array("d"))
    service_us: array[float] = field(default_factory=lambda: array("d"))  # open: from send
    lag_us: array[float] = field(default_factory=lambda: array("d"))  # open: send - schedule
    responses: list[bytes] = field(default_factory=list)
    late_starts: int = 0  # open: requests sent more than 1 ms after their time
    last_done: float = 0.0  # monotonic time of the last answer inside the window


class _Recorder:
    def __init__(self, spec: LoadSpec, t0: float) -> None:
        self.spec = spec
        self.start = t0 + spec.ramp_s
        self.end = self.start + spec.duration_s
        self.result = LoadResult()
        self.errors: Counter[str] = Counter()
        self.window_errors: Counter[str] = Counter()

    def done(self, reply: bytes | None, code: str | None, done: float) -> bool:
        """Count an answer by its arrival time; True if it arrived in the window."""
        if code is not None:
            self.errors[code] += 1
        if not self.start <= done < self.end:
            return False
        self.result.window_done += 1
        self.result.last_done = max(self.result.last_done, done)
        if code is None:
            self.result.window_ok += 1
            if reply is not None and len(self.result.responses) < self.spec.keep_responses:
                self.result.responses.append(reply)
        return True

    def finish(self) -> LoadResult:
        self.result.errors = dict(self.errors)
        self.result.window_errors = dict(self.window_errors)
        return self.result


async def _call(call: Any, request: bytes, timeout: float) -> tuple[bytes | None, str | None]:
    try:
        reply: bytes = await call(request, timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        return None, exc.code().name
    except Exception as exc:  # any client-side failure is a counted error
        return None, f"CLIENT_{type(exc).__name__}"
    return reply, None


async def _closed(spec: LoadSpec, calls: list[Any], requests: list[bytes], t0: float) -> LoadResult:
    rec = _Recorder(spec, t0)
    cursor = 0

    async def worker(index: int) -> None:
        nonlocal cursor
        call = calls[index % len(calls)]
        while time.monotonic() < rec.end:
            if cursor >= len(requests) and not spec.repeat:
                rec.result.exhausted = True
                return
            request = requests[cursor % len(requests)]
            cursor += 1
            sent = time.monotonic()
            reply, code = await _call(call, request, spec.timeout_s)
            done = time.monotonic()
            if rec.done(reply, code, done):
                if code is None:
                    rec.result.latency_us.append((done - sent) * 1e6)
                else:
                    rec.window_errors[code] += 1

    await asyncio.sleep(max(0.0, t0 - time.monotonic()))
    await asyncio.gather(*(worker(i) for i in range(spec.concurrency)))
    rec.result.used = min(cursor, len(requests))
    return rec.finish()


async def _open(spec: LoadSpec, calls: list[Any], requests: list[bytes], t0: float) -> LoadResult:
    rec = _Recorder(spec, t0)
    loop = asyncio.get_running_loop()
    first = t0 + spec.offset_s
    period = 1.0 / spec.rate
    planned = max(0, math.ceil((rec.end - first) / period))
    total = planned if spec.repeat else min(planned, len(requests))
    rec.result.exhausted = total < planned
    rec.result.used = min(total, len(requests))
    pending: set[asyncio.Task[None]] = set()
    stop = threading.Event()

    async def one(index: int, scheduled: float) -> None:
        sent = time.monotonic()
        request = requests[index % len(requests)]
        reply, code = await _call(calls[index % len(calls)], request, spec.timeout_s)
        done = time.monotonic()
        rec.done(reply, code, done)
        if not rec.start <= scheduled < rec.end:
            return
        if code is not None:
            rec.window_errors[code] += 1
            return
        rec.result.latency_us.append((done - scheduled) * 1e6)
        rec.result.service_us.append((done - sent) * 1e6)
        rec.result.lag_us.append((sent - scheduled) * 1e6)
        if sent - scheduled > 0.001:
            rec.result.late_starts += 1

    def fire(index: int, scheduled: float) -> None:
        task = loop.create_task(one(index, scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)

    def pace() -> None:
        for index in range(total):
            scheduled = first + index * period
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if stop.is_set():
                return
            loop.call_soon_threadsafe(fire, index, scheduled)

    pacer = threading.Thread(target=pace, name="pacer", daemon=True)
    pacer.start()
    try:
        while pacer.is_alive():
            await asyncio.sleep(0.05)
    finally:
        stop.set()
    await asyncio.sleep(0.01)  # let the last call_soon_threadsafe callbacks create their tasks
    deadline = time.monotonic() + spec.timeout_s + 2.0
    while pending and time.monotonic() < deadline:
        await asyncio.wait(set(pending), timeout=max(0.01, deadline - time.monotonic()))
    return rec.finish()


async def _run(spec: LoadSpec, requests: list[bytes], conn: Connection) -> None:
    options = [("grpc.use_local_subchannel_pool", 1)]
    channels = [
        grpc.aio.insecure_channel(spec.target, options=options) for _ in range(spec.channels)
    ]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(c.channel_ready() for c in channels)), _READY_TIMEOUT_S
        )
        calls = [c.unary_unary(spec.method) for c in channels]
        conn.send("ready")
        loop = asyncio.get_running_loop()
        t0: float = await loop.run_in_executor(None, conn.recv)
        if spec.mode == "closed":
            result = await _closed(spec, calls, requests, t0)
        else:
            result = await _open(spec, calls, requests, t0)
        conn.send(result)
    finally:
        await asyncio.gather(*(c.close() for c in channels))


_MAX_PHASES = 100_000  # a bound on one client process's loop; far above any run


def client_main(conn: Connection, cpus: set[int] | None) -> None:
    """Entry point of a client process: run the phases it is sent until told to stop.

    Per phase: receive (spec, requests), connect, answer "ready", receive t0, run, send the
    :class:`LoadResult`. ``None`` (or a closed pipe) ends the process. ``cpus`` pins it (before
    gRPC starts any thread, so they all inherit it).
    """
    if cpus:
        os.sched_setaffinity(0, cpus)
    # The pacing thread must get the GIL promptly when its sleep ends.
    sys.setswitchinterval(0.0005)
    for _ in range(_MAX_PHASES):
        try:
            work = conn.recv()
        except EOFError:
            return
        if work is None:
            return
        spec, requests = work
        try:
            asyncio.run(_run(spec, requests, conn))
        except Exception as exc:  # reported to the benchmark, which raises
            conn.send(f"error: {type(exc).__name__}: {exc}")


class ClientPool:
    """Long-lived client processes (spawned once: a spawn costs ~0.5 s of importing grpc)."""

    def __init__(self, size: int, cpus: set[int] | None = None) -> None:
        self._size = size
        self._cpus = cpus
        self._procs: list[BaseProcess] = []
        self._conns: list[Connection] = []
        self._active = 0

    @property
    def pids(self) -> list[int]:
        """Process ids of the clients in the current phase."""
        return [p.pid for p in self._procs[: self._active] if p.pid is not None]

    def __enter__(self) -> ClientPool:
        ctx = get_context("spawn")
        for _ in range(self._size):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_main, args=(child, self._cpus), daemon=True)
            proc.start()
            child.close()
            self._procs.append(proc)
            self._conns.append(parent)
        return self

    def start(self, work: list[tuple[LoadSpec, list[bytes]]]) -> None:
        """Hand each client its spec and slice; returns once every one has connected."""
        if len(work) > self._size:
            raise ValueError(f"{len(work)} clients asked for, {self._size} started")
        self._active = len(work)
        for conn, item in zip(self._conns, work, strict=False):
            conn.send(item)
        for conn in self._conns[: self._active]:
            if not conn.poll(_READY_TIMEOUT_S):
                raise TimeoutError("load client did not connect in time")
            message = conn.recv()
            if message != "ready":
                raise RuntimeError(f"load client failed: {message}")

    def go(self, delay_s: float = 0.2) -> float:
        """Tell the phase's clients to start at ``now + delay_s``; returns that monotonic t0."""
        t0 = time.monotonic() + delay_s
        for conn in self._conns[: self._active]:
            conn.send(t0)
        return t0

    def results(self, timeout_s: float) -> list[LoadResult]:
        """Wait for every client's result of the phase."""
        out = []
        for conn in self._conns[: self._active]:
            if not conn.poll(timeout_s):
                raise TimeoutError("load client did not finish in time")
            message = conn.recv()
            if not isinstance(message, LoadResult):
                raise RuntimeError(f"load client failed: {message}")
            out.append(message)
        return out

    def __exit__(self, *exc: object) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        for conn in self._conns:
            conn.close()
