"""Coordination cells and burst ratios: from events, through the state, into the vector."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain import ApiKeyEvent, Device, EventType, Identity, Payment, SignupEvent
from service.features import names
from service.features.extract import burst, extract_api_key, extract_signup
from service.featurize import Featurizer
from service.hashing import Hasher
from service.signals import SignalExtractor
from service.state import MemoryStateStore
from service.state.base import (
    API_KEY_ENTITIES,
    API_KEY_LINKS,
    SIGNUP_ENTITIES,
    SIGNUP_LINKS,
    ApiKeyKeys,
    ApiKeyState,
    SignupState,
)
from service.state.windows import WINDOWS

T0 = 1_780_000_000.0
SIGNUP = names(EventType.SIGNUP)
API_KEY = names(EventType.API_KEY)
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0 Safari"
GENERATED = [  # one generator: first.last + four random digits, the name capitalised
    ("john.smith8721", "John Smith"),
    ("mary.jones0394", "Mary Jones"),
    ("peter.brown5518", "Peter Brown"),
    ("linda.white7362", "Linda White"),
    ("karen.green6107", "Karen Green"),
]


@functools.cache
def _extractor() -> SignalExtractor:
    return SignalExtractor.from_directory()


@pytest.fixture(scope="module")
def extractor() -> SignalExtractor:
    """Signal extractor over the bundled data."""
    return _extractor()


def _signup(i: int, local: str, name: str, phone: str, at: float) -> SignupEvent:
    return SignupEvent(
        event_id=f"s{i}",
        account_id=f"a{i}",
        occurred_at=at,
        identity=Identity(email=f"{local}@gmail.com", phone=phone, full_name=name),
        device=Device(ip=f"203.0.113.{i + 1}", user_agent=UA),
        payment=Payment(card_bin="45320151", card_fingerprint=f"fp{i}"),
    )


def _value(vector: np.ndarray, name: str, order: tuple[str, ...] = SIGNUP) -> float:
    return float(vector[order.index(name)])


def test_a_generators_signups_collide_on_template_block_bin_and_agent(
    extractor: SignalExtractor,
) -> None:
    """Templated identities, sequential numbers, one BIN and one UA fill those cells and burst."""
    featurizer = Featurizer(extractor, MemoryStateStore(), Hasher(b"k"))
    vectors = [
        featurizer.signup(_signup(i, local, name, f"+1415555{i:04d}", T0 + 60 * i), T0 + 60 * i)
        for i, (local, name) in enumerate(GENERATED)
    ]
    last = vectors[-1].vector
    assert _value(last, "phone_valid") == 1.0
    for cell in ("identity", "phone_block", "card_bin", "user_agent"):
        assert _value(last, f"vel_{cell}_1h") == 4.0, cell
        assert _value(last, f"burst_{cell}") == 5.0, cell  # 4 in the hour, none the week before
    assert _value(last, "email_domain_recent_share") == 1.0
    assert _value(vectors[0].vector, "burst_identity") == 1.0  # a first sighting
    assert math.isnan(_value(vectors[0].vector, "email_domain_recent_share"))


def test_real_looking_identities_spread_over_templates(extractor: SignalExtractor) -> None:
    """Everyday addresses with their owners' names do not share the generator's template."""
    featurizer = Featurizer(extractor, MemoryStateStore(), Hasher(b"k"))
    people = [
        ("jsmith", "John Smith"),
        ("mary.jones", "mary jones"),
        ("pbrown1987", "Peter Brown"),
        ("cooldude99", "Linda White"),
        ("karen.green6107", "Karen Green"),  # the generator's shape, at last
    ]
    last = None
    for i, (local, name) in enumerate(people):
        event = _signup(i, local, name, f"+1212555{i * 37:04d}", T0 + i)
        last = featurizer.signup(event, T0 + i).vector
    assert last is not None
    assert _value(last, "vel_identity_1h") == 0.0


def test_key_creations_across_accounts_are_counted_per_network(
    extractor: SignalExtractor,
) -> None:
    """Keys from one /24 by many accounts raise the prefix velocity, link and burst."""
    featurizer = Featurizer(extractor, MemoryStateStore(), Hasher(b"k"))
    vector = None
    for i in range(6):
        event = ApiKeyEvent(
            event_id=f"k{i}",
            account_id=f"a{i}",
            device=Device(ip=f"198.51.100.{i + 1}", user_agent=UA, device_id=f"dev{i}"),
        )
        vector = featurizer.api_key(event, T0 + 30 * i).vector
    assert vector is not None
    assert _value(vector, "vel_key_ip_prefix_1h", API_KEY) == 5.0
    assert _value(vector, "vel_key_user_agent_1h", API_KEY) == 5.0
    assert _value(vector, "linked_key_ip_prefix_accounts", API_KEY) == 5.0
    assert _value(vector, "burst_key_ip_prefix", API_KEY) == 6.0
    assert _value(vector, "burst_key_ip", API_KEY) == 1.0  # each IP is new


counts = st.integers(0, 10_000)


@given(counts, counts)
def test_burst_is_one_at_the_baseline_rate_and_grows_with_the_hour(base: int, extra: int) -> None:
    """A steady cell reads 1, a first sighting 1, and more in the hour (same past) reads more."""
    assert burst(0, 0) == 1.0
    assert burst(base, base + 167 * base) == pytest.approx(1.0)
    assert burst(base + extra + 1, base + extra + 1 + 167 * base) > burst(
        base + extra, base + extra + 167 * base
    )
    assert math.isnan(burst(None, 3))


def _windows(draw: st.DrawFn) -> list[int | None]:
    """One entity's window counts, nested as the stores make them, or all None."""
    if draw(st.booleans()):
        return [None] * len(WINDOWS)
    c10 = draw(counts)
    c1h = c10 + draw(counts)
    c24 = c1h + draw(counts)
    return [c10, c1h, c24, c24 + draw(counts)]


