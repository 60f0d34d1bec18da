"""In-process state store: the embedded default for one laptop or one replica.

Bounded by time, not by hope: buckets older than the longest window are dropped when their key
is next touched, and a sweep every ``sweep_every`` observations drops keys idle for longer than
``retention_s`` (measured on the store's own latest time, so an event-clock replay ages out
exactly as the wall clock would). Linked-account sets stop growing at ``link_cap`` members; a
signup's linked group is the union of its group links' sets, read before it is recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    GROUP_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    AccountRecord,
    ApiKeyKeys,
    ApiKeyState,
    SignupKeys,
    SignupState,
    group_size,
)
from service.state.windows import (
    HOUR_KEEP,
    MINUTE_KEEP,
    WINDOWS,
    count_windows,
    hour_index,
    minute_index,
)

_NONE_WINDOWS: tuple[None, ...] = (None,) * len(WINDOWS)
_Getter = Callable[[str], str | None]


@dataclass(slots=True)
class _Counter:
    minutes: dict[int, int] = field(default_factory=dict)
    hours: dict[int, int] = field(default_factory=dict)
    last: float = 0.0

    def add(self, at: float) -> None:
        m, h = minute_index(at), hour_index(at)
        self.minutes[m] = self.minutes.get(m, 0) + 1
        self.hours[h] = self.hours.get(h, 0) + 1
        self.last = max(self.last, at)
        top_m, top_h = minute_index(self.last), hour_index(self.last)
        if len(self.minutes) > MINUTE_KEEP:
            self.minutes = {i: c for i, c in self.minutes.items() if i > top_m - MINUTE_KEEP}
        if len(self.hours) > HOUR_KEEP:
            self.hours = {i: c for i, c in self.hours.items() if i > top_h - HOUR_KEEP}


@dataclass(slots=True)
class _Links:
    accounts: dict[str, float] = field(default_factory=dict)
    last: float = 0.0


@dataclass(slots=True)
class _Account:
    record: AccountRecord | None  # None: keys seen, but never the account's signup
    keys: int = 0
    first_key_at: float | None = None
    last: float = 0.0


class MemoryStateStore:
    """Thread-safe in-memory implementation of :class:`service.state.base.StateStore`."""

    def __init__(
        self, retention_s: float = 30 * 86400.0, link_cap: int = 1000, sweep_every: int = 50_000
    ) -> None:
        self._retention = retention_s
        self._link_cap = link_cap
        self._sweep_every = sweep_every
        self._lock = threading.Lock()
        self._counters: dict[str, _Counter] = {}
        self._links: dict[str, _Links] = {}
        self._accounts: dict[str, _Account] = {}
        self._events: dict[str, float] = {}
        self._ops = 0
        self._latest = 0.0

    # -- StateStore -------------------------------------------------------------------------

    def observe_signup(self, event_id: str, at: float, keys: SignupKeys) -> SignupState:
        """Read the counts before ``at`` and record this signup, atomically."""
        with self._lock:
            duplicate = self._seen(event_id, at)
            velocity = self._velocity("s", SIGNUP_ENTITIES, keys.entity, at, record=not duplicate)
            group = self._group("s", GROUP_LINKS, keys.entity, keys.account)
            linked = self._linked("s", SIGNUP_LINKS, keys.entity, keys.account, at, not duplicate)
            if not duplicate:
                record = AccountRecord(at, keys.ip, keys.ip_prefix, keys.device)
                entry = self._accounts.get(keys.account)
                if entry is None:
                    self._accounts[keys.account] = _Account(record, last=at)
                elif entry.record is None:
                    entry.record = record
            self._tick(at)
            return SignupState(duplicate, velocity, linked, group)

    def observe_api_key(self, event_id: str, at: float, keys: ApiKeyKeys) -> ApiKeyState:
        """Read the account and key counts before ``at`` and record this creation, atomically."""
        with self._lock:
            duplicate = self._seen(event_id, at)
            velocity = self._velocity("k", API_KEY_ENTITIES, keys.entity, at, record=not duplicate)
            linked = self._linked("k", API_KEY_LINKS, keys.entity, keys.account, at, not duplicate)
            account = self._accounts.get(keys.account)
            record = account.record if account else None
            keys_before = account.keys if account else 0
            first_key_at = account.first_key_at if account else None
            if not duplicate:
                if account is None:
                    account = self._accounts[keys.account] = _Account(None, last=at)
                account.keys += 1
                if account.first_key_at is None or at < account.first_key_at:
                    account.first_key_at = at
                account.last = max(account.last, at)
            self._tick(at)
            return ApiKeyState(duplicate, record, keys_before, first_key_at, velocity, linked)

    def remember_decision(self, account: str, score: float, action: int) -> None:
        """Attach the signup decision to the account, for its later API-key creations."""
        with self._lock:
            entry = self._accounts.get(account)
            if entry is not None and entry.record is not None:
                entry.record = replace(entry.record, score=score, action=action)

    def close(self) -> None:
        """Drop everything."""
        with self._lock:
            self._counters.clear()
            self._links.clear()
            self._accounts.clear()
            self._events.clear()

    # -- internals ----------------------------------------------------------------------------

    def _seen(self, event_id: str, at: float) -> bool:
        if event_id in self._events:
            return True
        self._events[event_id] = at
        return False

    def _velocity(
        self, ns: str, names: tuple[str, ...], get: _Getter, at: float, *, record: bool
    ) -> tuple[int | None, ...]:
        out: list[int | None] = []
        for name in names:
            key = get(name)
            if key is None:
                out.extend(_NONE_WINDOWS)
                continue
            counter = self._counters.get(f"{ns}:{name}:{key}")
            if counter is None:
                out.extend([0] * len(WINDOWS))
                if record:
                    counter = self._counters[f"{ns}:{name}:{key}"] = _Counter()
            else:
                out.extend(count_windows(counter.minutes, counter.hours, at))
            if record and counter is not None:
                counter.add(at)
        return tuple(out)

    def _linked(
        self, ns: str, names: tuple[str, ...], get: _Getter, account: str, at: float, record: bool
    ) -> tuple[int | None, ...]:
        out: list[int | None] = []
        for name in names:
            key = get(name)
            if key is None:
                out.append(None)
                continue
            links = self._links.get(f"{ns}:{name}:{key}")
            if links is None:
                out.append(0)
                if not record:
                    continue
                links = self._links[f"{ns}:{name}:{key}"] = _Links()
            else:
                out.append(len(links.accounts) - (1 if account in links.accounts else 0))
            if record:
                if account in links.accounts or len(links.accounts) < self._link_cap:
                    links.accounts[account] = at
                links.last = max(links.last, at)
        return tuple(out)

    def _group(self, ns: str, names: tuple[str, ...], get: _Getter, account: str) -> int | None:
        parts: list[tuple[int, Iterable[str]]] = []
        present = False
        for name in names:
            key = get(name)
            if key is None:
                continue
            present = True
            links = self._links.get(f"{ns}:{name}:{key}")
            if links is not None:
                members = links.accounts
                parts.append((len(members) - (1 if account in members else 0), members.keys()))
        return group_size(account, parts) if present else None

    def _tick(self, at: float) -> None:
        self._latest = max(self._latest, at)
        self._ops += 1
        if self._ops % self._sweep_every == 0:
            self._sweep()

    def _sweep(self) -> None:
        horizon = self._latest - self._retention
        self._counters = {k: c for k, c in self._counters.items() if c.last >= horizon}
        self._links = {k: v for k, v in self._links.items() if v.last >= horizon}
        self._accounts = {k: a for k, a in self._accounts.items() if a.last >= horizon}
        self._events = {k: t for k, t in self._events.items() if t >= horizon}

    def size(self) -> dict[str, int]:
        """How many keys of each kind are held (for tests and metrics)."""
        with self._lock:
            return {
                "counters": len(self._counters),
                "links": len(self._links),
                "accounts": len(self._accounts),
                "events": len(self._events),
            }
