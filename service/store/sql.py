"""Decision log and outcomes on SQLAlchemy: SQLite by default, PostgreSQL by URL.

A decision is durable before ``save_decision`` returns, but not yet in the database: it is
appended to the local spool (:mod:`service.store.journal`), ~10 µs. One writer thread reads the
spool in order, lets a batch fill for up to ``linger_s`` (a transaction per decision cost the
writer ~200 µs of CPU per decision, batches ~40 µs), inserts batches (one transaction each;
``ON CONFLICT DO NOTHING``, so a replay changes nothing) and then commits them out of the spool.
While the database is down the writer retries with capped backoff and the spool holds
everything, up to ``spool_max_bytes``; then ``save_decision`` raises
:class:`StoreUnavailable` (the caller's policy decides what to answer). On start, whatever an
earlier process left in the spool (it was killed, or closed with the database down) is written
first. Recent uncommitted decisions are also kept in memory (up to ``queue_size``) so
``get_decision`` finds them, including, after a restart, those the earlier process left in the
spool. Outcomes take the same path (same spool, same guarantees, written in order with the
decisions); their primary key ``outcome_id`` makes a replayed or retried outcome a no-op.

Schema: SQLite is migrated on start (embedded, zero-ops). PostgreSQL must already be at the
newest revision -- ``signupguard db upgrade`` -- unless ``auto_migrate`` (one migrator at a time,
under an advisory lock); a schema that is behind is refused with :class:`StoreUnavailable`. A
PostgreSQL that cannot be reached at start does not fail construction: decisions spool, and the
writer checks the schema once the database answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)

from service.domain import Decision, Outcome
from service.errors import StoreUnavailable
from service.store import codec, migrate
from service.store.codec import DecisionRecord
from service.store.engine import backend, default_spool_dir, make_engine
from service.store.journal import FsyncPolicy, Journal
from service.store.schema import decisions, outcomes

__all__ = ["DecisionRecord", "SqlDecisionStore", "make_engine"]

_Line = tuple[str, dict[str, Any], bytes]  # (kind, table row, journal line)

logger = logging.getLogger(__name__)

# Runs in the transaction that inserts a batch of decisions, with its (row, journal line) pairs;
# a replayed line must change nothing (the review cases are written this way).
BatchHook = Callable[[Connection, Sequence[tuple[dict[str, Any], bytes]]], None]


class HookFailed(RuntimeError):
    """A batch hook failed other than in the database: retried, never blamed on a row."""


def _run_hooks(
    hooks: Sequence[BatchHook], conn: Connection, pairs: Sequence[tuple[dict[str, Any], bytes]]
) -> None:
    for hook in hooks:
        try:
            hook(conn, pairs)
        except SQLAlchemyError:
            raise
        except Exception as exc:
            logger.exception("decision batch hook %r failed; the batch is retried", hook)
            raise HookFailed(str(exc)) from exc


def _refused(exc: Exception) -> bool:
    """Is this a row the database will never take, however often retried?

    Constraint and data errors, and values the driver cannot bind, are. A connection, a
    permission or a missing table is a database-wide problem: retried, never blamed on a row.
    """
    if isinstance(exc, (IntegrityError, DataError)):
        return True
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):
        return True  # raised while binding parameters
    return isinstance(exc, (ValueError, TypeError, OverflowError))


class SqlDecisionStore:
    """Decisions (spooled, then batched) and outcomes (synchronous) in one SQL database.

    ``batch_size``: decisions per transaction. ``queue_size``: uncommitted decisions also kept
    in memory for ``get_decision`` (all of them are in the spool). ``spool_dir``: default next
    to a SQLite file (``<file>.spool``), else ``var/spool``; one store per directory.
    ``spool_max_bytes``: uncommitted bytes before ``save_decision`` refuses. ``fsync``: see
    :class:`FsyncPolicy`. ``auto_migrate``: default True for SQLite, False for PostgreSQL.
    ``retry_max_s``: cap of the writer's backoff. ``segment_bytes``: spool file size.
    ``linger_s``: how long the writer waits for a batch to fill before writing fewer rows
    (``flush`` and ``close`` cut it short).
    """

    def __init__(
        self,
        url: str,
        batch_size: int = 256,
        queue_size: int = 100_000,
        *,
        spool_dir: str | Path | None = None,
        spool_max_bytes: int = 1 << 30,
        fsync: FsyncPolicy | str = FsyncPolicy.NONE,
        auto_migrate: bool | None = None,
        retry_max_s: float = 5.0,
        segment_bytes: int = 8 << 20,
        linger_s: float = 0.1,
        hooks: Sequence[BatchHook] = (),
    ) -> None:
        fsync = FsyncPolicy(fsync)
        self._hooks = tuple(hooks)
        dialect = backend(url)
        self._engine = make_engine(url, durable=fsync is not FsyncPolicy.NONE)
        self._auto_migrate = dialect == "sqlite" if auto_migrate is None else auto_migrate
        make_insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        self._inserts = {
            codec.DECISION: make_insert(decisions).on_conflict_do_nothing(),
            codec.OUTCOME: make_insert(outcomes).on_conflict_do_nothing(),
        }
        try:
            self._schema_ready = self._prepare_schema(at_start=True)
            self._journal = Journal(
                Path(spool_dir) if spool_dir is not None else default_spool_dir(url),
                max_bytes=spool_max_bytes,
                fsync=fsync,
                segment_bytes=segment_bytes,
            )
        except StoreUnavailable:
            self._engine.dispose()
            raise
        self._batch_size = batch_size
        self._linger_s = linger_s
        self._hurry = threading.Event()  # set by flush and close: write what there is now
        self._recent_size = queue_size
        self._recent: OrderedDict[str, Decision] = OrderedDict()
        self._lock = threading.Lock()
        self._index_leftover()
        self._retry_max_s = retry_max_s
        self._db_ok = self._schema_ready
        self._rejected = 0
        self._stopping = threading.Event()
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="decision-writer", daemon=True)
        self._writer.start()

    def __enter__(self) -> SqlDecisionStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for exports and tests)."""
        return self._engine

    @property
    def spool_dir(self) -> Path:
        """The directory of the spool."""
        return self._journal.directory

    def save_decision(self, record: DecisionRecord) -> None:
        """Spool a decision durably (survives a kill); StoreUnavailable if the spool is full."""
        line = codec.encode(record)
        d = record.decision
        with self._lock:
            added = d.event_id not in self._recent  # the first decision for an id is the one kept
            if added:
                self._recent[d.event_id] = d
                if len(self._recent) > self._recent_size:
                    self._recent.popitem(last=False)
        try:
            self._journal.append(line)
        except StoreUnavailable:
            if added:
                with self._lock:
                    if self._recent.get(d.event_id) is d:
                        del self._recent[d.event_id]
            raise

    def recent_decision(self, event_id: str) -> Decision | None:
        """A decision not yet in the database (this run's or an earlier run's spool), else None."""
        with self._lock:
            return self._recent.get(event_id)

    def get_decision(self, event_id: str) -> Decision | None:
        """The stored (or recently spooled) decision for an event id."""
        with self._lock:
            recent = self._recent.get(event_id)
        if recent is not None:
            return recent
        try:
            with self._engine.connect() as conn:
                row = conn.execute(
                    select(decisions).where(decisions.c.event_id == event_id)
                ).first()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot read decisions: {exc}") from exc
        return None if row is None else codec.decision(row)

    def save_outcome(self, outcome: Outcome) -> None:
        """Spool an outcome durably (survives a kill); StoreUnavailable if the spool is full.

        An outcome whose ``outcome_id`` is already stored is not stored again.
        """
        self._journal.append(codec.encode_outcome(outcome))

    def _index_leftover(self) -> None:
        """Decisions an earlier process spooled but did not write: findable by event id now."""
        count = 0
        for line in self._journal.leftover():
            try:
                d = codec.decision_of_line(line)
            except (ValueError, KeyError, TypeError):
                continue  # the writer keeps it in rejected.jsonl when it gets there
            if d is None or d.event_id in self._recent:
                continue
            self._recent[d.event_id] = d
            count += 1
            if len(self._recent) > self._recent_size:
                self._recent.popitem(last=False)
        if count:
            logger.info("%d spooled decisions from an earlier run answer repeated event ids", count)

    def pending(self) -> int:
        """Decisions accepted (spooled) but not yet committed to the database."""
        return self._journal.records()

    def spool_bytes(self) -> int:
        """Bytes of spooled decisions not yet in the database (bounded by spool_max_bytes)."""
        return self._journal.backlog_bytes()

    def rejected(self) -> int:
        """Decisions the database refused for good since start, kept in rejected.jsonl."""
        return self._rejected

    def database_ok(self) -> bool:
        """False while the writer cannot write to the database (it keeps retrying)."""
        return self._db_ok

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every accepted decision is committed; False on timeout."""
        self._hurry.set()
        try:
            return self._journal.wait_drained(timeout)
        finally:
            if not self._closed:
                self._hurry.clear()

    def close(self, timeout: float = 30.0) -> None:
        """Write what is spooled (for up to ``timeout``), stop the writer, release the spool.

        Whatever is still spooled then (the database is down) is written on the next start.
        """
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        self._hurry.set()
        while not self.flush(0.1) and self._db_ok and time.monotonic() < deadline:
            pass  # no point waiting on a database that is down: the spool keeps the rest
        self._stopping.set()
        self._journal.stop_reading()
        self._writer.join(timeout)
        left = self._journal.records()
        self._journal.close()
        self._engine.dispose()
        if left:
            logger.warning(
                "closed with %d decisions spooled in %s: they are written on the next start",
                left,
                self._journal.directory,
            )

    # -- schema ---------------------------------------------------------------------------------

    def _prepare_schema(self, *, at_start: bool) -> bool:
        """Migrate or check the schema; False if the database cannot be reached (try later)."""
        try:
            with self._engine.begin() as conn:
                if self._auto_migrate:
                    migrate.upgrade_connection(conn)
                else:
                    migrate.check_current(conn)
        except (OperationalError, InterfaceError) as exc:
            if self._engine.dialect.name == "sqlite":
                raise StoreUnavailable(f"cannot prepare the decision store: {exc}") from exc
            if at_start:
                logger.warning("decision database unreachable at start, spooling: %s", exc)
            return False
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot prepare the decision store: {exc}") from exc
        return True

    # -- writer thread --------------------------------------------------------------------------

    def _run(self) -> None:
        delay = 0.05
        batch: list[_Line] | None = None  # read, not yet committed
        ids: list[tuple[str, str]] = []
        while not self._stopping.is_set():
            try:
                if not self._schema_ready:
                    self._schema_ready = self._db_ok = self._prepare_schema(at_start=False)
                if self._schema_ready and batch is None:
                    if not self._journal.wait_pending(timeout=0.5):
                        continue
                    if self._journal.records() < self._batch_size and self._linger_s > 0:
                        self._hurry.wait(self._linger_s)  # let the batch fill
                    lines = self._journal.read(self._batch_size, timeout=0.5)
                    if not lines:
                        continue
                    batch = self._decode(lines)
                    ids = [(r["event_id"], r["decision_id"]) for k, r, _ in batch if k == "d"]
                if batch is not None and self._store(batch):
                    self._journal.commit()
                    self._forget(ids)
                    batch, delay = None, 0.05
                    continue
            except Exception as exc:  # the writer must outlive any one failure
                self._db_ok = False
                logger.error("decision writer: %s; retrying in %.2fs", exc, delay)
            if self._stopping.wait(delay):
                return  # what is not committed stays spooled for the next start
            delay = min(delay * 2, self._retry_max_s)

    def _forget(self, ids: list[tuple[str, str]]) -> None:
        """Committed decisions leave the in-memory index (the database answers for them now)."""
        with self._lock:
            for event_id, decision_id in ids:
                recent = self._recent.get(event_id)
                if recent is not None and recent.decision_id == decision_id:
                    del self._recent[event_id]

    def _decode(self, lines: list[bytes]) -> list[_Line]:
        pairs = []
        for line in lines:
            try:
                kind, row = codec.parse(line)
                pairs.append((kind, row, line))
            except (ValueError, KeyError, TypeError) as exc:
                logger.error("unreadable spooled line kept in rejected.jsonl: %s", exc)
                self._reject(line)
        return pairs

    def _store(self, pairs: list[_Line]) -> bool:
        """Insert a batch (one transaction); True when done, False to retry what is left.

        A batch the database refuses is retried row by row; a refused row (too long a value,
        say) is kept in rejected.jsonl instead of blocking every decision behind it. Rows
        written one by one leave ``pairs``, so a retry goes on from the first one left.
        """
        try:
            if pairs:
                with self._engine.begin() as conn:
                    for kind, insert_kind in self._inserts.items():
                        rows = [r for k, r, _ in pairs if k == kind]
                        if rows:
                            conn.execute(insert_kind, rows)
                    _run_hooks(
                        self._hooks, conn, [(r, ln) for k, r, ln in pairs if k == codec.DECISION]
                    )
        except Exception as exc:
            if not _refused(exc):
                return self._failed(exc)
            while pairs:
                kind, row, line = pairs[0]
                try:
                    with self._engine.begin() as conn:
                        conn.execute(self._inserts[kind], [row])
                        if kind == codec.DECISION:
                            _run_hooks(self._hooks, conn, [(row, line)])
                except Exception as row_exc:
                    if not _refused(row_exc):
                        return self._failed(row_exc)
                    logger.error(
                        "%s %r refused by the database, kept in rejected.jsonl: %s",
                        "decision for event" if kind == codec.DECISION else "outcome",
                        row.get("event_id", row.get("outcome_id")),
                        row_exc,
                    )
                    self._reject(line)
                del pairs[0]
        if not self._db_ok:
            logger.info("decision database writes resumed")
        self._db_ok = True
        return True

    def _reject(self, line: bytes) -> None:
        self._rejected += 1
        self._journal.reject(line)

    def _failed(self, exc: Exception) -> bool:
        if self._db_ok:
            logger.warning("decision database write failed, retrying: %s", exc)
        self._db_ok = False
        return False
