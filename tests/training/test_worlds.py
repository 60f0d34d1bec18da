"""Randomised worlds: deterministic draws, ranges honoured, shifted priors, archetype hold-out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from service.domain import SignupEvent
from service.events import record_to_dict
from training.simulate import (
    ARCHETYPE_FAMILIES,
    FRAUD_COHORTS,
    ConfigError,
    IpData,
    LegitConfig,
    WorldRanges,
    draw_world,
    load_world_ranges,
    outside_priors,
    prior_table,
    simulate,
    world_ranges,
)

LEGIT_FIELDS = {f.name for f in dataclasses.fields(LegitConfig)}


@pytest.fixture(scope="module")
def train() -> WorldRanges:
    """The shipped training range set."""
    return world_ranges("train")


@pytest.fixture(scope="module")
def shifted() -> WorldRanges:
    """The shipped shifted range set."""
    return world_ranges("shifted")


def test_same_seed_draws_the_same_world(train: WorldRanges) -> None:
    """Drawing twice with the same ranges, seed and options gives an identical config."""
    assert draw_world(train, 5, days=14, scale=0.5) == draw_world(train, 5, days=14, scale=0.5)


def test_worlds_differ_across_seeds(train: WorldRanges) -> None:
    """Different seeds give different priors, cohort sizes and campaigns."""
    worlds = [draw_world(train, seed) for seed in range(6)]
    assert len({w.legit.first_key_seconds for w in worlds}) == 6
    assert len({w.legit.form_fill_median_s for w in worlds}) == 6
    assert len({w.legit.countries for w in worlds}) == 6
    assert len({w.hard_negatives.families for w in worlds}) > 1
    assert len({tuple((c.archetype, c.size) for c in w.campaigns) for w in worlds}) == 6


def test_drawn_priors_lie_in_their_ranges(train: WorldRanges) -> None:
    """Every drawn legit prior (at scale 1) lies inside its training range."""
    for seed in range(10):
        world = draw_world(train, seed)
        for key, span in train.legit.items():
            if key in LEGIT_FIELDS:
                assert span.contains(getattr(world.legit, key)), (seed, key)
        for campaign in world.campaigns:
            settings = train.archetypes[campaign.archetype].settings
            assert settings["sophistication"].contains(campaign.sophistication)


def test_shifted_declares_priors_outside_the_training_ranges(
    train: WorldRanges, shifted: WorldRanges
) -> None:
    """The shifted set moves the issue's failure-mode priors wholly outside the training ranges."""
    outside = set(outside_priors(train, shifted))
    assert {
        "legit.first_key_seconds",
        "legit.form_fill_median_s",
        "legit.autofill_share",
        "legit.vpn_share",
        "adaptive.switch_vpn_share",
        "dormant_key_farm.key_delay_days",
    } <= outside
    rows = {row.prior: row for row in prior_table(train, shifted)}
    assert all(rows[name].outside for name in outside)


def test_shifted_draws_fall_outside_train_ranges_where_declared(
    train: WorldRanges, shifted: WorldRanges
) -> None:
    """Every legit prior declared outside is drawn outside the training range, for every seed."""
    declared = [
        p.split(".", 1)[1]
        for p in outside_priors(train, shifted)
        if p.startswith("legit.") and p.split(".", 1)[1] in LEGIT_FIELDS
    ]
    assert len(declared) >= 8
    for seed in range(10):
        world = draw_world(shifted, seed)
        for key in declared:
            assert not train.legit[key].contains(getattr(world.legit, key)), (seed, key)


def test_archetypes_restrict_campaigns_and_leave_the_legitimate_part(train: WorldRanges) -> None:
    """archetypes= limits the campaigns drawn; legit priors and hard negatives stay the same."""
    family = ARCHETYPE_FAMILIES["dormant"]
    full = draw_world(train, 9)
    only = draw_world(train, 9, archetypes=family)
    without = draw_world(train, 9, archetypes=[a for a in FRAUD_COHORTS if a not in family])
    assert only.campaigns
    assert {c.archetype for c in only.campaigns} <= set(family)
    assert not {c.archetype for c in without.campaigns} & set(family)
    assert only.legit == full.legit == without.legit
    assert only.hard_negatives == full.hard_negatives == without.hard_negatives


def test_families_cover_every_archetype_once() -> None:
    """Each archetype belongs to exactly one hold-out family."""
    members = [a for family in ARCHETYPE_FAMILIES.values() for a in family]
    assert sorted(members) == sorted(FRAUD_COHORTS)


def test_scale_and_days_shrink_a_world(train: WorldRanges) -> None:
    """scale multiplies signups per day and campaign sizes; days scales cohort sizes too."""
    full = draw_world(train, 3)
    small = draw_world(train, 3, days=14, scale=0.25)
    assert small.days == 14
    assert small.legit.signups_per_day == pytest.approx(full.legit.signups_per_day * 0.25, rel=1e-3)
    assert small.hard_negatives.families == round(full.hard_negatives.families * 0.125)
    assert sum(c.size for c in small.campaigns) < sum(c.size for c in full.campaigns)


def test_a_drawn_world_simulates_deterministically(shifted: WorldRanges) -> None:
    """A small drawn world simulates to the same labelled stream twice, with fraud and legit."""
    config = draw_world(shifted, 2, days=7, scale=0.1)
    data = IpData()
    first = [json.dumps(record_to_dict(r), sort_keys=True) for r in simulate(config, 2, data)]
    again = [json.dumps(record_to_dict(r), sort_keys=True) for r in simulate(config, 2, data)]
    assert first == again
    labels = {
        r.truth.label
        for r in simulate(config, 2, data)
        if isinstance(r.event, SignupEvent) and r.truth
    }
    assert labels == {"legitimate", "fraud"}


def test_holding_a_campaign_out_of_a_drawn_world_changes_nothing_else(train: WorldRanges) -> None:
    """Dropping one drawn campaign removes exactly its events from the stream."""
    config = draw_world(train, 4, days=7, scale=0.1)
    gone = config.campaigns[0].campaign_id
    kept = dataclasses.replace(config, campaigns=config.campaigns[1:])
    data = IpData()
    full = [r for r in simulate(config, 4, data) if r.truth is None or r.truth.campaign_id != gone]
    lines = [json.dumps(record_to_dict(r), sort_keys=True) for r in simulate(kept, 4, data)]
    assert lines == [json.dumps(record_to_dict(r), sort_keys=True) for r in full]


@pytest.mark.parametrize(
    "body",
    [
        "train:\n  legit:\n    phone_shar: [0.1, 0.2]\n",
        "train:\n  legit:\n    phone_share: [0.5, 0.1]\n",
        "train:\n  legit:\n    countries: [1, 2]\n",
        "train:\n  campaigns:\n    archetypes:\n      nope: {size: 5, duration_hours: 1}\n",
        "train:\n  campaigns:\n    archetypes:\n      sim_farm: {size: 5}\n",
        "shifted:\n  extends: train\n",
        "a:\n  extends: b\nb:\n  extends: a\n",
    ],
)
def test_world_ranges_reject_mistakes(tmp_path: Path, body: str) -> None:
    """Unknown or undrawable keys, reversed ranges, bad archetypes and bad extends are errors."""
    path = tmp_path / "worlds.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_world_ranges(path)


def test_drawn_values_out_of_a_settings_range_are_errors(tmp_path: Path) -> None:
    """A range that lets a share exceed 1 fails when the world is checked, not silently."""
    path = tmp_path / "worlds.yaml"
    path.write_text("train:\n  legit:\n    phone_share: [1.5, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        draw_world(load_world_ranges(path)["train"], 1)
