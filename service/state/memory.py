"""In-process state store: the embedded default for one laptop or one replica.

Bounded by time, not by hope: buckets older than the longest window are dropped when their key
is next touched, and a sweep every ``sweep_every`` observations drops keys idle for longer than
``retention_s`` (measured on the store's own latest time, so an event-clock replay ages out
exactly as the wall clock would). Linked-account sets stop growing at ``link_cap`` members; a
signup's linked group is the union of its group links' sets, read before it is recorded.

Kept lean for the hot path, with results identical to summing the buckets afresh
(:func:`service.state.windows.count_windows`) on every call:

* an entity seen once is held as just its event time (most entities are), and a link seen with
  one account as ``(account, last)``; they become full records on their second event;
* a full counter caches its window sums at one minute and one hour and keeps them exact through
  every add and prune, so a read at the same minute is free and a later one costs only the
  buckets entering or leaving the windows (a jump past more indices than the counter holds
  buckets, or far back, is summed afresh);
* keys live in one table per entity kind, so no key string is built per call.

Flag mass (:mod:`service.state.flags`) is kept per group link in a table of its own and per
account on its entry; holding an account pushes +1 to every other member of its group links'
sets, as they are at that moment, under the same lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, Final

from service.state import flags
from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    GROUP_CAP,
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
from service.state.windows import HOUR, HOUR_KEEP, MINUTE, MINUTE_KEEP, WINDOWS, bucket_width, span


def _layout() -> tuple[int, int, int, int]:
    """Spans of the short and long minute windows, then the short and long hour windows."""
    kinds = tuple(bucket_width(w) for w in WINDOWS)
    spans = tuple(span(w) for w in WINDOWS)
    if kinds != (MINUTE, MINUTE, HOUR, HOUR) or spans[1] != MINUTE_KEEP or spans[3] != HOUR_KEEP:
        raise ImportError("memory._Counter caches two minute then two hour windows; update it")
    if not (0 < spans[0] <= spans[1] and 0 < spans[2] <= spans[3]):
        raise ImportError("memory._Counter expects each kind's windows from short to long")
    return spans[0], spans[1], spans[2], spans[3]


_M1, _M2, _H1, _H2 = _layout()
_NONE_WINDOWS: Final[tuple[None, ...]] = (None,) * len(WINDOWS)
_ZERO_WINDOWS: Final[tuple[int, ...]] = (0,) * len(WINDOWS)
_NO_HITS: Final = (0, 0)
# What one event ``age`` buckets back adds to the (short, long) windows of its kind.
_MINUTE_HITS: Final = tuple((int(age < _M1), 1) for age in range(_M2))
_HOUR_HITS: Final = tuple((int(age < _H1), 1) for age in range(_H2))
_ZEROS: Final = repeat(0)  # the default of every bucket lookup in _move

Counts = tuple[int, int, int, int]
_Values = Callable[[Any], tuple[str | None, ...]]


def _values(names: Sequence[str]) -> _Values:
    """A function returning the keys of ``names`` from a keys object, as a tuple."""
    if len(names) == 1:
        name = names[0]
        return lambda keys: (getattr(keys, name),)
    getter: _Values = attrgetter(*names)
    return getter


def _picker(positions: Sequence[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A function returning the items at ``positions`` of a list, as a tuple."""
    if len(positions) < 2:
        return lambda items: tuple(items[i] for i in positions)
    getter: Callable[[list[Any]], tuple[Any, ...]] = itemgetter(*positions)
    return getter


# -- bucket arithmetic (one kind: minutes or hours) ---------------------------------------------


def _span_sum(get: Callable[[int, int], int], lo: int, hi: int) -> int:
    """Sum of the buckets with index in ``(lo, hi]``, by looking each index up."""
    return sum(map(get, range(lo + 1, hi + 1), _ZEROS)) if hi > lo else 0


