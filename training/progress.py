"""Progress of a long training run: a bar per stage on a terminal, plain lines elsewhere.

``make model`` runs for many minutes; a data scientist should see which stage it is in, which
world it is replaying and which search trial it is on. On a terminal each stage gets a tqdm bar
on stderr; in CI or a log file (not a TTY) every step is one plain line instead, so the log stays
readable and grep-able.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tqdm import tqdm


class Stage:
    """One stage in progress: ``step(detail)`` after each of its ``total`` steps."""

    def __init__(
        self, name: str, total: int, stream: IO[str] | None, bar: Any | None = None
    ) -> None:
        self.name = name
        self.total = total
        self.done = 0
        self._stream = stream
        self._bar = bar
        self._started = time.monotonic()

    def step(self, detail: str = "") -> None:
        """Record one finished step (``detail`` says which: a world, a trial)."""
        self.done += 1
        if self._bar is not None:
            self._bar.set_postfix_str(detail, refresh=False)
            self._bar.update(1)
            return
        if self._stream is None:  # progress disabled
            return
        elapsed = time.monotonic() - self._started
        suffix = f" {detail}" if detail else ""
        print(
            f"[{self.name}] {self.done}/{self.total}{suffix} ({elapsed:.0f} s)",
            file=self._stream,
            flush=True,
        )


class Progress:
    """Reports stages of a run; ``enabled=False`` keeps it silent (tests, library use)."""

    def __init__(
        self, stream: IO[str] | None = None, enabled: bool = True, tty: bool | None = None
    ) -> None:
        self._stream = stream or sys.stderr
        self._enabled = enabled
        self._tty = self._stream.isatty() if tty is None else tty
        self._started = time.monotonic()

    def say(self, message: str) -> None:
        """One line of its own (a stage with no steps, a result)."""
        if self._enabled:
            elapsed = time.monotonic() - self._started
            print(f"[{elapsed:6.0f} s] {message}", file=self._stream, flush=True)

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Stage]:
        """A stage of ``total`` steps, shown as a bar on a terminal."""
        if not self._enabled:
            yield Stage(name, total, None)
            return
        self.say(f"{name}: {total} step(s)")
        bar = (
            tqdm(total=total, desc=name, file=self._stream, leave=True, dynamic_ncols=True)
            if self._tty
            else None
        )
        try:
            yield Stage(name, total, self._stream, bar)
        finally:
            if bar is not None:
                bar.close()
