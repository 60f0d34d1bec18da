"""The StateStore contract, run against every implementation (memory now; Redis joins later)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.state import ApiKeyKeys, MemoryStateStore, SignupKeys, StateStore
from service.state.base import SIGNUP_ENTITIES, SIGNUP_LINKS
from service.state.windows import WINDOWS

T0 = 1_780_000_000.0  # a fixed moment, aligned to no particular bucket


@pytest.fixture(params=["memory"])
def store(request: pytest.FixtureRequest) -> Iterator[StateStore]:
    """Each StateStore implementation, fresh."""
    impl = MemoryStateStore()
    yield impl
    impl.close()


def _velocity(state_velocity: tuple[int | None, ...], entity: str) -> tuple[int | None, ...]:
    i = SIGNUP_ENTITIES.index(entity)
    return state_velocity[i * len(WINDOWS) : (i + 1) * len(WINDOWS)]


def _signup(account: str, **keys: str) -> SignupKeys:
    return SignupKeys(account=account, **keys)


def test_first_signup_sees_zero_and_absent_entities_none(store: StateStore) -> None:
    """A first signup counts zero for its entities and None for the ones it lacks."""
    state = store.observe_signup("e1", T0, _signup("a1", ip="ip1"))
    assert not state.duplicate
    assert _velocity(state.velocity, "ip") == (0, 0, 0, 0)
    assert _velocity(state.velocity, "device") == (None, None, None, None)
    assert state.linked[SIGNUP_LINKS.index("ip")] == 0
    assert state.linked[SIGNUP_LINKS.index("card")] is None


def test_counts_prior_events_per_window(store: StateStore) -> None:
    """Counts are of earlier events, each falling out of a window once it is old enough."""
    store.observe_signup("e1", T0, _signup("a1", ip="ip1"))
    store.observe_signup("e2", T0 + 1800, _signup("a2", ip="ip1"))
    store.observe_signup("e3", T0 + 7200, _signup("a3", ip="ip1"))
    state = store.observe_signup("e4", T0 + 7260, _signup("a4", ip="ip1"))
    # 10m: e3 (60 s earlier); 1h: e3; 24h and 7d: e1, e2, e3.
    assert _velocity(state.velocity, "ip") == (1, 1, 3, 3)
    later = store.observe_signup("e5", T0 + 8 * 86400, _signup("a5", ip="ip1"))
    assert _velocity(later.velocity, "ip") == (0, 0, 0, 0)


def test_duplicate_event_counts_once(store: StateStore) -> None:
    """Replaying an event id changes nothing and is flagged as a duplicate."""
    store.observe_signup("e1", T0, _signup("a1", ip="ip1", device="d1"))
    again = store.observe_signup("e1", T0, _signup("a1", ip="ip1", device="d1"))
    assert again.duplicate
    third = store.observe_signup("e2", T0 + 1, _signup("a2", ip="ip1", device="d1"))
    assert _velocity(third.velocity, "ip") == (1, 1, 1, 1)
    assert third.linked[SIGNUP_LINKS.index("device")] == 1


def test_linked_counts_other_accounts(store: StateStore) -> None:
    """Linkage counts distinct other accounts sharing an identifier, not events."""
    store.observe_signup("e1", T0, _signup("a1", device="d1"))
    store.observe_signup("e2", T0 + 5, _signup("a2", device="d1"))
    store.observe_signup("e3", T0 + 9, _signup("a1", device="d1"))
    state = store.observe_signup("e4", T0 + 10, _signup("a3", device="d1"))
    assert state.linked[SIGNUP_LINKS.index("device")] == 2


def test_api_key_sees_account_signup_and_decision(store: StateStore) -> None:
    """An API-key creation sees its account's signup record, decision and earlier keys."""
    store.observe_signup("s1", T0, _signup("a1", ip="ip1", ip_prefix="p1", device="d1"))
    store.remember_decision("a1", 0.42, 2)
    first = store.observe_api_key("k1", T0 + 300, ApiKeyKeys("a1", ip="ip1", device="d1"))
    assert first.account is not None
    assert first.account.signup_at == T0
    assert (first.account.score, first.account.action) == (0.42, 2)
    assert (first.account.ip, first.account.device) == ("ip1", "d1")
    assert first.keys_before == 0 and first.first_key_at is None
    second = store.observe_api_key("k2", T0 + 360, ApiKeyKeys("a1", ip="ip2", device="d1"))
    assert second.keys_before == 1 and second.first_key_at == T0 + 300
    assert second.velocity[:4] == (1, 1, 1, 1)  # account window counts


def test_api_key_for_unknown_account(store: StateStore) -> None:
    """A key for an account whose signup was never seen has no account record."""
    state = store.observe_api_key("k1", T0, ApiKeyKeys("ghost", ip="ip1"))
    assert state.account is None and state.keys_before == 0


def test_keys_across_accounts_link_by_device(store: StateStore) -> None:
    """Key creations from one device by several accounts are linked."""
    for i in range(3):
        store.observe_api_key(f"k{i}", T0 + i, ApiKeyKeys(f"a{i}", device="shared"))
    state = store.observe_api_key("k9", T0 + 9, ApiKeyKeys("a9", device="shared"))
    assert state.linked[0] == 3


def test_replay_is_deterministic(store: StateStore) -> None:
    """The same stream replayed into a fresh store gives identical states."""
    def run(target: StateStore) -> list[tuple[object, ...]]:
        out = []
        for i in range(200):
            keys = _signup(f"a{i}", ip=f"ip{i % 7}", device=f"d{i % 11}", email_domain="x")
            st = target.observe_signup(f"e{i}", T0 + i * 97.0, keys)
            out.append((st.velocity, st.linked))
        return out

    fresh = MemoryStateStore()
    assert run(store) == run(fresh)


def test_memory_store_forgets_idle_keys() -> None:
    """Keys idle for longer than the retention are swept, bounding memory."""
    store = MemoryStateStore(retention_s=3600, sweep_every=10)
    for i in range(10):
        store.observe_signup(f"e{i}", T0, _signup(f"a{i}", ip=f"ip{i}"))
    assert store.size()["counters"] == 10
    for i in range(10):
        store.observe_signup(f"f{i}", T0 + 7200, _signup(f"b{i}", ip="fresh"))
    assert store.size()["counters"] == 1
    assert store.size()["accounts"] == 10
