"""In-process CPU of the hot path: featurize and score simulated events, no gRPC, no network.

``python -m bench.hotpath`` replays the first ``--signups`` signups of the quick request pool
(:func:`bench.pool.load_pool`, the shipped simulator config) with the API-key creations between
them, in time order, through a fresh ``Featurizer`` (memory state) and a fresh ``Scorer`` (memory
state, SQLite decision store in a temporary directory, event clock) per pass, and times each call
with the calling thread's CPU clock. Each pass starts from empty state, so every pass sees the
same counts; the first pass warms the caches and is not counted. Figures are µs per call: the
median over passes of each pass's mean, and the best pass.

The scorer's own thread is what is timed (the decision writer runs on another thread and is left
out): it is what the server's request threads pay. This complements ``make bench``, which
measures the whole server process under gRPC load; use it to compare two versions of the code
on a shared machine, where thread CPU is steadier than wall time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.pool import load_pool
from service.api.convert import api_key_event, signup_event
from service.api.gen.signupguard.v1 import scoring_pb2 as pb
from service.app import build_components, tune_gc
from service.config import ClockMode, Settings
from service.domain import ApiKeyEvent, SignupEvent
from service.featurize import Featurizer
from service.hashing import Hasher
from service.signals import SignalExtractor
from service.state import MemoryStateStore

Event = SignupEvent | ApiKeyEvent


@dataclass(frozen=True, slots=True)
class Figures:
    """µs per call for one kind of event: median of the passes' means, and the best pass."""

    median: float
    best: float
    calls: int


def stream(signups: int) -> list[Event]:
    """The first ``signups`` signups of the quick pool and the key creations among them."""
    pool = load_pool(quick=True, attack=False)
    out: list[Event] = []
    taken = 0
    for blob, before in zip(pool.keys, pool.signups_before_key, strict=True):
        if before > signups:
            break
        while taken < before:
            out.append(signup_event(pb.ScoreSignupRequest.FromString(pool.signups[taken])))
            taken += 1
        out.append(api_key_event(pb.ScoreApiKeyCreationRequest.FromString(blob)))
    while taken < min(signups, len(pool.signups)):
        out.append(signup_event(pb.ScoreSignupRequest.FromString(pool.signups[taken])))
        taken += 1
    return out


def _at(event: Event) -> float:
    assert event.occurred_at is not None
    return event.occurred_at


def _pass(
    events: list[Event],
    signup: Callable[[SignupEvent], object],
    key: Callable[[ApiKeyEvent], object],
) -> tuple[float, float]:
    """Mean thread-CPU µs per signup and per key creation over one replay."""
    clock = time.thread_time_ns
    spent = [0, 0]
    count = [0, 0]
    for event in events:
        if isinstance(event, SignupEvent):
            t0 = clock()
            signup(event)
            spent[0] += clock() - t0
            count[0] += 1
        else:
            t0 = clock()
            key(event)
            spent[1] += clock() - t0
            count[1] += 1
    return spent[0] / max(1, count[0]) / 1e3, spent[1] / max(1, count[1]) / 1e3


def _summary(passes: list[tuple[float, float]], events: list[Event]) -> tuple[Figures, Figures]:
    n_signup = sum(isinstance(e, SignupEvent) for e in events)
    counted = passes[1:] if len(passes) > 1 else passes
    out = []
    for k, n in ((0, n_signup), (1, len(events) - n_signup)):
        values = [p[k] for p in counted]
        out.append(Figures(statistics.median(values), min(values), n))
    return out[0], out[1]


def _calls(
    f: Featurizer,
) -> tuple[Callable[[SignupEvent], object], Callable[[ApiKeyEvent], object]]:
    return (lambda e: f.signup(e, _at(e))), (lambda e: f.api_key(e, _at(e)))


def featurize(
    events: list[Event], passes: int, extractor: SignalExtractor
) -> tuple[Figures, Figures]:
    """Featurizer.signup / .api_key over the stream, fresh memory state each pass."""
    results = []
    for _ in range(passes + 1):
        f = Featurizer(extractor, MemoryStateStore(), Hasher(b"bench-hotpath"))
        results.append(_pass(events, *_calls(f)))
    return _summary(results, events)


def score(events: list[Event], passes: int, extractor: SignalExtractor) -> tuple[Figures, Figures]:
    """Scorer.score_signup / .score_api_key end to end (model, policy, reasons, decision log)."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(passes + 1):
            settings = Settings(
                clock=ClockMode.EVENT,
                database_url=f"sqlite:///{Path(tmp) / f'pass{k}.db'}",
                spool_dir=Path(tmp) / f"spool{k}",
                model_watch_interval_s=0,
                log_decisions=False,
            )
            components = build_components(settings, extractor=extractor)
            scorer = components.scorer
            try:
                results.append(_pass(events, scorer.score_signup, scorer.score_api_key))
            finally:
                components.close()
            gc.collect()
    return _summary(results, events)


def main(argv: list[str] | None = None) -> int:
    """Print µs per signup and per key creation for the chosen paths."""
    parser = argparse.ArgumentParser(prog="python -m bench.hotpath", description=__doc__)
    parser.add_argument("--signups", type=int, default=3000)
    parser.add_argument("--passes", type=int, default=7, help="counted passes (one more warms)")
    parser.add_argument("--what", choices=("featurize", "score", "both"), default="both")
    args = parser.parse_args(argv)
    events = stream(args.signups)
    extractor = SignalExtractor.from_directory()
    tune_gc(Settings().gc_gen0_threshold)  # as the server does once serving
    paths = {"featurize": featurize, "score": score}
    chosen = list(paths) if args.what == "both" else [args.what]
    for name in chosen:
        signup_fig, key_fig = paths[name](events, args.passes, extractor)
        for kind, fig in (("signup", signup_fig), ("api_key", key_fig)):
            print(
                f"{name:9s} {kind:7s} median {fig.median:7.1f} µs  best {fig.best:7.1f} µs"
                f"  ({fig.calls} calls x {args.passes} passes)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