def _move(
    buckets: dict[int, int], old: int, new: int, short: int, long: int, top: int, n1: int, n2: int
) -> tuple[int, int]:
    """Sums of the windows of ``n1`` and ``n2`` buckets ending at ``new``, from those at ``old``.

    ``short`` and ``long`` are the sums ending at ``old``; no bucket lies above ``top``. A move
    forward slides the windows, looking up only the bucket indices that enter or leave them, as
    does a short move back; a longer one, or one across more indices than the counter holds
    buckets, recounts them all.
    """
    if top <= new - n2:  # every bucket is older than both windows
        return 0, 0
    d = new - old
    if 0 < d < n2 and 2 * d < len(buckets):  # (old, new] enters, (old - n, new - n] leaves
        get = buckets.get
        moved = _span_sum(get, old, min(new, top)) if top > old else 0
        if d == 1:  # the common step: one bucket in, one out of each window
            return short + moved - get(new - n1, 0), long + moved - get(new - n2, 0)
        long += moved - _span_sum(get, old - n2, new - n2)
        if top <= new - n1:
            return 0, long
        if d < n1:
            return short + moved - _span_sum(get, old - n1, new - n1), long
        return _span_sum(get, new - n1, min(new, top)), long
    if -n1 < d < 0 and -3 * d < len(buckets):  # (new, old] leaves, (new - n, old - n] enters
        get = buckets.get
        moved = _span_sum(get, new, min(old, top))
        short += _span_sum(get, new - n1, old - n1) - moved
        long += _span_sum(get, new - n2, old - n2) - moved
        return short, long
    return _recount(buckets, new, n1, n2)


def _recount(buckets: dict[int, int], new: int, n1: int, n2: int) -> tuple[int, int]:
    """Sums of the windows of ``n1`` and ``n2`` buckets ending at ``new``, bucket by bucket."""
    short = long = 0
    lo1, lo2 = new - n1, new - n2
    for i, c in buckets.items():
        if lo2 < i <= new:
            long += c
            if i > lo1:
                short += c
    return short, long


def _prune(
    buckets: dict[int, int], floor: int, cut: int, idx: int, short: int, long: int, n1: int, n2: int
) -> tuple[int, int]:
    """Drop the buckets at or below ``cut``, and take them out of the sums ending at ``idx``.

    No bucket lies at or below ``floor``, so only the indices between are looked up when they
    are fewer than the buckets held.
    """
    if cut - floor < len(buckets):
        gone = [i for i in range(floor + 1, cut + 1) if i in buckets]
    else:
        gone = [i for i in buckets if i <= cut]
    for i in gone:
        c = buckets.pop(i)
        age = idx - i
        if 0 <= age < n2:
            long -= c
            if age < n1:
                short -= c
    return short, long


# -- records -------------------------------------------------------------------------------------


