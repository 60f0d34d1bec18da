"""Event simulator: a labelled, time-ordered stream of signups and API-key creations.

Public API::

    load_config(path) -> SimConfig          # YAML or TOML, checked, unknown keys rejected
    default_config() -> SimConfig           # training/configs/default.yaml
    simulate(config, seed) -> Iterator[StreamRecord]
    world_ranges(name) -> WorldRanges       # training/configs/worlds.yaml: "train", "shifted"
    draw_world(ranges, seed, *, days, scale, archetypes) -> SimConfig   # one randomised world

Every record carries ``Truth(label, cohort, campaign_id)``. Cohorts: ``organic`` and the hard
negatives in :data:`LEGIT_COHORTS` (label "legitimate"), and one per campaign archetype in
:data:`FRAUD_COHORTS` (label "fraud", ``campaign_id`` set). Output is deterministic for a seed and
config, and each cohort or campaign has its own generator, so holding a campaign out (omitting it
from ``campaigns:``) leaves every other event unchanged.

Module map: ``config`` (settings), ``world`` (run context, ids, clock), ``locales`` (country
tables), ``names`` (name and word lists), ``identities`` (people, names as typed, emails),
``phones``, ``payments``, ``network`` (IP pools),
``agents`` (user agents, locale headers, form timing), ``people`` (an ordinary person's signup
and keys), ``legit`` (organic population), ``hardneg`` (hard negatives), ``tactics`` and
``campaigns`` (fraud).
"""

from __future__ import annotations

from collections.abc import Iterator

from service.events import StreamRecord
from training.simulate.config import (
    ARCHETYPES,
    CampaignConfig,
    ConfigError,
    HardNegativeConfig,
    LegitConfig,
    SimConfig,
    config_from_mapping,
    default_config,
    load_config,
)
from training.simulate.fraud import campaigns
from training.simulate.hardneg import GENERATORS, HARD_NEGATIVES
from training.simulate.legit import ORGANIC, organic
from training.simulate.network import IpData
from training.simulate.world import World
from training.simulate.worlds import (
    ARCHETYPE_FAMILIES,
    PriorRow,
    Range,
    WorldRanges,
    draw_world,
    load_world_ranges,
    outside_priors,
    prior_table,
    world_ranges,
)

LEGIT_COHORTS: tuple[str, ...] = (ORGANIC, *HARD_NEGATIVES)
FRAUD_COHORTS: tuple[str, ...] = ARCHETYPES


def simulate(config: SimConfig, seed: int, ip_data: IpData | None = None) -> Iterator[StreamRecord]:
    """Yield the simulated stream in non-decreasing ``occurred_at`` order.

    ``ip_data`` (the parsed IP lists, seed-independent) may be shared between runs to save a few
    tenths of a second each; it is loaded from the bundled lists when omitted.
    """
    world = World(config, seed, ip_data)
    records = organic(world)
    for generate in GENERATORS:
        records.extend(generate(world))
    records.extend(campaigns(world, config.campaigns))
    records.sort(key=lambda r: (r.event.occurred_at or 0.0, r.event.event_id))
    yield from records


__all__ = [
    "ARCHETYPE_FAMILIES",
    "FRAUD_COHORTS",
    "LEGIT_COHORTS",
    "CampaignConfig",
    "ConfigError",
    "HardNegativeConfig",
    "IpData",
    "LegitConfig",
    "PriorRow",
    "Range",
    "SimConfig",
    "WorldRanges",
    "config_from_mapping",
    "default_config",
    "draw_world",
    "load_config",
    "load_world_ranges",
    "outside_priors",
    "prior_table",
    "simulate",
    "world_ranges",
]
