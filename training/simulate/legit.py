"""The organic legitimate population: daily and weekly cycles, many countries, real messiness."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

from service.events import StreamRecord, Truth
from training.simulate.agents import accept_language, library_agent
from training.simulate.identities import weighted
from training.simulate.people import person_draft, person_keys
from training.simulate.world import World

ORGANIC = "organic"


def daily_counts(world: World, per_day: float, stream: str) -> Iterator[tuple[int, int]]:
    """(day, signups) for each day of the run, following the weekly cycle and growth."""
    cfg = world.config.legit
    rng = world.rng(stream, "volume")
    mean_week = sum(cfg.weekly_cycle) / 7
    first_weekday = world.config.start.weekday()
    for day in range(world.config.days):
        factor = cfg.weekly_cycle[(first_weekday + day) % 7] / mean_week
        rate = per_day * factor * (1 + cfg.growth_per_week) ** (day / 7)
        yield day, max(0, round(rng.gauss(rate, math.sqrt(rate)))) if rate > 0 else 0


def organic(world: World) -> list[StreamRecord]:
    """Everyone who is not in a hard-negative cohort or a campaign."""
    cfg = world.config.legit
    rng = world.rng(ORGANIC)
    truth = Truth(label="legitimate", cohort=ORGANIC)
    out: list[StreamRecord] = []
    for day, count in daily_counts(world, cfg.signups_per_day, ORGANIC):
        for _ in range(count):
            country = world.pick_country(rng, cfg.countries)
            timezone = weighted(rng, country.timezones)
            ms = world.local_moment(rng, day, timezone, cfg.daily_cycle)
            if not world.within(ms):
                continue
            draft, _ = person_draft(world, rng, country, ms, timezone=timezone)
            if rng.random() < 0.003:  # partner provisioning or a CLI calling the signup API
                agent = library_agent(rng)
                draft = replace(
                    draft,
                    agent=agent,
                    device_id=None,
                    form_fill_ms=None,
                    accept_language=accept_language(rng, agent, []),
                )
            record = world.signup(rng, draft, ms, truth)
            out.append(record)
            out.extend(person_keys(world, rng, record.event.account_id, ms, draft, truth))
    return out
