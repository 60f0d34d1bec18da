"""Signup decisions attached to accounts in batches: visibility within and across replicas."""

from __future__ import annotations

import time

import pytest

from service.state import ApiKeyKeys, SignupKeys, StateStore
from tests.stores.conftest import StoreFactory

T0 = 1_780_000_000.0


def _key_score(store: StateStore, event_id: str, account: str) -> float | None:
    state = store.observe_api_key(event_id, T0 + 60, ApiKeyKeys(account=account))
    return None if state.account is None else state.account.score


@pytest.mark.parametrize("kind", ["redis", "redis-cluster"])
def test_own_key_creation_sees_a_queued_decision(make_store: StoreFactory, kind: str) -> None:
    """A key creation right after the signup's decision, same process, reads that decision."""
    store = make_store(kind)
    store.observe_signup("s1", T0, SignupKeys(account="acct", ip="ip1"))
    store.remember_decision("acct", 0.875, 2)
    assert _key_score(store, "k1", "acct") == 0.875


@pytest.mark.parametrize("kind", ["redis", "redis-cluster"])
def test_another_replica_sees_the_decision_soon(make_store: StoreFactory, kind: str) -> None:
    """A second store on the same Redis sees an attached decision within a second."""
    first, second = make_store(kind), make_store(kind)
    first.observe_signup("s1", T0, SignupKeys(account="acct", ip="ip1"))
    first.remember_decision("acct", 0.25, 1)
    deadline = time.monotonic() + 1.0
    seen = None
    for n in range(1000):
        seen = _key_score(second, f"k{n}", "acct")
        if seen is not None or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    assert seen == 0.25


def test_close_writes_what_is_queued(make_store: StoreFactory) -> None:
    """Closing a store writes its queued attachments before the connections go."""
    first, second = make_store("redis"), make_store("redis")
    first.observe_signup("s1", T0, SignupKeys(account="acct", ip="ip1"))
    first.remember_decision("acct", 0.5, 3)
    first.close()
    assert _key_score(second, "k1", "acct") == 0.5
