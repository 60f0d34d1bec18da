"""Garbage-collector tuning applied once the server has started."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from service.app import tune_gc


@pytest.fixture
def restore_gc() -> Iterator[None]:
    """Put the interpreter's GC settings back after the test."""
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


@pytest.mark.usefixtures("restore_gc")
def test_tune_gc_raises_the_young_threshold_and_freezes_startup_objects() -> None:
    """Young passes run every 20,000 allocations and start-up objects leave the collector."""
    tune_gc(20_000)
    assert gc.get_threshold()[0] == 20_000
    assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("restore_gc")
def test_zero_keeps_pythons_thresholds() -> None:
    """gc_gen0_threshold=0 leaves the interpreter's thresholds alone."""
    before = gc.get_threshold()
    tune_gc(0)
    assert gc.get_threshold() == before
