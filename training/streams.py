"""Labelled streams the pipeline trains and evaluates on, and a small process pool to build them.

A stream is named by a :class:`StreamSpec` (a simulator config and seed, or a file), optionally
with campaign archetypes held out. Holding an archetype out re-simulates without it, which leaves
every other event unchanged (a simulator test pins this), and the replay then rebuilds every
velocity and linkage count without its events.

Replays and the scorer replay are single-threaded Python; on a machine with two cores the
pipeline runs them two at a time in worker processes (``spawn``: LightGBM's OpenMP threads do
not survive a ``fork``). Results do not depend on the number of workers.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from service.events import StreamRecord, read_stream
from service.signals import SignalExtractor
from training.dataset import Dataset, build_dataset
from training.evaluate import evaluate
from training.simulate import (
    IpData,
    SimConfig,
    default_config,
    draw_world,
    load_config,
    load_world_ranges,
    simulate,
)

T = TypeVar("T")


@dataclass(frozen=True)
class WorldDraw:
    """A world drawn from the ranges file's range set ``kind`` (``train`` or ``shifted``)."""

    ranges: Path
    kind: str
    scale: float = 1.0
    days: int | None = None


@dataclass(frozen=True)
class StreamSpec:
    """A labelled stream: a stream file, a simulator config (None: the default) and seed, or a
    world drawn at random (by ``seed``) from a range set of a worlds file."""

    config: Path | None = None
    seed: int = 0
    file: Path | None = None
    drop: tuple[str, ...] = ()  # campaign archetypes (truth cohorts) left out
    world: WorldDraw | None = None

    def describe(self) -> str:
        """Human-readable name, as used in reports."""
        if self.file:
            base = str(self.file)
        elif self.world:
            base = f"{self.world.kind} world {self.seed}"
        else:
            base = f"{self.config or 'default config'} seed {self.seed}"
        return base + (f" without {', '.join(self.drop)}" if self.drop else "")


@functools.cache
def _ip_data() -> IpData:
    return IpData()  # parsed once per process: the lists do not depend on the seed


@functools.cache
def _extractor() -> SignalExtractor:
    return SignalExtractor.from_directory()


def records(spec: StreamSpec) -> list[StreamRecord]:
    """The stream's records in time order."""
    if spec.file is not None:
        out = list(read_stream(spec.file))
        return [r for r in out if r.truth is None or r.truth.cohort not in spec.drop]
    if spec.world is not None:
        config = world_config(spec.world, spec.seed)
    else:
        config = load_config(spec.config) if spec.config else default_config()
    if spec.drop:
        kept = tuple(c for c in config.campaigns if c.archetype not in spec.drop)
        config = dataclasses.replace(config, campaigns=kept)
    return list(simulate(config, spec.seed, _ip_data()))


def world_config(draw: WorldDraw, seed: int) -> SimConfig:
    """The simulator config of one drawn world (deterministic for the ranges file and seed)."""
    ranges = load_world_ranges(draw.ranges)[draw.kind]
    if draw.days is None:
        return draw_world(ranges, seed, scale=draw.scale)
    return draw_world(ranges, seed, scale=draw.scale, days=draw.days)


def replay(spec: StreamSpec) -> Dataset:
    """The stream replayed through the server's featurizer (see :mod:`training.dataset`)."""
    return build_dataset(records(spec), _extractor())


def scorer_evaluation(model_dir: Path, spec: StreamSpec) -> dict[str, Any]:
    """The stream scored end to end by the real scorer (see :mod:`training.evaluate`)."""
    return evaluate(model_dir, records(spec), extractor=_extractor())


class _Inline(Executor):
    """Runs every task at once in the calling process (one worker)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future, as a pool would
            future.set_exception(exc)
        return future


def executor(workers: int) -> Executor:
    """A pool of ``workers`` processes, or the calling process itself for one worker."""
    if workers <= 1:
        return _Inline()
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
