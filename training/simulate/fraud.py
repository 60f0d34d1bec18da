"""Every fraud archetype by name, and the events of the configured campaigns.

The archetypes live in :mod:`training.simulate.campaigns` (bursts, proxy farms, slow
distillation, adaptive, sleepers) and :mod:`training.simulate.farms` (dormant key farms, SIM
farms, aged-account resale). Each campaign draws from its own generator, seeded by its id, so
a campaign can be held out without changing anything else in the stream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

from service.events import StreamRecord
from training.simulate.campaigns import (
    Operation,
    adaptive,
    datacenter_burst,
    residential_proxy_farm,
    sleeper_aging,
    slow_distillation,
)
from training.simulate.config import ARCHETYPES, CampaignConfig
from training.simulate.farms import aged_marketplace, dormant_key_farm, sim_farm
from training.simulate.world import World

ARCHETYPE_RUNNERS: Final[Mapping[str, Callable[[Operation], None]]] = {
    "datacenter_burst": datacenter_burst,
    "residential_proxy_farm": residential_proxy_farm,
    "slow_distillation": slow_distillation,
    "adaptive": adaptive,
    "sleeper_aging": sleeper_aging,
    "dormant_key_farm": dormant_key_farm,
    "sim_farm": sim_farm,
    "aged_marketplace": aged_marketplace,
}
assert set(ARCHETYPE_RUNNERS) == set(ARCHETYPES), "every configured archetype needs a runner"


def campaign(world: World, cfg: CampaignConfig) -> list[StreamRecord]:
    """All events of one configured campaign."""
    op = Operation(world, cfg)
    ARCHETYPE_RUNNERS[cfg.archetype](op)
    return op.records


def campaigns(world: World, configs: Sequence[CampaignConfig]) -> list[StreamRecord]:
    """All events of every configured campaign."""
    out: list[StreamRecord] = []
    for cfg in configs:
        out.extend(campaign(world, cfg))
    return out
