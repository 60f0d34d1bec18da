"""The lean memory store against a plain reference: identical states on any stream of events.

The reference below is the straightforward store the fast one replaced: it recounts every window
from the buckets with :func:`count_windows` on every call and keeps one record per key. Streams
mix signups, API-key creations and decisions, with in-order, late, repeated, duplicate and
far-apart times, small link caps and frequent sweeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.state import flags
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
from service.state.memory import MemoryStateStore
from service.state.windows import (
    HOUR_KEEP,
    MINUTE_KEEP,
    WINDOWS,
    count_windows,
    hour_index,
    minute_index,
)

T0 = 1_780_000_000.0
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
    record: AccountRecord | None
    keys: int = 0
    first_key_at: float | None = None
    last: float = 0.0
    links: dict[str, str] = field(default_factory=dict)  # group link -> key
    held: bool = False
    flag: float | None = None
    flag_at: float = 0.0


class ReferenceStore:
    """The plain store: every window recounted from the buckets, one record per key."""

    def __init__(self, retention_s: float, link_cap: int, sweep_every: int) -> None:
        self._retention = retention_s
        self._link_cap = link_cap
        self._sweep_every = sweep_every
        self._lock = threading.Lock()
        self._counters: dict[str, _Counter] = {}
        self._links: dict[str, _Links] = {}
        self._flags: dict[str, tuple[float, float]] = {}  # "s:link:key" -> (mass, since)
        self._accounts: dict[str, _Account] = {}
        self._events: dict[str, float] = {}
        self._ops = 0
        self._latest = 0.0

    def observe_signup(self, event_id: str, at: float, keys: SignupKeys) -> SignupState:
        """Read the counts before ``at`` and record this signup."""
        duplicate = self._seen(event_id, at)
        velocity = self._velocity("s", SIGNUP_ENTITIES, keys.entity, at, record=not duplicate)
        group = self._group("s", GROUP_LINKS, keys.entity, keys.account)
        links = {name: key for name in GROUP_LINKS if (key := keys.entity(name)) is not None}
        flagged = None
        if links:
            flagged = 0.0
            for name, key in links.items():
                mass, since = self._flags.get(f"s:{name}:{key}", (None, 0.0))
                flagged += flags.decayed(mass, since, at)
        linked = self._linked("s", SIGNUP_LINKS, keys.entity, keys.account, at, not duplicate)
        if not duplicate:
            record = AccountRecord(at, keys.ip, keys.ip_prefix, keys.device, group=group)
            entry = self._accounts.get(keys.account)
            if entry is None:
                entry = self._accounts[keys.account] = _Account(None, last=at)
            if entry.record is None:
                entry.record, entry.links = record, links
                if flagged:
                    entry.flag, entry.flag_at = flagged, at
        self._tick(at)
        mass = None if flagged is None else flags.value(flagged)
        return SignupState(duplicate, velocity, linked, group, mass)

    def observe_api_key(self, event_id: str, at: float, keys: ApiKeyKeys) -> ApiKeyState:
        """Read the account and key counts before ``at`` and record this creation."""
        duplicate = self._seen(event_id, at)
        velocity = self._velocity("k", API_KEY_ENTITIES, keys.entity, at, record=not duplicate)
        linked = self._linked("k", API_KEY_LINKS, keys.entity, keys.account, at, not duplicate)
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
        return ApiKeyState(duplicate, record, keys_before, first_key_at, velocity, linked, flagged)

    def remember_decision(self, account: str, score: float, action: int) -> None:
        """Attach the signup decision to the account."""
        entry = self._accounts.get(account)
        if entry is not None and entry.record is not None:
            entry.record = replace(entry.record, score=score, action=action)
            if action >= flags.HOLDING and not entry.held:
                entry.held = True
                at = entry.record.signup_at
                for name, key in entry.links.items():
                    mass, since = self._flags.get(f"s:{name}:{key}", (None, 0.0))
                    self._flags[f"s:{name}:{key}"] = flags.add(mass, since, at)
                    members = self._links.get(f"s:{name}:{key}")
                    for member in () if members is None else members.accounts:
                        other = self._accounts.get(member)
                        if member != account and other is not None and other.record is not None:
                            other.flag, other.flag_at = flags.add(other.flag, other.flag_at, at)

    def size(self) -> dict[str, int]:
        """How many keys of each kind are held."""
        return {
            "counters": len(self._counters),
            "links": len(self._links),
            "flags": len(self._flags),
            "accounts": len(self._accounts),
            "events": len(self._events),
        }

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
                out.extend([None] * len(WINDOWS))
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
        self._flags = {k: f for k, f in self._flags.items() if f[1] >= horizon}
        self._accounts = {k: a for k, a in self._accounts.items() if a.last >= horizon}
        self._events = {k: t for k, t in self._events.items() if t >= horizon}


# -- streams ---------------------------------------------------------------------------------------

Step = tuple[str, str, float, object]


def _pick(*values: str) -> st.SearchStrategy[str | None]:
    """One of ``values``, or absent."""
    return st.sampled_from([None, *values])


_SIGNUP = st.builds(
    SignupKeys,
    account=st.sampled_from(["a0", "a1", "a2", "a3", "a4", "a5"]),
    ip=_pick("i0", "i1", "i2"),
    ip_prefix=_pick("p0", "p1"),
    device=_pick("d0", "d1", "d2", "d3"),
    card=_pick("c0", "c1"),
    phone=_pick("ph0", "ph1", "ph2"),
    email=_pick("m0", "m1", "m2", "m3"),
    email_domain=st.sampled_from(["gmail", "gmail", "corp", None]),
    email_shape=_pick("sh0"),
)
_API_KEY = st.builds(
    ApiKeyKeys,
    account=st.sampled_from(["a0", "a1", "a2", "a6"]),
    ip=_pick("i0", "i1"),
    ip_prefix=_pick("p0"),
    device=_pick("d0", "d1"),
)
# Steps between events, in units: repeats, nudges either way, bucket edges and long gaps.
_STEP = st.one_of(
    st.just(0.0),
    st.floats(-3.0, 3.0, allow_nan=False),
    st.sampled_from([1.0, -1.0, 10.0, 59.0, 60.0, 61.0, -60.0, 168.0, -170.0, 500.0, -2000.0]),
    st.integers(0, 5).map(float),
)
_UNIT = st.sampled_from([1.0, 7.0, 60.0, 600.0, 3600.0, 86400.0])
_EVENT_ID = st.one_of(st.integers(0, 4), st.integers(0, 10**6)).map(lambda i: f"e{i}")


@st.composite
def _streams(draw: st.DrawFn, max_size: int) -> list[Step]:
    """A stream of signups, key creations and decisions at drifting, jumping times."""
    unit = draw(_UNIT)
    base = T0 + draw(st.floats(0, 3600, allow_nan=False))
    t = base
    steps: list[Step] = []
    for _ in range(draw(st.integers(0, max_size))):
        t += draw(_STEP) * unit
        at = round(t, 3) if draw(st.booleans()) else float(int(t // 60) * 60)
        kind = draw(st.sampled_from("sssskd"))
        if kind == "s":
            steps.append(("s", draw(_EVENT_ID), at, draw(_SIGNUP)))
        elif kind == "k":
            steps.append(("k", draw(_EVENT_ID), at, draw(_API_KEY)))
        else:
            account = draw(st.sampled_from(["a0", "a1", "a6", "nobody"]))
            steps.append(("d", account, draw(st.floats(0, 1)), draw(st.integers(0, 3))))
    return steps


def _hot(times: list[float], accounts: int = 3) -> list[Step]:
    """Signups sharing a few keys at the given times, so buckets pile up and get pruned."""
    return [
        ("s", f"h{i}", at, SignupKeys(f"a{i % accounts}", ip="i0", device=_device(i), email="m0"))
        for i, at in enumerate(times)
    ]


def _device(i: int) -> str | None:
    """Two shared devices, and none on every fifth signup (its group is then its mailbox's)."""
    return None if i % 5 == 0 else f"d{i % 2}"


@st.composite
def _hot_times(draw: st.DrawFn) -> list[float]:
    """Over an hour of minutes or a week of hours, steadily, with some events moved or swapped."""
    gap = draw(st.sampled_from([13.0, 37.0, 61.0, 150.0, 1800.0, 3599.0, 3601.0]))
    times = [T0 + gap * i for i in range(draw(st.integers(62, 260)))]
    for i, shift in draw(st.lists(st.tuples(st.integers(0, 10**4), _STEP), max_size=25)):
        times[i % len(times)] += shift * draw(st.sampled_from([1.0, 60.0, 3600.0]))
    for i, j in draw(st.lists(st.tuples(st.integers(0, 10**4), st.integers(0, 10**4)))):
        a, b = i % len(times), j % len(times)
        times[a], times[b] = times[b], times[a]
    return [round(t, 3) for t in times]


def _replay(store: MemoryStateStore | ReferenceStore, steps: list[Step]) -> list[object]:
    """Every state the store returns, each followed by its key counts."""
    out: list[object] = []
    for kind, key, at, payload in steps:
        if kind == "s":
            assert isinstance(payload, SignupKeys)
            out.append(store.observe_signup(key, at, payload))
        elif kind == "k":
            assert isinstance(payload, ApiKeyKeys)
            out.append(store.observe_api_key(key, at, payload))
        else:
            assert isinstance(payload, int)
            store.remember_decision(key, at, payload)
        out.append(store.size())
    return out


def _both(retention_s: float, link_cap: int, sweep_every: int, steps: list[Step]) -> None:
    """Replays ``steps`` into the fast store and the reference, requiring identical output."""
    fast = MemoryStateStore(retention_s=retention_s, link_cap=link_cap, sweep_every=sweep_every)
    plain = ReferenceStore(retention_s=retention_s, link_cap=link_cap, sweep_every=sweep_every)
    assert _replay(fast, steps) == _replay(plain, steps)


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(
    steps=_streams(max_size=60),
    retention_s=st.sampled_from([600.0, 86400.0, 30 * 86400.0]),
    link_cap=st.sampled_from([0, 1, 2, 3, 1000]),
    sweep_every=st.sampled_from([1, 5, 50_000]),
)
def test_mixed_streams_match_the_reference(
    steps: list[Step], retention_s: float, link_cap: int, sweep_every: int
) -> None:
    """Every state and key count equals the plain store's, for any mix, times and caps."""
    _both(retention_s, link_cap, sweep_every, steps)


@_SETTINGS
@given(times=_hot_times(), accounts=st.sampled_from([3, 150]))
def test_hot_keys_with_pruning_match_the_reference(times: list[float], accounts: int) -> None:
    """Keys holding over an hour of minutes or a week of hours prune and count as the plain one."""
    _both(30 * 86400.0, 1000, 50_000, _hot(times, accounts))


@_SETTINGS
@given(
    times=st.lists(st.floats(-5 * 86400.0, 40 * 86400.0, allow_nan=False), max_size=120),
    retention_s=st.sampled_from([3600.0, 86400.0, 30 * 86400.0]),
)
def test_any_times_near_the_epoch_match_the_reference(
    times: list[float], retention_s: float
) -> None:
    """Arbitrary times, negative ones included, count and age out as in the plain store."""
    _both(retention_s, 2, 3, _hot(times))


def test_hot_stream_prunes_minutes_and_hours() -> None:
    """A deterministic hot stream over days, with late events, matches the plain store."""
    times = [T0 + 37.0 * i for i in range(3000)]
    late = times[-1] - 2 * 86400.0  # below every kept bucket: the next prunes must drop it
    times += [late, *(T0 + 37.0 * i for i in range(3000, 3100)), late + 5.0]
    times += [T0 + 37.0 * 3099 - 61.0 * i for i in range(200)]  # ever later arrivals, backwards
    times += [T0 + 12 * 86400.0 + 3599.0 * i for i in range(400)]  # over a week of hours
    times += [times[-1] - 9 * 86400.0, times[-1] + 3600.0, times[-1] - 9 * 86400.0 + 1.0]
    _both(30 * 86400.0, 1000, 50_000, _hot(times))
