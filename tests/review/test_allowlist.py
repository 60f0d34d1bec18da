"""The allow list in memory and in the state it rewrites: zero counts for allowed entities only."""

from __future__ import annotations

from types import SimpleNamespace

from service.allow import forgive_api_key, forgive_signup
from service.review.config import ReviewConfig
from service.review.effects import Effects
from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    ApiKeyState,
    SignupState,
)
from service.state.windows import WINDOWS

W = len(WINDOWS)


def _signup_state(group: int | None = 9) -> SignupState:
    velocity = tuple(
        None if e == "card" else 10 * (i + 1)
        for i, e in enumerate(SIGNUP_ENTITIES)
        for _ in WINDOWS
    )
    linked = tuple(None if k == "card" else 5 for k in SIGNUP_LINKS)
    return SignupState(duplicate=False, velocity=velocity, linked=linked, group=group)


def test_forgive_signup_zeroes_only_the_allowed_entities() -> None:
    """Device and card allowed: the device's windows and link read 0, the absent card stays
    None, every other entity is untouched."""
    before = _signup_state()
    after = forgive_signup(before, frozenset({"device", "card"}))
    for i, entity in enumerate(SIGNUP_ENTITIES):
        got = after.velocity[i * W : (i + 1) * W]
        want = before.velocity[i * W : (i + 1) * W]
        if entity == "device":
            assert got == (0,) * W
        else:
            assert got == want
    for k, link, was in zip(SIGNUP_LINKS, after.linked, before.linked, strict=True):
        assert link == (0 if k == "device" else was)


def test_forgive_signup_bounds_the_group_by_the_other_links() -> None:
    """The group never exceeds the sum of the non-allowed links (phone 5, email 5) nor itself,
    and reads 0 when every group link is allowed."""
    assert forgive_signup(_signup_state(group=40), frozenset({"device"})).group == 10
    assert forgive_signup(_signup_state(group=7), frozenset({"device"})).group == 7
    every = frozenset({"device", "card", "phone", "email"})
    assert forgive_signup(_signup_state(group=40), every).group == 0
    assert forgive_signup(_signup_state(group=None), every).group is None


def test_forgive_api_key_zeroes_the_device() -> None:
    """A key creation from an allowed device: its key velocity and link read 0."""
    state = ApiKeyState(
        duplicate=False,
        account=None,
        keys_before=3,
        first_key_at=1.0,
        velocity=(4,) * (len(API_KEY_ENTITIES) * W),
        linked=(2,) * len(API_KEY_LINKS),
    )
    after = forgive_api_key(state, frozenset({"device"}))
    d = API_KEY_ENTITIES.index("device")
    assert after.velocity[d * W : (d + 1) * W] == (0,) * W
    assert sum(v == 0 for v in after.velocity if v is not None) == W
    assert after.linked[API_KEY_LINKS.index("device")] == 0
    assert after.keys_before == 3


def _row(account: str, key: str, added: float, expires: float) -> SimpleNamespace:
    return SimpleNamespace(account_id=account, key=key, added_at=added, expires_at=expires)


def test_effects_evict_the_oldest_keys_and_keep_shared_ones() -> None:
    """Past allow_max the keys added longest ago go; a key two accounts own survives one of them
    being re-read without it; expired or denied keys are not allowed."""
    now = [1000.0]
    effects = Effects(ReviewConfig(allow_max=3), now=lambda: now[0])
    rows = [
        _row("a", "k1", 1.0, 2000.0),
        _row("a", "k2", 2.0, 2000.0),
        _row("b", "k2", 3.0, 2500.0),
        _row("b", "k3", 4.0, 1500.0),
        _row("c", "k4", 5.0, 2000.0),
    ]
    effects._apply([], [], [], [], now[0], rows)
    assert set(effects.allow) == {"k2", "k3", "k4"}  # k1, added first, evicted
    effects._apply(["b"], [], [], [], now[0], [])  # b re-read: no longer LEGITIMATE
    assert set(effects.allow) == {"k2", "k4"}  # k2 still a's
    assert effects.allow["k2"] == 2000.0
    assert effects.allowed("k2")
    now[0] = 2100.0
    assert not effects.allowed("k2")
    now[0] = 1000.0
    effects.deny["k4"] = 3000.0
    assert not effects.allowed("k4")
