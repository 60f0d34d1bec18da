"""Legitimate crowds on shared infrastructure: launch-day rushes, campus NAT, hotel Wi-Fi.

==========================  ==================================================================
cohort                      what looks risky
==========================  ==================================================================
flash_crowd                 a launch or a viral post: hundreds of signups within an hour or
                            two, many with the same current browser string, keys at once
campus_nat                  a university's few NAT addresses shared by hundreds of students
                            over weeks, school mail with numeric local parts
hotel_wifi                  one hotel address, guests from many countries, cards from home
office_nat                  an office's one or two addresses, work mail, identical laptops
==========================  ==================================================================
"""

from __future__ import annotations

from dataclasses import replace

from service.events import StreamRecord, Truth
from training.simulate.agents import Agent, browser_ua, person_agent
from training.simulate.identities import weighted
from training.simulate.people import person_draft, person_keys
from training.simulate.world import DAY_MS, HOUR_MS, World, lognormal_ms

CROWDS = ("flash_crowd", "campus_nat", "hotel_wifi", "office_nat")
_OFFICE_HOURS = [0.0] * 8 + [1.0] * 10 + [0.15] * 6


def with_ip(record: StreamRecord, ip: str) -> StreamRecord:
    """The same record seen from another address."""
    event = record.event
    return replace(record, event=replace(event, device=replace(event.device, ip=ip)))


def flash_crowds(world: World) -> list[StreamRecord]:
    """A launch or viral post: a rush of real signups, one browser string common, keys at once."""
    cfg = world.config.hard_negatives
    truth = Truth(label="legitimate", cohort="flash_crowd")
    out: list[StreamRecord] = []
    for index in range(cfg.flash_crowds):
        rng = world.rng("flash_crowd", index)
        source = world.pick_country(rng, world.config.legit.countries)
        timezone = weighted(rng, source.timezones)
        start = world.local_moment(
            rng, rng.randrange(world.config.days), timezone, world.config.legit.daily_cycle
        )
        platform = rng.choice(("windows", "macos"))
        current = Agent(browser_ua(platform, "chrome", start, 0), platform, "chrome")
        span = int(cfg.flash_crowd_hours * HOUR_MS)
        for _ in range(rng.randint(*cfg.flash_crowd_size)):
            ms = start + int(rng.triangular(0, span, 0.15 * span))
            if not world.within(ms):
                continue
            country = source if rng.random() < 0.4 else world.pick_country(rng, ())
            agent = current if rng.random() < cfg.flash_crowd_same_ua_share else None
            draft, _ = person_draft(world, rng, country, ms, agent=agent)
            record = world.signup(rng, draft, ms, truth)
            out.append(record)
            quick = (
                [lognormal_ms(rng, 60_000, 0.8)]
                if rng.random() < cfg.flash_crowd_key_share
                else None
            )
            count = None if quick is None else rng.choice((1, 1, 1, 2))
            out.extend(
                person_keys(
                    world, rng, record.event.account_id, ms, draft, truth, count=count, delays=quick
                )
            )
    return out


def campuses(world: World) -> list[StreamRecord]:
    """Students and staff behind a university's NAT: few addresses, hundreds of accounts."""
    cfg = world.config.hard_negatives
    truth = Truth(label="legitimate", cohort="campus_nat")
    out: list[StreamRecord] = []
    schools = [o for o in world.organisations if o.school] or world.organisations
    per_campus = cfg.campus_users // max(1, cfg.campuses)
    for index in range(cfg.campuses):
        rng = world.rng("campus_nat", index)
        school = rng.choice(schools)
        country = world.pick_country(rng, ((school.country, 1.0),))
        nat = [world.net.residential(rng, country.code) for _ in range(rng.randint(1, 4))]
        for _ in range(per_campus):
            timezone = weighted(rng, country.timezones)
            ms = world.local_moment(
                rng, rng.randrange(world.config.days), timezone, world.config.legit.daily_cycle
            )
            if not world.within(ms):
                continue
            draft, _ = person_draft(
                world,
                rng,
                country,
                ms,
                timezone=timezone,
                ip=rng.choice(nat),
                org=school if rng.random() < 0.6 else None,
            )
            if rng.random() < 0.7:
                draft = replace(draft, payment=None)
            record = world.signup(rng, draft, ms, truth)
            keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
            out += [
                record,
                *(with_ip(k, rng.choice(nat)) if rng.random() < 0.6 else k for k in keys),
            ]
    return out


def offices(world: World) -> list[StreamRecord]:
    """Ordinary offices: one or two NAT addresses, work mail, a standard laptop build."""
    cfg = world.config.hard_negatives
    truth = Truth(label="legitimate", cohort="office_nat")
    out: list[StreamRecord] = []
    companies = [o for o in world.organisations if not o.school] or world.organisations
    per_office = cfg.office_users // max(1, cfg.offices)
    for index in range(cfg.offices):
        rng = world.rng("office_nat", index)
        org = rng.choice(companies)
        country = world.pick_country(rng, ((org.country, 1.0),))
        nat = [world.net.residential(rng, country.code) for _ in range(rng.randint(1, 2))]
        build = person_agent(rng, country, world.start_ms, mobile=False)
        for _ in range(per_office):
            timezone = weighted(rng, country.timezones)
            day = rng.randrange(world.config.days)
            ms = world.local_moment(rng, day, timezone, _OFFICE_HOURS)
            if not world.within(ms):
                continue
            agent = build if rng.random() < 0.5 else None
            draft, _ = person_draft(
                world,
                rng,
                country,
                ms,
                timezone=timezone,
                agent=agent,
                ip=rng.choice(nat),
                org=org if rng.random() < 0.85 else None,
            )
            record = world.signup(rng, draft, ms, truth)
            keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
            out += [
                record,
                *(with_ip(k, rng.choice(nat)) if rng.random() < 0.7 else k for k in keys),
            ]
    return out


def hotels(world: World) -> list[StreamRecord]:
    """Hotel Wi-Fi: one address, guests from everywhere with home cards, phones and languages."""
    cfg = world.config.hard_negatives
    truth = Truth(label="legitimate", cohort="hotel_wifi")
    out: list[StreamRecord] = []
    per_hotel = cfg.hotel_guests // max(1, cfg.hotels)
    for index in range(cfg.hotels):
        rng = world.rng("hotel_wifi", index)
        place = world.pick_country(rng, ())
        address = world.net.residential(rng, place.code)
        local_tz = weighted(rng, place.timezones)
        for _ in range(per_hotel):
            home = world.pick_country(rng, world.config.legit.countries)
            ms = world.local_moment(
                rng, rng.randrange(world.config.days), local_tz, world.config.legit.daily_cycle
            )
            if not world.within(ms):
                continue
            timezone = local_tz if rng.random() < 0.6 else weighted(rng, home.timezones)
            draft, _ = person_draft(world, rng, home, ms, timezone=timezone, ip=address)
            record = world.signup(rng, draft, ms, truth)
            keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
            stay_end = ms + rng.randint(1, 5) * DAY_MS
            out += [
                record,
                *(
                    with_ip(k, address) if (k.event.occurred_at or 0) * 1000 < stay_end else k
                    for k in keys
                ),
            ]
    return out
