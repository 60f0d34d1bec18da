"""The spool: an append-only local journal of decisions accepted but not yet in the database.

Directory layout::

    LOCK                    flock'ed by the one journal that owns the directory
    000000000007.jsonl      sealed segments, oldest first: read, committed, then deleted
    000000000008.jsonl      the active segment: appended to by ``append``
    rejected.jsonl          lines the database refused for good (kept, never replayed)

``append`` writes one complete line with ``write(2)`` under a lock, so lines never interleave
and file order is acceptance order. When it returns the line is in the kernel's page cache,
which outlives the process (SIGKILL, OOM kill); the :class:`FsyncPolicy` decides what outlives
the machine. One consumer reads lines in order (``read``), stores them, and calls ``commit``;
a sealed segment is deleted once read to its end, i.e. once all of it is committed. A process
never appends to a segment it did not create: on open, existing segments are sealed and read
first (the replay), so a line torn by a kill mid-``write`` can only be the unterminated tail of
a sealed segment, and is skipped -- it was never acknowledged.

Bounded: ``append`` raises :class:`StoreUnavailable` rather than exceed ``max_bytes`` of
uncommitted lines. A WARNING is logged when the backlog passes 50 % and 90 %, an ERROR when
it is full.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from service.errors import StoreUnavailable

logger = logging.getLogger(__name__)

SUFFIX = ".jsonl"
_ALARMS = (90, 50)  # percent of max_bytes, highest first
_CHUNK = 256 * 1024


class FsyncPolicy(enum.StrEnum):
    """When appended lines are forced to disk."""

    NONE = "none"  # never: survives the process being killed, not the machine crashing
    BATCH = "batch"  # every fsync_interval_s in the background: a crash loses at most that
    ALWAYS = "always"  # before append returns: survives a crash, costs a disk flush per decision


def _fdatasync(fd: int) -> None:
    getattr(os, "fdatasync", os.fsync)(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n")
    return count


class Journal:
    """Append from many threads; read, commit and delete from one consumer thread."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int,
        fsync: FsyncPolicy = FsyncPolicy.NONE,
        segment_bytes: int = 8 << 20,
        fsync_interval_s: float = 0.05,
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._fsync = FsyncPolicy(fsync)
        self._segment_bytes = segment_bytes
        self._cond = threading.Condition(threading.Lock())
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(directory / "LOCK", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the decision spool {directory}: {exc}") from exc
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self._lock_fd)
            raise StoreUnavailable(
                f"the decision spool {directory} is in use by another store or process"
            ) from exc
        # Leftover segments of an earlier process: sealed at their size, replayed first.
        self._sealed: dict[int, int] = {}
        self._records = self._bytes = 0
        self._wfd = -1
        self._dirty = False  # BATCH: appended since the last sync
        self._unsynced: list[int] = []  # BATCH: segments whose data or name is not yet synced
        try:
            for path in sorted(directory.glob(f"*{SUFFIX}")):
                if path.stem.isdigit():
                    size = path.stat().st_size
                    self._sealed[int(path.stem)] = size
                    self._bytes += size
                    self._records += _count_lines(path)
            self._active = max(self._sealed, default=0) + 1
            self._open_active()
        except OSError as exc:
            os.close(self._lock_fd)
            raise StoreUnavailable(f"cannot open the decision spool {directory}: {exc}") from exc
        if self._records:
            logger.info("replaying %d spooled decisions from %s", self._records, directory)
        self._end = 0  # bytes of the active segment published to the reader
        self._rseg = min(self._sealed, default=self._active)
        self._roff = 0
        self._rfd: tuple[int, int] | None = None  # (segment, fd) being read
        self._outstanding = (0, 0)  # (records, bytes) read but not committed
        self._level = 0  # highest alarm logged, percent
        self._full = False
        self._closed = False
        self._reading = True
        self._stop_sync = threading.Event()
        self._syncer: threading.Thread | None = None
        self._alarm()
        if self._fsync is FsyncPolicy.BATCH:
            self._syncer = threading.Thread(
                target=self._sync_loop, args=(fsync_interval_s,), name="spool-sync", daemon=True
            )
            self._syncer.start()

    def leftover(self) -> Iterator[bytes]:
        """Complete lines (no newline) an earlier process left; call before the first ``read``."""
        for seg in sorted(s for s in self._sealed if s < self._active):
            with contextlib.suppress(FileNotFoundError), self._path(seg).open("rb") as f:
                for raw in f:
                    if raw.endswith(b"\n"):  # a torn tail is skipped, as by the reader
                        yield raw[:-1]

    # -- producers ------------------------------------------------------------------------------

    def append(self, line: bytes) -> None:
        """Write one newline-terminated line; raises StoreUnavailable if full or unwritable."""
        n = len(line)
        with self._cond:
            if self._closed:
                raise StoreUnavailable("the decision spool is closed")
            if self._bytes + n > self.max_bytes:
                if not self._full:
                    self._full = True
                    logger.error(
                        "decision spool %s is full (%d bytes, %d decisions not in the database):"
                        " refusing new decisions",
                        self.directory,
                        self._bytes,
                        self._records,
                    )
                raise StoreUnavailable("the decision spool is full")
            try:
                if self._wfd < 0:
                    self._open_active()
                written = os.write(self._wfd, line)
                while written < n:  # short writes are legal, if rare, on regular files
                    written += os.write(self._wfd, line[written:])
                if self._fsync is FsyncPolicy.ALWAYS:
                    _fdatasync(self._wfd)
            except OSError as exc:
                self._unwrite()
                raise StoreUnavailable(f"cannot write to the decision spool: {exc}") from exc
            self._end += n
            self._bytes += n
            self._records += 1
            self._dirty = True
            if self._bytes * 100 >= _ALARMS[-1] * self.max_bytes:
                self._alarm()
            if self._end >= self._segment_bytes:
                self._rotate()
            self._cond.notify_all()

    # -- the consumer ---------------------------------------------------------------------------

    def read(self, max_records: int, timeout: float) -> list[bytes]:
        """Up to ``max_records`` lines (no newline) in order; [] after ``timeout`` or close.

        The lines returned must be committed before the next call.
        """
        if self._outstanding != (0, 0):
            raise RuntimeError("commit the lines read before reading more")
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                while self._reading:
                    end = self._end if self._rseg == self._active else self._sealed[self._rseg]
                    if self._roff < end:
                        break
                    if self._rseg != self._active:
                        self._finish_segment()
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return []
                    self._cond.wait(remaining)
                else:
                    return []
                seg, off = self._rseg, self._roff
            lines, consumed = self._parse(seg, off, end, max_records)
            with self._cond:
                self._roff = off + consumed
                if lines:
                    self._outstanding = (len(lines), sum(len(x) + 1 for x in lines))
                    return lines
                self._bytes -= consumed  # a torn tail: never acknowledged, never counted

    def commit(self) -> None:
        """The lines of the last ``read`` are stored: they leave the backlog."""
        with self._cond:
            records, nbytes = self._outstanding
            self._outstanding = (0, 0)
            self._records -= records
            self._bytes -= nbytes
            if self._level and self._bytes * 100 < self._level * self.max_bytes:
                self._alarm()
            if self._full and self._bytes * 10 < 9 * self.max_bytes:
                self._full = False
            while self._rseg != self._active and self._roff >= self._sealed[self._rseg]:
                self._finish_segment()  # read to its end and all committed: delete it now
            self._cond.notify_all()

    def reject(self, line: bytes) -> None:
        """Keep a line the database refuses for good in ``rejected.jsonl`` (best effort)."""
        try:
            with (self.directory / "rejected.jsonl").open("ab") as f:
                f.write(line + b"\n")
        except OSError as exc:
            logger.error("cannot keep a rejected decision line: %s", exc)

    # -- state ----------------------------------------------------------------------------------

    def records(self) -> int:
        """Lines accepted and not yet committed (including those read and being stored)."""
        with self._cond:
            return self._records

    def backlog_bytes(self) -> int:
        """Bytes of lines accepted and not yet committed."""
        with self._cond:
            return self._bytes

    def wait_pending(self, timeout: float) -> bool:
        """Wait until at least one line is waiting to be read; False on timeout or close."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._reading and self._bytes == 0:  # bytes: a torn tail must be read too
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return self._reading

    def wait_drained(self, timeout: float) -> bool:
        """Wait until every accepted line is committed; False on timeout or close."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._records:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return False
                self._cond.wait(remaining)
        return True

    def stop_reading(self) -> None:
        """The consumer is stopping: ``read`` returns [] from now on, at once."""
        with self._cond:
            self._reading = False
            self._cond.notify_all()

    def sync(self) -> None:
        """Force appended lines to disk (the BATCH policy's background step)."""
        with self._cond:
            fd = os.dup(self._wfd) if self._dirty and self._wfd >= 0 else -1
            sealed, self._unsynced = self._unsynced, []
            self._dirty = False
        for seg in sealed:
            with contextlib.suppress(FileNotFoundError):  # already committed and deleted
                sfd = os.open(self._path(seg), os.O_RDONLY)
                try:
                    _fdatasync(sfd)
                finally:
                    os.close(sfd)
        if sealed:
            _fsync_dir(self.directory)
        if fd >= 0:
            try:
                _fdatasync(fd)
            finally:
                os.close(fd)

    def close(self) -> None:
        """Stop accepting, sync per policy, delete a fully committed spool and unlock it."""
        if self._syncer is not None:
            self._stop_sync.set()
            self._syncer.join()
            self.sync()
        with self._cond:
            if self._closed:
                return
            self._closed, self._reading = True, False
            self._cond.notify_all()
            for fd in (self._wfd, self._rfd[1] if self._rfd else -1):
                if fd >= 0:
                    os.close(fd)
            self._wfd, self._rfd = -1, None
            if self._records == 0:  # everything is in the database: leave an empty spool
                for seg in [*self._sealed, self._active]:
                    self._path(seg).unlink(missing_ok=True)
        os.close(self._lock_fd)

    # -- internals (called with the condition's lock held) ------------------------------------

    def _path(self, seg: int) -> Path:
        return self.directory / f"{seg:012d}{SUFFIX}"

    def _open_active(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        self._wfd = os.open(self._path(self._active), flags, 0o600)
        if self._fsync is FsyncPolicy.ALWAYS:
            _fsync_dir(self.directory)
        elif self._fsync is FsyncPolicy.BATCH:
            self._unsynced.append(self._active)

    def _rotate(self) -> None:
        os.close(self._wfd)
        self._wfd = -1
        self._sealed[self._active] = self._end
        self._active += 1
        self._end = 0
        self._open_active()

    def _unwrite(self) -> None:
        """Undo a failed, possibly partial, write; else seal the segment where it was good."""
        try:
            os.ftruncate(self._wfd, self._end)
        except OSError:
            with contextlib.suppress(OSError):
                self._rotate()  # the reader stops at the sealed size, before the bad bytes

    def _finish_segment(self) -> None:
        if self._rfd is not None and self._rfd[0] == self._rseg:
            os.close(self._rfd[1])
            self._rfd = None
        del self._sealed[self._rseg]
        with contextlib.suppress(FileNotFoundError):
            self._path(self._rseg).unlink()
        self._rseg = min(self._sealed, default=self._active)
        self._roff = 0

    def _alarm(self) -> None:
        percent = self._bytes * 100 // self.max_bytes
        level = next((a for a in _ALARMS if percent >= a), 0)
        if level > self._level:
            logger.warning(
                "decision spool %s is %d%% full (%d decisions not in the database yet)",
                self.directory,
                percent,
                self._records,
            )
        elif level < self._level:
            logger.info("decision spool %s is back under %d%%", self.directory, self._level)
        self._level = level

    # -- internals (no lock: only the consumer reads) -----------------------------------------

    def _parse(self, seg: int, off: int, end: int, max_records: int) -> tuple[list[bytes], int]:
        if self._rfd is None or self._rfd[0] != seg:
            if self._rfd is not None:
                os.close(self._rfd[1])
            self._rfd = (seg, os.open(self._path(seg), os.O_RDONLY | os.O_CLOEXEC))
        size = min(_CHUNK, end - off)
        while True:
            data = os.pread(self._rfd[1], size, off)
            cut = data.rfind(b"\n")
            if cut >= 0:
                break
            if size >= end - off:
                logger.warning("skipping %d bytes of a torn spool line in %s", end - off, seg)
                return [], end - off
            size = min(size * 2, end - off)
        lines = data[:cut].split(b"\n", max_records)
        if len(lines) > max_records:
            lines.pop()
        return lines, sum(len(x) + 1 for x in lines)

    def _sync_loop(self, interval: float) -> None:
        while not self._stop_sync.wait(interval):
            try:
                self.sync()
            except OSError as exc:
                logger.error("cannot sync the decision spool: %s", exc)