@st.composite
def signup_states(draw: st.DrawFn) -> SignupState:
    """A signup state with nested window counts per entity."""
    velocity = [v for _ in SIGNUP_ENTITIES for v in _windows(draw)]
    linked = [draw(st.one_of(st.none(), counts)) for _ in SIGNUP_LINKS]
    return SignupState(False, tuple(velocity), tuple(linked), draw(st.one_of(st.none(), counts)))


@given(signup_states())
def test_signup_bursts_are_read_off_the_window_counts(state: SignupState) -> None:
    """Each burst feature is its cell's 1-hour count against its 7-day count, NaN without it."""
    signals = _extractor().signup(SignupEvent("e", "a"))
    vector = extract_signup(signals, state)
    assert len(vector) == len(SIGNUP)
    for name in SIGNUP:
        if name.startswith("burst_"):
            hour, week = _value(vector, f"vel_{name[6:]}_1h"), _value(vector, f"vel_{name[6:]}_7d")
            expected = (hour + 1) / ((week - hour) / 167 + 1)
            assert _value(vector, name) == pytest.approx(expected, nan_ok=True), name
    share = _value(vector, "email_domain_recent_share")
    assert math.isnan(share) or 0.0 <= share <= 1.0


def test_without_state_or_entity_every_burst_is_missing(extractor: SignalExtractor) -> None:
    """No state, or no key for the cell, makes its burst ratio NaN, not a misleading 1."""
    signup = extract_signup(extractor.signup(SignupEvent("e", "a")), None)
    assert all(math.isnan(_value(signup, n)) for n in SIGNUP if n.startswith("burst_"))
    signals = extractor.api_key(ApiKeyEvent("k", "a"))
    bare = ApiKeyState(
        False,
        None,
        0,
        None,
        (None,) * len(API_KEY_ENTITIES) * len(WINDOWS),
        (None,) * len(API_KEY_LINKS),
    )
    for state in (None, bare):
        key = extract_api_key(signals, state, ApiKeyKeys("a"), T0)
        assert len(key) == len(API_KEY)
        assert all(math.isnan(_value(key, n, API_KEY)) for n in API_KEY if n.startswith("burst_"))
