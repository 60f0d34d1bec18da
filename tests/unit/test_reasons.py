"""Reason codes from model contributions."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import EventType
from service.features.spec import FEATURES, Feature
from service.policy.reasons import (
    ALL_FEATURES,
    describe,
    describe_in,
    has_reason,
    model_reasons,
)


def test_every_feature_has_a_reason() -> None:
    """Every feature of every event type maps to a reason code."""
    assert [f.name for f in ALL_FEATURES if not has_reason(f.name)] == []


def test_every_feature_source_has_a_missing_reason() -> None:
    """A missing value of any feature yields a *_MISSING-style code, never a KeyError."""
    for feature in ALL_FEATURES:
        code, message = describe(feature, math.nan)
        assert code
        assert message


def test_reasons_group_by_code_and_rank_by_weight() -> None:
    """Contributions of features sharing a code add up; only positive ones count."""
    features = FEATURES[EventType.SIGNUP]
    names = [f.name for f in features]
    values = np.zeros(len(features))
    contrib = np.zeros(len(features))
    for name, value, weight in [
        ("vel_ip_10m", 12, 0.4),
        ("vel_ip_1h", 30, 0.5),
        ("ip_is_datacenter", 1, 0.7),
        ("email_is_free", 1, -0.3),
    ]:
        values[names.index(name)] = value
        contrib[names.index(name)] = weight
    reasons = model_reasons(features, values, contrib)
    assert [r.code for r in reasons] == ["VELOCITY_IP", "IP_DATACENTER"]
    assert reasons[0].weight == 0.9
    assert reasons[0].message == "30 earlier signups came from this IP address in the last hour"


def test_binary_reason_depends_on_value() -> None:
    """A flag's reason describes its value: datacenter IP vs not."""
    feature = next(f for f in ALL_FEATURES if f.name == "ip_is_datacenter")
    assert describe(feature, 1.0)[0] == "IP_DATACENTER"
    assert describe(feature, 0.0)[0] == "IP_NOT_DATACENTER"


def test_categorical_reason_names_the_category() -> None:
    """A categorical feature's reason code and message name its value (prepaid card)."""
    feature = next(f for f in ALL_FEATURES if f.name == "card_funding")
    code, message = describe(feature, 3.0)
    assert code == "CARD_FUNDING_PREPAID"
    assert message == "Card funding type is prepaid"


def _reference_reasons(
    features: tuple[Feature, ...], values: np.ndarray, contrib: np.ndarray, limit: int = 5
) -> list[tuple[str, str, float]]:
    """The plain definition: describe every positive contribution, group, rank."""
    weights: dict[str, float] = {}
    best: dict[str, tuple[float, str]] = {}
    for i, weight in enumerate(contrib):
        if weight <= 0:
            continue
        code, message = describe_in(features, values, i)
        weights[code] = weights.get(code, 0.0) + float(weight)
        if code not in best or weight > best[code][0]:
            best[code] = (float(weight), message)
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(code, best[code][1], round(w, 6)) for code, w in ranked]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fast_reasons_equal_the_plain_definition(data: st.DataObject) -> None:
    """Codes-first ranking gives exactly the reasons of describing every contribution."""
    event_type = data.draw(st.sampled_from(list(EventType)))
    features = FEATURES[event_type]
    n = len(features)
    values = np.array(
        data.draw(
            st.lists(
                st.one_of(st.just(math.nan), st.integers(0, 12).map(float), st.floats(-5, 500)),
                min_size=n,
                max_size=n,
            )
        )
    )
    contrib = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n)))
    fast = [(r.code, r.message, r.weight) for r in model_reasons(features, values, contrib)]
    assert fast == _reference_reasons(features, values, contrib)


def test_burst_reason_names_the_hours_count_and_the_ratio() -> None:
    """A burst reason says how many events shared the cell in the hour and how far above usual."""
    features = FEATURES[EventType.SIGNUP]
    names = [f.name for f in features]
    values = np.full(len(features), math.nan)
    contrib = np.zeros(len(features))
    values[names.index("vel_identity_1h")] = 12
    values[names.index("burst_identity")] = 8.04
    contrib[names.index("burst_identity")] = 0.6
    (reason,) = model_reasons(features, values, contrib)
    assert reason.code == "BURST_IDENTITY"
    assert reason.message == (
        "12 earlier signups shared this identity template (email pattern and name shape) in the "
        "last hour (8.0× their hourly rate over the past week)"
    )


def test_key_prefix_reason_counts_keys_from_the_network() -> None:
    """A key-time /24 velocity reason states the count of keys from that network in the hour."""
    feature = next(f for f in FEATURES[EventType.API_KEY] if f.name == "vel_key_ip_prefix_1h")
    assert describe(feature, 37.0) == (
        "KEY_VELOCITY_IP_PREFIX",
        "37 earlier keys came from this IP's network (its /24, or /48 for IPv6) in the last hour",
    )


def test_a_zero_count_reads_as_first_seen() -> None:
    """A count of zero is worded as a first sighting, not as "0 earlier signups"."""
    feature = next(f for f in FEATURES[EventType.SIGNUP] if f.name == "vel_user_agent_7d")
    assert describe(feature, 0.0) == (
        "VELOCITY_USER_AGENT",
        "No earlier signup sent this exact user-agent string in the last 7 days (first seen)",
    )
    key = next(f for f in FEATURES[EventType.API_KEY] if f.name == "vel_key_device_1h")
    assert describe(key, 0.0)[1].startswith("No earlier key came from this device")
    assert describe(key, 2.0)[1].startswith("2 earlier keys")


def test_risk_from_held_accounts_reads_as_something_a_reviewer_can_check() -> None:
    """Held linked accounts, their share and the group's growth name the count and the decay."""
    by_name = {f.name: f for f in FEATURES[EventType.API_KEY] + FEATURES[EventType.SIGNUP]}
    code, message = describe(by_name["account_group_flagged"], 3.0)
    assert code == "LINKED_ACCOUNTS_HELD"
    assert message == (
        "3.0 accounts sharing this account's device, card, phone number or mailbox were held "
        "or blocked (one per shared identifier, halved every 3 days)"
    )
    code, message = describe(by_name["account_group_flagged"], 0.0)
    assert message.startswith("No account sharing this account's device")
    code, message = describe(by_name["account_group_flagged_share"], 0.25)
    assert (code, message[:47]) == (
        "LINKED_ACCOUNTS_HELD_SHARE",
        "Held or blocked accounts sharing its identifier",
    )
    assert "25%" in message
    code, message = describe(by_name["group_new_1h"], 12.0)
    assert (code, message) == (
        "LINKED_GROUP_GROWTH",
        "12 earlier signups in the last hour used this signup's device, card, phone number "
        "or mailbox",
    )
    assert describe(by_name["account_group_flagged"], math.nan)[0] == "ACCOUNT_UNKNOWN"
