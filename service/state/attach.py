"""Signup decisions attached to their accounts in batches, off the request path.

A signup's decision (score, action) is stored on its account for the account's later API-key
creations. On Redis that was one more round trip per signup, ~45 µs of client CPU and ~0.1 ms
of the answer's latency, for a value read minutes later. :class:`Attacher` queues it instead; a
background thread writes everything queued in one call every ``linger_s``. A key creation in
the same process for an account still queued (or being written) first waits for that write, so
a process always reads its own attachments; another replica sees one at most ~``linger_s`` late.

The same queue carries what else a decision or a signup sets off that no request waits for:
whether a queued decision holds the account (REVIEW or BLOCK; the store then flags its group
links, :mod:`service.state.flags`) and, on Redis Cluster, a new account's flag snapshot and
group size, which the signup's own call cannot write there (the link hashes live in other
slots). Flags written through the queue reach other accounts at most ~``linger_s`` late.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from service.errors import StateUnavailable
from service.state.flags import HOLDING

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Attachment:
    """What is queued for one account."""

    decision: tuple[float, int] | None = None  # the latest signup decision: (score, action)
    hold: bool = False  # some queued decision holds the account (REVIEW or BLOCK)
    snapshot: tuple[float, float, int | None] | None = None  # (flag mass, at, group size)


Batch = Mapping[str, Attachment]
LINGER_S = 0.005  # how long queued attachments wait for company before being written


class Attacher:
    """Queue of ``account -> Attachment`` written by one thread with ``write(batch)``."""

    def __init__(self, write: Callable[[Batch], None], linger_s: float = LINGER_S) -> None:
        self._write = write
        self._linger_s = linger_s
        self._lock = threading.Lock()
        self._pending: dict[str, Attachment] = {}
        self._inflight: Batch = {}
        self._flushing = threading.Lock()  # one write at a time; held while a batch is sent
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, account: str, score: float, action: int) -> None:
        """Queue a decision (the latest one for an account wins; any holding one holds it)."""
        with self._lock:
            entry = self._entry(account)
            entry.decision = (score, action)
            entry.hold = entry.hold or action >= HOLDING
        self._wake.set()

    def snapshot(self, account: str, mass: float, at: float, group: int | None) -> None:
        """Queue a new account's flag snapshot and group size (Redis Cluster)."""
        with self._lock:
            self._entry(account).snapshot = (mass, at, group)
        self._wake.set()

    def _entry(self, account: str) -> Attachment:
        """The account's queued entry (made if new); the caller holds the lock."""
        if self._closed.is_set():
            raise StateUnavailable("the state store is closed")
        entry = self._pending.get(account)
        if entry is None:
            entry = self._pending[account] = Attachment()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="state-attach", daemon=True)
            self._thread.start()
        return entry

    def settle(self, account: str) -> None:
        """Return once any queued or in-flight attachment of ``account`` has been written."""
        with self._lock:
            waiting = account in self._pending or account in self._inflight
        if waiting:
            self.flush()

    def flush(self) -> None:
        """Write everything queued now (waits for a write in flight first)."""
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, {}
                self._inflight = batch
            try:
                if batch:
                    self._write(batch)
            except StateUnavailable as exc:
                logger.warning("could not attach %d signup decisions: %s", len(batch), exc)
            finally:
                with self._lock:
                    self._inflight = {}

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        with self._lock:
            self._closed.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(5.0)
        self.flush()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait()
            if self._closed.wait(self._linger_s):  # let a batch gather
                return
            self._wake.clear()
            self.flush()
