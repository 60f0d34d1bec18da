"""Hard negatives: legitimate cohorts that each look like fraud on one signal or another.

==========================  ==================================================================
cohort                      what looks risky
==========================  ==================================================================
hackathon_nat               dozens of signups in an hour from one NAT address, keys in minutes
family_shared_device        one device id (and often one card) across several accounts
privacy_relay               iCloud Private Relay egress addresses, random-looking relay emails
vpn_user                    commercial VPN (and a few Tor) exits, IP country != everything else
carrier_nat                 mobile users sharing a few carrier NAT /24s and addresses per day
traveller                   IP country differs from card, phone and sometimes timezone
key_burst_developer         several API keys within one minute, some from a CLI
corporate_egress            work users behind a cloud security proxy: datacenter addresses
flash_crowd, campus_nat,    see :mod:`training.simulate.crowds`
hotel_wifi, office_nat
==========================  ==================================================================
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from service.domain import Payment
from service.events import StreamRecord, Truth
from training.simulate.agents import device_id, library_agent, person_agent, safari_agent
from training.simulate.crowds import CROWDS, campuses, flash_crowds, hotels, offices
from training.simulate.crowds import with_ip as _with_ip
from training.simulate.identities import handle, hide_my_email, weighted
from training.simulate.locales import COUNTRIES, Country
from training.simulate.payments import payment, person_funding
from training.simulate.people import key_name, person_draft, person_keys
from training.simulate.world import DAY_MS, HOUR_MS, World, lognormal_ms

HARD_NEGATIVES = (
    "hackathon_nat",
    "family_shared_device",
    "privacy_relay",
    "vpn_user",
    "carrier_nat",
    "traveller",
    "key_burst_developer",
    "corporate_egress",
    *CROWDS,
)
_BUSINESS_HOURS = [0.0] * 8 + [1.0] * 10 + [0.2] * 6


def _truth(cohort: str) -> Truth:
    return Truth(label="legitimate", cohort=cohort)


def _moment(world: World, rng: random.Random, country: Country) -> tuple[int, str]:
    timezone = weighted(rng, country.timezones)
    day = rng.randrange(world.config.days)
    return world.local_moment(rng, day, timezone, world.config.legit.daily_cycle), timezone


def _people(
    world: World,
    cohort: str,
    count: int,
    shape: Callable[[random.Random, Country, int, str], list[StreamRecord]],
    countries: tuple[tuple[str, float], ...] = (),
) -> list[StreamRecord]:
    rng = world.rng(cohort)
    out: list[StreamRecord] = []
    for _ in range(count):
        country = world.pick_country(rng, countries or world.config.legit.countries)
        ms, timezone = _moment(world, rng, country)
        if world.within(ms):
            out.extend(shape(rng, country, ms, timezone))
    return out


def hackathons(world: World) -> list[StreamRecord]:
    """A campus or company event: one NAT address, dozens of signups and keys within the hour."""
    cfg = world.config.hard_negatives
    truth = _truth("hackathon_nat")
    out: list[StreamRecord] = []
    for index in range(cfg.hackathons):
        rng = world.rng("hackathon_nat", index)
        country = world.pick_country(rng, world.config.legit.countries)
        local = [o for o in world.organisations if o.country == country.code]
        org = rng.choice(local or world.organisations)
        nat_ip = world.net.residential(rng, country.code)
        timezone = weighted(rng, country.timezones)
        start = world.local_moment(
            rng, rng.randrange(world.config.days), timezone, [0.0] * 9 + [1.0] * 6 + [0.0] * 9
        )
        laptops = [person_agent(rng, country, start, mobile=False) for _ in range(3)]
        for _ in range(rng.randint(*cfg.hackathon_size)):
            ms = start + int(rng.triangular(0, HOUR_MS, 0.2 * HOUR_MS))
            if not world.within(ms):
                continue
            agent = rng.choice(laptops) if rng.random() < 0.5 else None
            draft, _ = person_draft(
                world,
                rng,
                country,
                ms,
                timezone=timezone,
                ip=nat_ip,
                agent=agent,
                org=org if rng.random() < 0.7 else None,
            )
            if rng.random() < 0.85:
                draft = replace(draft, payment=None)
            record = world.signup(rng, draft, ms, truth)
            out.append(record)
            quick = [lognormal_ms(rng, 12 * 60_000, 0.6)] if rng.random() < 0.85 else None
            out.extend(
                person_keys(world, rng, record.event.account_id, ms, draft, truth, delays=quick)
            )
    return out


def families(world: World) -> list[StreamRecord]:
    """Households sharing one computer: same device id and address, often the same card."""
    cfg = world.config.hard_negatives
    truth = _truth("family_shared_device")
    out: list[StreamRecord] = []
    for index in range(cfg.families):
        rng = world.rng("family_shared_device", index)
        country = world.pick_country(rng, world.config.legit.countries)
        ms, timezone = _moment(world, rng, country)
        agent = person_agent(rng, country, ms)
        shared_device, home_ip = device_id(rng), world.net.residential(rng, country.code)
        parent = world.names.person(rng, country.names)
        card = None
        locale: tuple[str | None, str | None] | None = None  # one browser, one locale
        for member in range(rng.randint(*cfg.family_size)):
            if member:
                ms += (
                    rng.randint(60_000, 3 * HOUR_MS)
                    if rng.random() < 0.4
                    else rng.randint(HOUR_MS, 20 * DAY_MS)
                )
            if not world.within(ms):
                break
            person = world.names.person(rng, country.names)
            if rng.random() < 0.85:
                person = replace(person, last=parent.last, last_native=parent.last_native)
            draft, _ = person_draft(
                world, rng, country, ms, timezone=timezone, agent=agent, ip=home_ip, person=person
            )
            draft = replace(draft, device_id=shared_device)
            if locale is None:
                locale = (draft.timezone, draft.accept_language)
            draft = replace(draft, timezone=locale[0], accept_language=locale[1])
            if member and rng.random() < 0.3:
                draft = replace(
                    draft,
                    email=f"{handle(rng)}@{draft.email.split('@')[-1]}" if draft.email else None,
                )
            if card is None:
                card = draft.payment
            elif rng.random() < 0.45:
                draft = replace(draft, payment=card)
            record = world.signup(rng, draft, ms, truth)
            out.append(record)
            out.extend(person_keys(world, rng, record.event.account_id, ms, draft, truth))
    return out


def privacy_relay(world: World) -> list[StreamRecord]:
    """Apple users on iCloud Private Relay, many with Hide-My-Email addresses."""

    def shape(rng: random.Random, country: Country, ms: int, tz: str) -> list[StreamRecord]:
        agent = safari_agent(rng, ms, mobile=rng.random() < 0.75)
        draft, _ = person_draft(
            world, rng, country, ms, timezone=tz, agent=agent, ip=world.net.relay(rng, country.code)
        )
        roll = rng.random()
        if roll < 0.55:
            draft = replace(draft, email=hide_my_email(rng, sign_in_with_apple=roll < 0.15))
        record = world.signup(rng, draft, ms, truth)
        keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
        on_safari = [k.event.device.user_agent == agent.user_agent for k in keys]
        keys = [
            _with_ip(k, world.net.relay(rng, country.code)) if safari else k
            for k, safari in zip(keys, on_safari, strict=True)
        ]
        return [record, *keys]

    truth = _truth("privacy_relay")
    weights = (("US", 40), ("GB", 10), ("JP", 10), ("CA", 8), ("AU", 6), ("DE", 6), ("FR", 5))
    return _people(
        world, "privacy_relay", world.config.hard_negatives.privacy_relay_users, shape, weights
    )


def vpn_users(world: World) -> list[StreamRecord]:
    """People on a commercial VPN (a few on Tor): exit country unrelated to the rest."""

    def shape(rng: random.Random, country: Country, ms: int, tz: str) -> list[StreamRecord]:
        tor = rng.random() < 0.05
        ip = world.net.tor(rng) if tor else world.net.vpn(rng)
        draft, _ = person_draft(world, rng, country, ms, timezone=tz, ip=ip)
        record = world.signup(rng, draft, ms, truth)
        keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
        return [
            record,
            *(_with_ip(k, world.net.vpn(rng)) if rng.random() < 0.7 else k for k in keys),
        ]

    truth = _truth("vpn_user")
    return _people(world, "vpn_user", world.config.hard_negatives.vpn_users, shape)


def carrier_nat(world: World) -> list[StreamRecord]:
    """Phone users behind carrier-grade NAT: a handful of /24s and addresses shared all day."""
    cfg = world.config.hard_negatives
    truth = _truth("carrier_nat")
    rng = world.rng("carrier_nat", "countries")
    top = sorted(
        world.config.legit.countries or [(c.code, c.weight) for c in COUNTRIES.values()],
        key=lambda cw: -cw[1],
    )[:3]
    countries = tuple(rng.sample(top, k=min(2, len(top))))

    def shape(rng: random.Random, country: Country, ms: int, tz: str) -> list[StreamRecord]:
        def nat() -> str:
            return world.net.carrier(
                rng, country.code, cfg.carrier_nat_prefixes, cfg.carrier_nat_hosts
            )

        agent = person_agent(rng, country, ms, mobile=True)
        draft, _ = person_draft(world, rng, country, ms, timezone=tz, agent=agent, ip=nat())
        record = world.signup(rng, draft, ms, truth)
        keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
        return [record, *(_with_ip(k, nat()) if rng.random() < 0.5 else k for k in keys)]

    return _people(world, "carrier_nat", cfg.carrier_nat_users, shape, countries)


def travellers(world: World) -> list[StreamRecord]:
    """People abroad: hotel or roaming address in one country, card and phone from home."""

    def shape(rng: random.Random, home: Country, ms: int, tz: str) -> list[StreamRecord]:
        visited = world.pick_country(rng, ())
        while visited.code == home.code:
            visited = world.pick_country(rng, ())
        ip = world.net.residential(rng, visited.code)
        local_tz = weighted(rng, visited.timezones) if rng.random() < 0.6 else tz
        draft, _ = person_draft(world, rng, home, ms, timezone=local_tz, ip=ip)
        if draft.payment is None and rng.random() < 0.5:
            draft = replace(draft, payment=_home_card(world, rng, home))
        record = world.signup(rng, draft, ms, truth)
        return [record, *person_keys(world, rng, record.event.account_id, ms, draft, truth)]

    truth = _truth("traveller")
    return _people(world, "traveller", world.config.hard_negatives.travellers, shape)


def _home_card(world: World, rng: random.Random, home: Country) -> Payment:
    card = world.cards.card(rng, home.code, person_funding(rng, 0.05))
    return payment(rng, card, home.code, home.postal)


def key_burst_developers(world: World) -> list[StreamRecord]:
    """Developers who script key creation: several keys within a minute."""

    def shape(rng: random.Random, country: Country, ms: int, tz: str) -> list[StreamRecord]:
        draft, _ = person_draft(world, rng, country, ms, timezone=tz)
        record = world.signup(rng, draft, ms, truth)
        account = record.event.account_id
        out = [record]
        at = ms + (
            lognormal_ms(rng, 10 * 60_000, 1.0)
            if rng.random() < 0.4
            else lognormal_ms(rng, 2 * DAY_MS, 1.0)
        )
        device = draft.device()
        if rng.random() < 0.4:
            device = replace(
                device,
                user_agent=library_agent(rng).user_agent,
                device_id=None,
                accept_language=None,
            )
        for _ in range(rng.randint(3, 8)):
            at += rng.randint(1_500, 12_000)
            if world.within(at):
                name = key_name(rng) if rng.random() < 0.5 else f"svc-{rng.randint(1, 40)}"
                out.append(world.api_key(rng, account, at, device, truth, name))
        out.extend(person_keys(world, rng, account, at, draft, truth, count=rng.randint(0, 2)))
        return out

    truth = _truth("key_burst_developer")
    return _people(
        world, "key_burst_developer", world.config.hard_negatives.key_burst_developers, shape
    )


def corporate_egress(world: World) -> list[StreamRecord]:
    """Employees behind a cloud security proxy: datacenter egress, work mail, office hours."""
    cfg = world.config.hard_negatives
    truth = _truth("corporate_egress")
    out: list[StreamRecord] = []
    companies = [o for o in world.organisations if not o.school]
    for index in range(cfg.corporate_egress_companies):
        rng = world.rng("corporate_egress", index)
        org = rng.choice(companies)
        country = COUNTRIES[org.country]
        ranges = world.net.hosting_ranges(rng, 2)
        egress = [world.net.hosting(rng, ranges) for _ in range(rng.randint(1, 3))]
        fleet = [person_agent(rng, country, world.start_ms, mobile=False) for _ in range(2)]
        per_company = cfg.corporate_egress_users // max(1, cfg.corporate_egress_companies)
        for _ in range(per_company):
            timezone = weighted(rng, country.timezones)
            ms = world.local_moment(
                rng, rng.randrange(world.config.days), timezone, _BUSINESS_HOURS
            )
            if not world.within(ms):
                continue
            agent = rng.choice(fleet) if rng.random() < 0.6 else None
            draft, _ = person_draft(
                world,
                rng,
                country,
                ms,
                timezone=timezone,
                agent=agent,
                ip=rng.choice(egress),
                org=org if rng.random() < 0.8 else None,
            )
            record = world.signup(rng, draft, ms, truth)
            keys = person_keys(world, rng, record.event.account_id, ms, draft, truth)
            out += [
                record,
                *(_with_ip(k, rng.choice(egress)) if rng.random() < 0.6 else k for k in keys),
            ]
    return out


GENERATORS: tuple[Callable[[World], list[StreamRecord]], ...] = (
    hackathons,
    families,
    privacy_relay,
    vpn_users,
    carrier_nat,
    travellers,
    key_burst_developers,
    corporate_egress,
    flash_crowds,
    campuses,
    hotels,
    offices,
)
