"""The feature spec's risk directions and world-dependence flags, which training reads."""

from __future__ import annotations

import dataclasses

import pytest

from service.domain import EventType
from service.features import spec
from service.features.spec import FEATURES, Kind, directions, names, world_dependent_names

ASSUMED = {"account_age_s", "signup_to_first_key_s", "form_fill_ms", "key_name_length"}


def test_every_feature_has_a_direction_and_world_dependent_ones_are_unconstrained() -> None:
    """Directions are -1, 0 or +1; categorical and world-dependent features carry 0."""
    for event_type in EventType:
        assert len(directions(event_type)) == len(names(event_type))
        for feature in FEATURES[event_type]:
            assert feature.direction in (-1, 0, 1), feature.name
            if feature.kind is Kind.CATEGORICAL or feature.world_dependent:
                assert feature.direction == 0, feature.name


def test_the_issue_s_assumption_features_are_flagged_and_ua_length_is_gone() -> None:
    """Key timing, form-fill time and key-name length are world-dependent; ua_length dropped."""
    flagged = set(world_dependent_names(EventType.SIGNUP)) | set(
        world_dependent_names(EventType.API_KEY)
    )
    assert flagged >= ASSUMED
    assert all("ua_length" not in names(t) for t in EventType)


def test_known_risky_signals_point_up_and_agreements_down() -> None:
    """Velocity, links, bursts and bad-reputation flags are +1; country agreement is -1."""
    by_name = {f.name: f for t in EventType for f in FEATURES[t]}
    for name in (
        "vel_identity_1h",
        "vel_phone_block_24h",
        "vel_key_ip_prefix_1h",
        "linked_key_ip_prefix_accounts",
        "linked_group_size",
        "burst_card_bin",
        "burst_key_device",
        "ip_is_tor",
        "email_is_disposable",
        "phone_is_voip",
    ):
        assert by_name[name].direction == 1, name
    assert by_name["cc_card_ip_match"].direction == -1
    assert by_name["vel_user_agent_1h"].world_dependent  # popular strings: the burst decides


@pytest.mark.parametrize("field", ["direction", "world_dependent"])
def test_spec_hash_covers_direction_and_world_dependence(
    monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    """Changing a feature's direction or flag changes the fingerprint a model is checked by."""
    before = spec.spec_hash.__wrapped__(EventType.SIGNUP)
    features = list(FEATURES[EventType.SIGNUP])
    first = features[0]
    if field == "direction":
        flipped = dataclasses.replace(first, direction=1 - first.direction)
    else:
        flipped = dataclasses.replace(first, world_dependent=not first.world_dependent)
    features[0] = flipped
    monkeypatch.setitem(FEATURES, EventType.SIGNUP, tuple(features))
    assert spec.spec_hash.__wrapped__(EventType.SIGNUP) != before
