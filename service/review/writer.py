"""Cases, identifier links and campaigns written by the decision writer, batch by batch.

:class:`ReviewWriter` is a :data:`service.store.sql.BatchHook`: it runs in the transaction that
inserts a batch of decisions, reading what the review intake put on each journal line (``rv``).
So a decision and its case are committed together or not at all, and everything the decision
log survives (spool, SIGKILL, a database outage) the case survives too. A replayed line changes
nothing: events and links are keyed by decision and by (key, account), and case aggregates are
recounted from the events rather than incremented.

Per batch: a few set-based statements, whatever its size (IN lists, executemany).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from service.review import campaigns as camp
from service.review.config import ReviewConfig
from service.review.effects import chunks
from service.review.intake import RELEASE_USED
from service.review.model import CaseState
from service.store.schema import (
    account_verdicts,
    case_events,
    cases,
)

logger = logging.getLogger(__name__)

_PG_CAMPAIGN_LOCK = 0x5347_0004  # serialises campaign updates across processes on PostgreSQL


class ReviewWriter:
    """The decision writer's review hook; also runs the periodic full campaign recompute."""

    def __init__(self, config: ReviewConfig, now: Callable[[], float] = time.time) -> None:
        self._config = config
        self._now = now
        self._next_recompute = now() + config.recompute_interval_s
        self.recompute_requested = False

    def __call__(self, conn: Connection, pairs: Sequence[tuple[dict[str, Any], bytes]]) -> None:
        """Write the review part of one batch of decisions."""
        events: list[tuple[dict[str, Any], dict[str, Any]]] = []
        links: list[tuple[dict[str, Any], dict[str, str]]] = []
        released: list[str] = []
        for row, line in pairs:
            rv = orjson.loads(line).get("rv")
            if not isinstance(rv, dict):
                continue
            if row["case_id"]:
                events.append((row, rv.get("m") or {}))
            if rv.get("l"):
                links.append((row, rv["l"]))
            if rv.get(RELEASE_USED):
                released.append(row["account_id"])
        if events:
            self._cases(conn, events)
        if links or self._recompute_due():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CAMPAIGN_LOCK})
            if links:
                self._links(conn, links)
            if self._recompute_due():
                self.recompute(conn)
        if released:
            conn.execute(
                update(account_verdicts)
                .where(account_verdicts.c.account_id.in_(sorted(set(released))))
                .values(released=False)
            )

    # -- cases ----------------------------------------------------------------------------------

    def _cases(self, conn: Connection, events: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        now = self._now()
        ids = sorted({row["case_id"] for row, _ in events})
        target: dict[str, str] = {}
        for cid, merged in conn.execute(
            select(cases.c.case_id, cases.c.merged_into).where(cases.c.case_id.in_(ids))
        ):
            target[cid] = merged or cid
        fresh = [(row, masks) for row, masks in events if row["case_id"] not in target]
        if fresh:
            accounts = sorted({row["account_id"] for row, _ in fresh})
            open_by_account = dict(
                conn.execute(
                    select(cases.c.account_id, cases.c.case_id)
                    .where(cases.c.account_id.in_(accounts))
                    .where(cases.c.state.in_([CaseState.OPEN.value, CaseState.CLAIMED.value]))
                    .order_by(cases.c.opened_at.desc())
                ).all()
            )
            new_rows = []
            for row, _ in sorted(fresh, key=lambda e: e[0]["occurred_at"]):
                cid = row["case_id"]
                if cid in target:
                    continue
                other = open_by_account.get(row["account_id"])
                merged = other is not None and other != cid
                target[cid] = other if merged and other is not None else cid
                if not merged:
                    open_by_account[row["account_id"]] = cid
                new_rows.append(
                    {
                        "case_id": cid,
                        "account_id": row["account_id"],
                        "state": CaseState.MERGED.value if merged else CaseState.OPEN.value,
                        "opened_at": row["occurred_at"],
                        "updated_at": now,
                        "last_event_at": row["occurred_at"],
                        "events": 0,
                        "max_score": row["score"],
                        "max_action": row["action"],
                        "merged_into": other if merged else None,
                    }
                )
            conn.execute(insert(cases), new_rows)
        _driver(
            conn,
            "INSERT INTO case_events (decision_id, case_id, event_id, event_type, occurred_at,"
            " score, action, model_version, reasons, masked)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decision_id) DO NOTHING",
            [
                (
                    row["decision_id"],
                    target[row["case_id"]],
                    row["event_id"],
                    row["event_type"],
                    row["occurred_at"],
                    row["score"],
                    row["action"],
                    row["model_version"],
                    row["reasons"],
                    orjson.dumps(masks).decode(),
                )
                for row, masks in events
            ],
        )
        touched = sorted({target[row["case_id"]] for row, _ in events})
        mine = case_events.c.case_id == cases.c.case_id

        def of_case(column: Any) -> Any:
            return select(column).where(mine).scalar_subquery()

        conn.execute(
            update(cases)
            .where(cases.c.case_id.in_(touched))
            .values(
                events=of_case(func.count()),
                max_score=of_case(func.max(case_events.c.score)),
                max_action=of_case(func.max(case_events.c.action)),
                last_event_at=of_case(func.max(case_events.c.occurred_at)),
                updated_at=now,
            )
        )

    # -- links and campaigns --------------------------------------------------------------------

    def _links(self, conn: Connection, links: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
        wanted: dict[tuple[str, str], tuple[str, float, str]] = {}
        config = self._config
        for row, found in sorted(links, key=lambda e: (e[0]["occurred_at"], e[0]["decision_id"])):
            at = row["occurred_at"]
            for kind, raw in found.items():
                window = config.window(kind)
                key = raw if window is None else f"{raw}:{int(at // window)}"
                wanted.setdefault((key, row["account_id"]), (kind, at, row["decision_id"]))
        # Every stored link of the batch's accounts, by the account index: a handful per
        # account, and one probe each. (``key IN (..) AND account_id IN (..)`` made SQLite
        # probe the primary key for every key x account pair: most of the hook's CPU.)
        existing: set[tuple[str, str]] = set()
        for batch in chunks(sorted({a for _, a in wanted})):
            existing.update(
                (r[0], r[1])
                for r in _driver(
                    conn,
                    "SELECT key, account_id FROM identifier_links"
                    f" WHERE account_id IN ({_marks(batch)})",
                    tuple(batch),
                )
            )
        new = [(k, a, v) for (k, a), v in wanted.items() if (k, a) not in existing]
        if not new:
            return
        stats: dict[str, tuple[str, int, str]] = {}
        for batch in chunks(sorted({k for k, _, _ in new})):
            for key, kind, seen, anchor in _driver(
                conn,
                "SELECT key, kind, accounts, anchor FROM identifier_stats"
                f" WHERE key IN ({_marks(batch)})",
                tuple(batch),
            ):
                stats[key] = (kind, seen, anchor)
        link_rows = []
        edges: list[tuple[str, str]] = []
        for key, account, (kind, at, decision_id) in new:
            _, seen, anchor = stats.get(key, (kind, 0, account))
            rank = seen + 1
            stats[key] = (kind, rank, anchor)
            link_rows.append((key, account, kind, at, rank, decision_id))
            if 1 < rank <= self._config.cap(kind):
                edges.append((account, anchor))
        # Driver-level executemany: SQLAlchemy's per-row parameter processing cost more than
        # the inserts themselves (profiled: ~40 % of the hook's CPU).
        _driver(
            conn,
            "INSERT INTO identifier_links (key, account_id, kind, at, rank, decision_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            link_rows,
        )
        _driver(
            conn,
            "INSERT INTO identifier_stats (key, kind, accounts, anchor) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET accounts = excluded.accounts",
            [(k, *stats[k]) for k in sorted({k for k, _, _ in new})],
        )
        camp.apply_edges(conn, edges)
        spans: dict[str, tuple[float, float]] = {}
        for _, account, (_, at, _) in new:
            f, la = spans.get(account, (at, at))
            spans[account] = (min(f, at), max(la, at))
        camp.widen(conn, spans)

    def _recompute_due(self) -> bool:
        interval = self._config.recompute_interval_s
        return self.recompute_requested or (interval > 0 and self._now() >= self._next_recompute)

    def recompute(self, conn: Connection) -> int:
        """Full recompute with scipy; rewrites the tables if they differ (logged: should not)."""
        self.recompute_requested = False
        self._next_recompute = self._now() + self._config.recompute_interval_s
        started = time.perf_counter()
        partition = camp.recompute(conn, self._config.caps())
        changed = camp.rewrite(conn, partition)
        log = logger.warning if changed else logger.info
        log(
            "campaign recompute: %d campaigns, %d accounts changed, %.2f s",
            len(partition.rows),
            changed,
            time.perf_counter() - started,
        )
        return changed


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _driver(conn: Connection, sql: str, params: Any) -> Any:
    """Run ``sql`` written with ``?`` placeholders on the driver (a list of rows: executemany)."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return conn.exec_driver_sql(sql, params)


def _insert(conn: Connection, table: Any) -> Any:
    """The executing dialect's INSERT, which has ``on_conflict_*``."""
    return (sqlite if conn.dialect.name == "sqlite" else postgresql).insert(table)
