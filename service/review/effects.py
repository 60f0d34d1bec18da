"""What verdicts do to later requests, held in memory for the request path.

FRAUD accounts (later key creations blocked), LEGITIMATE accounts with an unused release (their
next key creation allowed), denied identifier keys with their expiry, allowed identifier keys
(a LEGITIMATE account's: exempt from velocity, :meth:`Effects.allowed`) with theirs, and each
account's open case id. The database is the truth; :class:`EffectsSync` loads it at start and
then follows the audit log (``review_audit``, append-only, by id) so a verdict given through
any process reaches every scorer within ``sync_interval_s`` -- and at once in the process that
gave it. Reads on the request path are dict and set lookups without a lock (single operations
are atomic under the GIL); writers replace or update under a lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select, union
from sqlalchemy.exc import SQLAlchemyError

from service.review.config import ReviewConfig
from service.review.model import CaseState, Verdict
from service.store.schema import (
    account_verdicts,
    cases,
    review_allowlist,
    review_audit,
    review_denylist,
)

logger = logging.getLogger(__name__)

_CHUNK = 5000


def chunks(values: Iterable[str], size: int = _CHUNK) -> Iterator[list[str]]:
    """Lists of at most ``size`` (keeps IN lists under every driver's parameter limit)."""
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Effects:
    """The in-memory view of verdicts, deny entries and open cases."""

    def __init__(self, config: ReviewConfig, now: Callable[[], float] = time.time) -> None:
        self._config = config
        self._now = now
        self._lock = threading.Lock()
        self.fraud: set[str] = set()
        self.released: set[str] = set()
        self.deny: dict[str, float] = {}  # key -> expires_at (wall clock)
        # Allow list: key -> expires_at, the latest of its owners' (read on the request path),
        # and key -> {account: (added_at, expires_at)} (its owners: LEGITIMATE accounts).
        self.allow: dict[str, float] = {}
        self._allow_owners: dict[str, dict[str, tuple[float, float]]] = {}
        self._allow_keys: dict[str, set[str]] = {}  # account -> its allowed keys
        self._open: OrderedDict[str, str] = OrderedDict()  # account -> open case id
        self._deny_owner: dict[str, tuple[str, float]] = {}  # key -> (account, expires_at)

    # -- request path ---------------------------------------------------------------------------

    def denied(self, key: str | None, now: float) -> bool:
        """Is this identifier key on the review deny list now?"""
        if key is None:
            return False
        expires = self.deny.get(key)
        return expires is not None and expires > now

    def allowed(self, key: str) -> bool:
        """Is this identifier key on the review allow list now (and not denied: new evidence)?

        The featurizer's question (:class:`service.featurize.AllowList`): an allowed key's
        velocity and linkage do not count against an event. Wall clock, like the deny list.
        """
        expires = self.allow.get(key)
        if expires is None:
            return False
        now = self._now()
        return expires > now and not self.denied(key, now)

    def take_release(self, account: str) -> bool:
        """Use the account's release (once); False if it has none."""
        with self._lock:
            if account in self.released:
                self.released.discard(account)
                return True
            return False

    def case_for(self, account: str, new_id: str) -> str:
        """The account's open case id, else ``new_id`` (remembered as its open case)."""
        with self._lock:
            found = self._open.get(account)
            if found is not None:
                self._open.move_to_end(account)
                return found
            self._open[account] = new_id
            while len(self._open) > self._config.registry_size:
                self._open.popitem(last=False)
            return new_id

    def open_case(self, account: str) -> str | None:
        """The open case id remembered for an account."""
        return self._open.get(account)

    # -- loading --------------------------------------------------------------------------------

    def load_accounts(self, conn: Connection, accounts: Select[tuple[str]], now: float) -> int:
        """Re-read verdicts, deny entries and open cases of the accounts ``accounts`` selects.

        The set travels as a subquery, never as a list of parameters: a campaign verdict
        touches 25,000 accounts at once. Returns how many accounts were re-read.
        """
        touched = [str(a) for a in conn.execute(accounts).scalars()]
        if not touched:
            return 0
        chosen = accounts.scalar_subquery()
        verdicts = conn.execute(
            select(
                account_verdicts.c.account_id,
                account_verdicts.c.verdict,
                account_verdicts.c.released,
            ).where(account_verdicts.c.account_id.in_(chosen))
        ).all()
        denies = conn.execute(
            select(
                review_denylist.c.account_id,
                review_denylist.c.key,
                review_denylist.c.expires_at,
            ).where(review_denylist.c.account_id.in_(chosen))
        ).all()
        opened = conn.execute(
            select(cases.c.account_id, cases.c.case_id, cases.c.opened_at)
            .where(cases.c.account_id.in_(chosen))
            .where(cases.c.state.in_([CaseState.OPEN.value, CaseState.CLAIMED.value]))
            .order_by(cases.c.opened_at)
        ).all()
        allows = conn.execute(
            self._allow_rows(now).where(review_allowlist.c.account_id.in_(chosen))
        ).all()
        self._apply(touched, verdicts, denies, opened, now, allows)
        return len(touched)

    def _allow_rows(self, now: float) -> Select[tuple[str, str, float, float]]:
        """Live allow entries of accounts whose verdict is LEGITIMATE now.

        A later FRAUD verdict on the account suspends its entries (an undo of that verdict
        brings them back while they last); an undo of the LEGITIMATE one deletes them.
        """
        return (
            select(
                review_allowlist.c.account_id,
                review_allowlist.c.key,
                review_allowlist.c.added_at,
                review_allowlist.c.expires_at,
            )
            .join(account_verdicts, account_verdicts.c.account_id == review_allowlist.c.account_id)
            .where(
                account_verdicts.c.verdict == int(Verdict.LEGITIMATE),
                review_allowlist.c.expires_at > now,
            )
        )

    def load_all(self, conn: Connection, now: float) -> None:
        """Everything: at start."""
        verdicts = conn.execute(
            select(
                account_verdicts.c.account_id,
                account_verdicts.c.verdict,
                account_verdicts.c.released,
            )
        ).all()
        denies = conn.execute(
            select(
                review_denylist.c.account_id, review_denylist.c.key, review_denylist.c.expires_at
            )
            .where(review_denylist.c.expires_at > now)
            .order_by(review_denylist.c.added_at.desc())
            .limit(self._config.deny_max)
        ).all()
        opened = conn.execute(
            select(cases.c.account_id, cases.c.case_id, cases.c.opened_at)
            .where(cases.c.state.in_([CaseState.OPEN.value, CaseState.CLAIMED.value]))
            .order_by(cases.c.opened_at)
            .limit(self._config.registry_size)
        ).all()
        allows = conn.execute(
            self._allow_rows(now)
            .order_by(review_allowlist.c.added_at.desc(), review_allowlist.c.key)
            .limit(self._config.allow_max)
        ).all()
        self._apply([], verdicts, denies, opened, now, allows)

    def _apply(
        self,
        accounts: list[str],
        verdicts: Sequence[Any],
        denies: Sequence[Any],
        opened: Sequence[Any],
        now: float,
        allows: Sequence[Any] = (),
    ) -> None:
        with self._lock:
            if accounts:
                touched = set(accounts)
                self.fraud -= touched
                self.released -= touched
                for account in touched:
                    self._open.pop(account, None)
                stale = [k for k, (acct, _) in self._deny_owner.items() if acct in touched]
                for key in stale:
                    del self._deny_owner[key]
                    self.deny.pop(key, None)
                self._drop_allow_owners(touched)
            self._add_allows(allows, now)
            for row in verdicts:
                if row.verdict == Verdict.FRAUD:
                    self.fraud.add(row.account_id)
                elif row.verdict == Verdict.LEGITIMATE and row.released:
                    self.released.add(row.account_id)
            for row in denies:
                if row.expires_at > now:
                    self.deny[row.key] = max(self.deny.get(row.key, 0.0), row.expires_at)
                    self._deny_owner[row.key] = (row.account_id, row.expires_at)
            while len(self.deny) > self._config.deny_max:
                oldest = min(self.deny, key=self.deny.__getitem__)
                del self.deny[oldest]
                self._deny_owner.pop(oldest, None)
            for row in opened:
                self._open[row.account_id] = row.case_id

    def _drop_allow_owners(self, accounts: set[str]) -> None:
        """Forget the allow entries of ``accounts`` (re-read next); keys others own stay."""
        for account in accounts:
            for key in self._allow_keys.pop(account, ()):
                owners = self._allow_owners.get(key)
                if owners is None:
                    continue
                owners.pop(account, None)
                if owners:
                    self.allow[key] = max(e for _, e in owners.values())
                else:
                    del self._allow_owners[key]
                    self.allow.pop(key, None)

    def _add_allows(self, rows: Sequence[Any], now: float) -> None:
        """Add live allow entries; past ``allow_max`` keys, evict those added longest ago."""
        for row in rows:
            if row.expires_at > now:
                owners = self._allow_owners.setdefault(row.key, {})
                owners[row.account_id] = (row.added_at, row.expires_at)
                self._allow_keys.setdefault(row.account_id, set()).add(row.key)
                self.allow[row.key] = max(self.allow.get(row.key, 0.0), row.expires_at)
        excess = len(self.allow) - self._config.allow_max
        if excess <= 0:
            return

        # Expired keys go first, then the oldest; one sort per load, only when over the bound.
        def age(key: str) -> tuple[bool, float, str]:
            owners = self._allow_owners[key]
            return (self.allow[key] > now, max(a for a, _ in owners.values()), key)

        for key in sorted(self.allow, key=age)[:excess]:
            del self.allow[key]
            for account in self._allow_owners.pop(key):
                mine = self._allow_keys.get(account)
                if mine is not None:
                    mine.discard(key)
                    if not mine:
                        del self._allow_keys[account]


class EffectsSync:
    """Loads :class:`Effects` at start and follows the audit log afterwards."""

    def __init__(
        self, engine: Engine, effects: Effects, config: ReviewConfig, now: Any = time.time
    ) -> None:
        self._engine = engine
        self._effects = effects
        self._config = config
        self._now = now
        self._last = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Load everything, then follow the audit log in the background."""
        try:
            with self._engine.connect() as conn:
                self._last = conn.execute(select(func.max(review_audit.c.audit_id))).scalar() or 0
                self._effects.load_all(conn, self._now())
        except SQLAlchemyError as exc:
            logger.warning(
                "review effects not loaded at start (retrying in the background): %s", exc
            )
        if self._config.sync_interval_s > 0:
            self._thread = threading.Thread(target=self._run, name="review-sync", daemon=True)
            self._thread.start()

    def run_once(self) -> int:
        """Apply audit rows written since the last run; the number of accounts re-read."""
        with self._lock, self._engine.connect() as conn:
            newest = conn.execute(select(func.max(review_audit.c.audit_id))).scalar() or 0
            if newest <= self._last:
                return 0
            window = review_audit.c.audit_id > self._last, review_audit.c.audit_id <= newest
            undone = select(review_audit.c.action_id).where(
                *window, review_audit.c.change == "undo"
            )
            direct = select(review_audit.c.account_id).where(
                *window, review_audit.c.account_id.is_not(None)
            )
            restored = select(review_audit.c.account_id).where(
                review_audit.c.action_id.in_(undone.scalar_subquery()),
                review_audit.c.account_id.is_not(None),
            )
            touched = select(union(direct, restored).subquery().c.account_id)
            count = self._effects.load_accounts(conn, touched, self._now())
            self._last = newest
            return count

    def close(self) -> None:
        """Stop following."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _run(self) -> None:
        while not self._stop.wait(self._config.sync_interval_s):
            try:
                self.run_once()
            except SQLAlchemyError as exc:
                logger.warning("review effects sync failed, retrying: %s", exc)