class _Counter:
    """One entity's minute and hour buckets, with its window sums cached at one minute and hour.

    ``m1, m2`` are the short and long minute-window sums ending at minute ``mi``; ``h1, h2`` the
    hour-window sums ending at hour ``hi``. Every add and prune keeps them exact. No minute
    bucket lies at or below ``m_floor``, no hour bucket at or below ``h_floor``.
    """

    __slots__ = (
        "h1",
        "h2",
        "h_floor",
        "hi",
        "hours",
        "last",
        "m1",
        "m2",
        "m_floor",
        "mi",
        "minutes",
    )

    def __init__(self, first: float, m: int, h: int, counts: Counts) -> None:
        """A counter holding one event at ``first``, whose window sums at ``(m, h)`` are counts."""
        first_m, first_h = int(first // MINUTE), int(first // HOUR)
        self.minutes, self.hours = {first_m: 1}, {first_h: 1}
        self.m_floor, self.h_floor = first_m - 1, first_h - 1
        self.last = max(0.0, first)
        self.mi, self.hi = m, h
        self.m1, self.m2, self.h1, self.h2 = counts

    def observe(self, at: float, m: int, h: int, record: bool) -> Counts:
        """The window sums at minute ``m`` and hour ``h`` (those of ``at``), then count ``at``."""
        if m != self.mi:
            top = int(self.last // MINUTE)  # no bucket is later than the latest event
            self.m1, self.m2 = _move(self.minutes, self.mi, m, self.m1, self.m2, top, _M1, _M2)
            self.mi = m
        if h != self.hi:
            top = int(self.last // HOUR)
            self.h1, self.h2 = _move(self.hours, self.hi, h, self.h1, self.h2, top, _H1, _H2)
            self.hi = h
        counts = (self.m1, self.m2, self.h1, self.h2)
        if record:  # the sums now end at this event's own buckets, so it adds to each
            minutes, hours = self.minutes, self.hours
            minutes[m] = minutes.get(m, 0) + 1
            hours[h] = hours.get(h, 0) + 1
            self.m1 += 1
            self.m2 += 1
            self.h1 += 1
            self.h2 += 1
            self.last = max(self.last, at)
            if m <= self.m_floor:  # a late event below the floor
                self.m_floor = m - 1
            if h <= self.h_floor:
                self.h_floor = h - 1
            if len(minutes) > MINUTE_KEEP:
                self._prune_minutes()
            if len(hours) > HOUR_KEEP:
                self._prune_hours()
        return counts

    def _prune_minutes(self) -> None:
        """Drop the minute buckets an hour or more older than the latest event."""
        cut = int(self.last // MINUTE) - MINUTE_KEEP
        args = (self.m_floor, cut, self.mi, self.m1, self.m2, _M1, _M2)
        self.m1, self.m2 = _prune(self.minutes, *args)
        self.m_floor = cut

    def _prune_hours(self) -> None:
        """Drop the hour buckets a week or more older than the latest event."""
        cut = int(self.last // HOUR) - HOUR_KEEP
        args = (self.h_floor, cut, self.hi, self.h1, self.h2, _H1, _H2)
        self.h1, self.h2 = _prune(self.hours, *args)
        self.h_floor = cut


def _once(first: float, m: int, h: int) -> Counts:
    """Window sums at minute ``m`` and hour ``h`` of an entity seen once, at ``first``."""
    age_m = m - int(first // MINUTE)
    age_h = h - int(first // HOUR)
    short_m, long_m = _MINUTE_HITS[age_m] if 0 <= age_m < _M2 else _NO_HITS
    short_h, long_h = _HOUR_HITS[age_h] if 0 <= age_h < _H2 else _NO_HITS
    return short_m, long_m, short_h, long_h


@dataclass(slots=True)
class _Links:
    accounts: dict[str, float] = field(default_factory=dict)
    last: float = 0.0


# A link seen with one account is held as (that account, last time seen).
_Link = _Links | tuple[str, float]


def _others(entry: _Link, account: str) -> int:
    """How many accounts other than ``account`` the link holds."""
    if type(entry) is tuple:
        return 0 if entry[0] == account else 1
    members = entry.accounts  # type: ignore[union-attr]
    return len(members) - (account in members)


def _members(entry: _Link) -> Iterable[str]:
    """Every account the link holds."""
    if type(entry) is tuple:
        return entry[:1]
    return entry.accounts.keys()  # type: ignore[union-attr]


def _new_link(account: str, at: float, cap: int) -> _Link:
    """A link first seen with ``account`` at ``at`` (which a cap of 0 keeps out of it)."""
    return (account, max(0.0, at)) if cap >= 1 else _Links({}, max(0.0, at))


def _with(entry: _Link, account: str, at: float, cap: int) -> _Link:
    """The link after ``account`` is seen with it at ``at`` (the cap bounding its accounts)."""
    if type(entry) is tuple:
        first, last = entry
        if first != account and cap >= 2:
            return _Links({first: last, account: at}, max(last, at))
        return (first, at) if at > last else entry
    links: _Links = entry  # type: ignore[assignment]
    if account in links.accounts or len(links.accounts) < cap:
        links.accounts[account] = at
    links.last = max(links.last, at)
    return links


def _group(entries: Sequence[_Link | None], present: bool, account: str) -> int | None:
    """Size of the linked group over the group links' entries (before this signup)."""
    if not present:
        return None
    parts: list[tuple[int, Iterable[str]]] = []
    for entry in entries:
        if entry is not None:
            others = _others(entry, account)
            if others:  # a set of just this account adds nobody
                parts.append((others, _members(entry)))
    if not parts:
        return 0
    if len(parts) == 1:  # one set: its others are the group (what group_size gives)
        return min(GROUP_CAP, parts[0][0])
    return group_size(account, parts)


@dataclass(slots=True)
class _Account:
    record: AccountRecord | None  # None: keys seen, but never the account's signup
    keys: int = 0
    first_key_at: float | None = None
    last: float = 0.0
    links: tuple[str | None, ...] = ()  # the signup's GROUP_LINKS keys
    held: bool = False  # a REVIEW or BLOCK decision flagged its links
    flag: float | None = None  # flag mass (service.state.flags) since flag_at
    flag_at: float = 0.0


_SIGNUP_VALUES: Final = _values(SIGNUP_ENTITIES)
_SIGNUP_LINK_VALUES: Final = _values(SIGNUP_LINKS)
_GROUP_VALUES: Final = _values(GROUP_LINKS)
# The group links among the signup links (a group link that is not one never holds anyone).
_GROUP_ENTRIES: Final = _picker([SIGNUP_LINKS.index(n) for n in GROUP_LINKS if n in SIGNUP_LINKS])
# Each group link's position among the signup links (None: not one, so it holds no accounts).
_GROUP_AT: Final = tuple(SIGNUP_LINKS.index(n) if n in SIGNUP_LINKS else None for n in GROUP_LINKS)
_NO_GROUP: Final = (None,) * len(GROUP_LINKS)
_API_KEY_VALUES: Final = _values(API_KEY_ENTITIES)
_API_KEY_LINK_VALUES: Final = _values(API_KEY_LINKS)

_CounterTable = dict[str, "_Counter | float"]
_LinkTable = dict[str, _Link]


class MemoryStateStore:
    """Thread-safe in-memory implementation of :class:`service.state.base.StateStore`."""

    def __init__(
        self, retention_s: float = 30 * 86400.0, link_cap: int = 1000, sweep_every: int = 50_000
    ) -> None:
        self._retention = retention_s
        self._link_cap = link_cap
        self._sweep_every = sweep_every
        self._lock = threading.Lock()
        self._signup_counters: list[_CounterTable] = [{} for _ in SIGNUP_ENTITIES]
        self._api_key_counters: list[_CounterTable] = [{} for _ in API_KEY_ENTITIES]
        self._signup_links: list[_LinkTable] = [{} for _ in SIGNUP_LINKS]
        self._api_key_links: list[_LinkTable] = [{} for _ in API_KEY_LINKS]
        # Flag mass per group link: key -> (mass, since).
        self._flags: list[dict[str, tuple[float, float]]] = [{} for _ in GROUP_LINKS]
        self._accounts: dict[str, _Account] = {}
        self._events: dict[str, float] = {}
        self._ops = 0
        self._latest = 0.0

    # -- StateStore -------------------------------------------------------------------------

    def observe_signup(self, event_id: str, at: float, keys: SignupKeys) -> SignupState:
        """Read the counts before ``at`` and record this signup, atomically."""
        with self._lock:
            duplicate = self._seen(event_id, at)
            velocity = _velocity(self._signup_counters, _SIGNUP_VALUES(keys), at, not duplicate)
            values = _SIGNUP_LINK_VALUES(keys)
            entries = _lookup(self._signup_links, values)
            group_values = _GROUP_VALUES(keys)
            present = group_values != _NO_GROUP
            group = _group(_GROUP_ENTRIES(entries), present, keys.account)
            flagged = self._flagged(group_values, at) if present else None
            linked = self._linked(self._signup_links, values, entries, keys.account, at, duplicate)
            if not duplicate:
                entry = self._accounts.get(keys.account)
                if entry is None or entry.record is None:
                    record = AccountRecord(at, keys.ip, keys.ip_prefix, keys.device, group=group)
                    if entry is None:
                        entry = self._accounts[keys.account] = _Account(record, last=at)
                    else:
                        entry.record = record
                    entry.links = group_values
                    if flagged:  # the snapshot: what its links carried before it joined
                        entry.flag, entry.flag_at = flagged, at
            self._tick(at)
            mass = None if flagged is None else flags.value(flagged)
            return SignupState(duplicate, velocity, linked, group, mass)

    def observe_api_key(self, event_id: str, at: float, keys: ApiKeyKeys) -> ApiKeyState:
        """Read the account and key counts before ``at`` and record this creation, atomically."""
        with self._lock:
            duplicate = self._seen(event_id, at)
            velocity = _velocity(self._api_key_counters, _API_KEY_VALUES(keys), at, not duplicate)
            values = _API_KEY_LINK_VALUES(keys)
            entries = _lookup(self._api_key_links, values)
            linked = self._linked(self._api_key_links, values, entries, keys.account, at, duplicate)
            account = self._accounts.get(keys.account)
            record = account.record if account else None
            keys_before = account.keys if account else 0
            first_key_at = account.first_key_at if account else None
            flagged = None
            if account is not None and record is not None:
                flagged = flags.value(flags.decayed(account.flag, account.flag_at, at))
            if not duplicate:
                if account is None:
                    account = self._accounts[keys.account] = _Account(None, last=at)
                account.keys += 1
                if account.first_key_at is None or at < account.first_key_at:
                    account.first_key_at = at
                account.last = max(account.last, at)
            self._tick(at)
            return ApiKeyState(
                duplicate, record, keys_before, first_key_at, velocity, linked, flagged
            )

    def remember_decision(self, account: str, score: float, action: int) -> None:
        """Attach the signup decision to the account, for its later API-key creations."""
        with self._lock:
            entry = self._accounts.get(account)
            record = entry.record if entry is not None else None
            if entry is not None and record is not None:  # as dataclasses.replace, ~2 µs less
                entry.record = AccountRecord(
                    record.signup_at,
                    record.ip,
                    record.ip_prefix,
                    record.device,
                    score,
                    action,
                    record.group,
                )
                if action >= flags.HOLDING and not entry.held:
                    entry.held = True
                    self._hold(account, entry.links, record.signup_at)

    def close(self) -> None:
        """Drop everything."""
        with self._lock:
            for counters in (*self._signup_counters, *self._api_key_counters):
                counters.clear()
            for links in (*self._signup_links, *self._api_key_links):
                links.clear()
            for masses in self._flags:
                masses.clear()
            self._accounts.clear()
            self._events.clear()

    # -- internals ----------------------------------------------------------------------------

    def _flagged(self, values: tuple[str | None, ...], at: float) -> float:
        """The group links' flag mass at ``at``, summed in GROUP_LINKS order (the snapshot)."""
        total = 0.0
        for masses, value in zip(self._flags, values, strict=True):
            if value is not None:
                found = masses.get(value)
                if found is not None:
                    total += flags.decayed(found[0], found[1], at)
        return total

    def _hold(self, account: str, values: tuple[str | None, ...], at: float) -> None:
        """Flag the held account's group links at ``at`` and push +1 to their other accounts."""
        accounts = self._accounts
        for masses, value, position in zip(self._flags, values, _GROUP_AT, strict=True):
            if value is None:
                continue
            found = masses.get(value)
            if found is None:
                masses[value] = flags.add(None, 0.0, at)
            else:
                masses[value] = flags.add(found[0], found[1], at)
            entry = None if position is None else self._signup_links[position].get(value)
            for member in () if entry is None else _members(entry):
                other = accounts.get(member)
                if member != account and other is not None and other.record is not None:
                    other.flag, other.flag_at = flags.add(other.flag, other.flag_at, at)

    def _seen(self, event_id: str, at: float) -> bool:
        if event_id in self._events:
            return True
        self._events[event_id] = at
        return False

    def _linked(
        self,
        tables: list[_LinkTable],
        values: tuple[str | None, ...],
        entries: list[_Link | None],
        account: str,
        at: float,
        duplicate: bool,
    ) -> tuple[int | None, ...]:
        """Other accounts per link (from ``entries``, read before), then record the account."""
        out: list[int | None] = []
        cap = self._link_cap
        fresh = _new_link(account, at, cap) if cap >= 1 else None  # immutable: one for all
        for table, value, entry in zip(tables, values, entries, strict=True):
            if value is None:
                out.append(None)
            elif entry is None:
                out.append(0)
                if not duplicate:
                    table[value] = fresh or _new_link(account, at, cap)
            else:
                out.append(_others(entry, account))
                if not duplicate:
                    updated = _with(entry, account, at, cap)
                    if updated is not entry:
                        table[value] = updated
        return tuple(out)

    def _tick(self, at: float) -> None:
        self._latest = max(self._latest, at)
        self._ops += 1
        if self._ops % self._sweep_every == 0:
            self._sweep()

    def _sweep(self) -> None:
        # Deletes in place: a sweep usually drops a small part of what it scans, and rebuilding
        # every table re-allocated all the survivors while holding the lock.
        horizon = self._latest - self._retention
        for counters in (*self._signup_counters, *self._api_key_counters):
            _drop(counters, [k for k, c in counters.items() if not _counter_last(c) >= horizon])
        for links in (*self._signup_links, *self._api_key_links):
            _drop(links, [k for k, v in links.items() if not _link_last(v) >= horizon])
        for masses in self._flags:
            _drop(masses, [k for k, (_, since) in masses.items() if not since >= horizon])
        _drop(self._accounts, [k for k, a in self._accounts.items() if not a.last >= horizon])
        _drop(self._events, [k for k, t in self._events.items() if not t >= horizon])

    def size(self) -> dict[str, int]:
        """How many keys of each kind are held (for tests and metrics)."""
        with self._lock:
            return {
                "counters": sum(map(len, (*self._signup_counters, *self._api_key_counters))),
                "links": sum(map(len, (*self._signup_links, *self._api_key_links))),
                "flags": sum(map(len, self._flags)),
                "accounts": len(self._accounts),
                "events": len(self._events),
            }


def _velocity(
    tables: list[_CounterTable], values: tuple[str | None, ...], at: float, record: bool
) -> tuple[int | None, ...]:
    """Window counts per entity before ``at`` (None where absent), then record ``at`` if asked."""
    m, h = int(at // MINUTE), int(at // HOUR)  # windows.minute_index / hour_index
    out: list[int | None] = []
    for table, key in zip(tables, values, strict=True):
        if key is None:
            out += _NONE_WINDOWS
            continue
        entry = table.get(key)
        if entry is None:
            out += _ZERO_WINDOWS
            if record:
                table[key] = at
        elif type(entry) is _Counter:
            out += entry.observe(at, m, h, record)
        else:
            first: float = entry  # type: ignore[assignment]
            counts = _once(first, m, h)
            out += counts
            if record:
                counter = table[key] = _Counter(first, m, h, counts)
                counter.observe(at, m, h, record)
    return tuple(out)


def _counter_last(entry: _Counter | float) -> float:
    """The latest time a counter counted (0.0 at least, as a fresh counter starts)."""
    return entry.last if isinstance(entry, _Counter) else max(0.0, entry)


def _drop(table: dict[str, Any], keys: list[str]) -> None:
    """Delete ``keys`` from ``table``."""
    for key in keys:
        del table[key]


def _lookup(tables: list[_LinkTable], values: tuple[str | None, ...]) -> list[_Link | None]:
    """Each link's entry, None where the key is absent or unseen."""
    return [None if k is None else t.get(k) for t, k in zip(tables, values, strict=True)]


def _link_last(entry: _Link) -> float:
    """The latest time a link was seen (0.0 at least, as a fresh link starts)."""
    return entry[1] if type(entry) is tuple else entry.last  # type: ignore[union-attr]
