"""Account farms that look like people at signup and give themselves away only together.

=======================  =====================================================================
archetype                shape
=======================  =====================================================================
dormant_key_farm         signups indistinguishable one by one from the world's own people
                         (its priors: form times, devices, home addresses), name- or
                         word-based free mail, spread over days; dormant ``key_delay_days``;
                         then keys minted in ``key_bursts`` bursts of ``key_burst_hours`` from a
                         handful (``ip_pool``) of hosting addresses and a few scripted clients
sim_farm                 a SIM bank in one country: real phones (a rack of ``device_pool``
                         handsets with current mobile browsers), sequential numbers from one
                         block (``phone_pool``), carrier NAT addresses (``prefix_pool`` /24s),
                         human workers' form times, a key within minutes from the same handset
aged_marketplace         accounts bought aged: made by several sellers, each with its own mail
                         habits, looking like people and making no key; each is activated by
                         the buyer ``key_delay_days`` or more after its signup, a few a day,
                         through a handful (``ip_pool``) of residential proxies or VPN exits
                         and a few (``device_pool``) anti-detect browser profiles
=======================  =====================================================================

Both draw only from the campaign's own generator, like every other archetype.
"""

from __future__ import annotations

import math
from dataclasses import replace

from phonenumbers import PhoneNumber

from training.simulate.agents import bot_agent, device_id, person_agent
from training.simulate.campaigns import Mix, Operation
from training.simulate.identities import weighted
from training.simulate.locales import COUNTRIES
from training.simulate.people import key_name, person_draft
from training.simulate.phones import format_phone
from training.simulate.tactics import (
    card_payment,
    fraud_email,
    fraud_key_name,
    fraud_locale,
    fraud_name,
    prepaid_pool,
)
from training.simulate.world import DAY_MS, HOUR_MS, Draft, lognormal_ms

_DORMANT_MAIL: Mix = (("natural", 0.5), ("words", 0.4), ("templated", 0.1))
_SIM_FARM_MAIL: Mix = (("natural", 0.45), ("words", 0.35), ("templated", 0.2))


def dormant_key_farm(op: Operation) -> None:
    """Ordinary-looking signups over days, then keys in bursts from a few hosting addresses."""
    s, cfg, rng, world = op.cfg.sophistication, op.cfg, op.rng, op.world
    styles = op.styles(_DORMANT_MAIL)
    share = 0.15 if cfg.card_share is None else cfg.card_share
    cards = prepaid_pool(world, rng, cfg.card_pool or max(1, cfg.size // 4), 2, op.targets, 0.6)
    accounts: list[tuple[str, Draft]] = []
    for ms in op.shift_times(cfg.size, op.start, op.end, op.flat(0.5)):
        if not world.within(ms):
            continue
        country = COUNTRIES[weighted(rng, op.targets)]
        draft, person = person_draft(world, rng, country, ms)
        card = cards.next(rng) if rng.random() < share else None
        draft = replace(
            draft,
            email=fraud_email(world, rng, op.plan, person, country, styles),
            payment=None if card is None else card_payment(rng, s, card, country),
        )
        record = world.signup(rng, draft, ms, op.truth)
        op.records.append(record)
        accounts.append((record.event.account_id, draft))
    hosting = world.net.hosting_ranges(rng, cfg.prefix_pool or 1 + int(2 * s))
    ips = [world.net.hosting(rng, hosting) for _ in range(cfg.ip_pool or rng.randint(2, 6))]
    target = COUNTRIES[weighted(rng, op.targets)]
    clients = [
        (bot_agent(rng, 0.4 * s, op.end, target), device_id(rng) if rng.random() < s else None)
        for _ in range(cfg.device_pool or 2 + int(3 * s))
    ]
    first_burst = op.end + int(cfg.key_delay_days * DAY_MS)
    starts = [
        first_burst + int(b * rng.uniform(0.5, 1.5) * DAY_MS) for b in range(max(1, cfg.key_bursts))
    ]
    span = max(1, int(cfg.key_burst_hours * HOUR_MS))
    for account_id, draft in accounts:
        at = rng.choice(starts) + rng.randrange(span)
        agent, device = rng.choice(clients)
        for index in range(cfg.keys_per_account or rng.randint(1, 4)):
            at += rng.randint(1_000, 20_000) if index else 0
            if not world.within(at):
                break
            moved = replace(
                draft.device(),
                ip=rng.choice(ips),
                user_agent=agent.user_agent,
                device_id=device,
                accept_language=None if agent.browser == "library" else draft.accept_language,
            )
            name = fraud_key_name(rng, s, index)
            op.records.append(world.api_key(rng, account_id, at, moved, op.truth, name))


def _sim_phone(numbers: list[PhoneNumber], index: int) -> PhoneNumber:
    return numbers[index % len(numbers)]


def sim_farm(op: Operation) -> None:
    """Real handsets, sequential numbers from one block, carrier addresses, keys in minutes."""
    s, cfg, rng, world = op.cfg.sophistication, op.cfg, op.rng, op.world
    country = COUNTRIES[weighted(rng, op.targets)]
    op.operator = country  # a local operation: its working hours are the country's
    numbers = world.phones.block(rng, country.code, cfg.phone_pool or max(20, cfg.size))
    handsets = [
        (person_agent(rng, country, op.start, mobile=True), device_id(rng))
        for _ in range(cfg.device_pool or 8 + int(24 * s))
    ]
    share = 0.05 if cfg.card_share is None else cfg.card_share
    cards = prepaid_pool(world, rng, cfg.card_pool or 3, 10**9, ((country.code, 1.0),), 0.8)
    prefixes, hosts = cfg.prefix_pool or 2, cfg.ip_pool or 12
    styles = op.styles(_SIM_FARM_MAIL)
    times = op.shift_times(cfg.size, op.start, op.end, op.flat(0.1))
    for index, ms in enumerate(times):
        if not world.within(ms):
            continue
        agent, handset = rng.choice(handsets)
        person = world.names.person(rng, country.names)
        timezone, language = fraud_locale(rng, max(s, 0.8), agent, country.code, country)
        card = cards.next(rng) if rng.random() < share else None
        draft = Draft(
            country=country,
            email=fraud_email(world, rng, op.plan, person, country, styles),
            phone=format_phone(rng, _sim_phone(numbers, index), e164_bias=0.6 * (1 - s)),
            full_name=fraud_name(rng, max(s, 0.6), person),
            agent=agent,
            device_id=device_id(rng) if rng.random() < 0.6 * s else handset,
            ip=world.net.carrier(rng, country.code, prefixes, hosts),
            timezone=timezone,
            accept_language=language,
            payment=None if card is None else card_payment(rng, s, card, country),
            form_fill_ms=max(2_000, int(rng.lognormvariate(math.log(14_000 + 16_000 * s), 0.35))),
        )
        record = world.signup(rng, draft, ms, op.truth)
        op.records.append(record)
        at = ms
        for key_index in range(cfg.keys_per_account or 1):
            at += (
                lognormal_ms(rng, 3 * 60_000, 0.8) if key_index == 0 else rng.randint(5_000, 90_000)
            )
            if not world.within(at):
                break
            device = replace(
                draft.device(), ip=world.net.carrier(rng, country.code, prefixes, hosts)
            )
            name = key_name(rng) if rng.random() < s else fraud_key_name(rng, s, key_index)
            op.records.append(
                world.api_key(rng, record.event.account_id, at, device, op.truth, name)
            )


def aged_marketplace(op: Operation) -> None:
    """Aged accounts from several sellers, activated slowly through one buyer's few exits."""
    s, cfg, rng, world = op.cfg.sophistication, op.cfg, op.rng, op.world
    sellers: list[Mix] = [
        op.styles(
            (
                ("natural", rng.uniform(0.2, 1.0)),
                ("words", rng.uniform(0.0, 0.8)),
                ("templated", rng.uniform(0.0, 0.5)),
            )
        )
        for _ in range(rng.randint(3, 8))
    ]
    accounts: list[tuple[str, int, Draft]] = []
    for ms in op.uniform_times(cfg.size, op.start, op.end):
        if not world.within(ms):
            continue
        country = COUNTRIES[weighted(rng, op.targets)]
        draft, person = person_draft(world, rng, country, ms)
        email = fraud_email(world, rng, op.plan, person, country, rng.choice(sellers))
        draft = replace(draft, email=email, payment=None if rng.random() < 0.8 else draft.payment)
        record = world.signup(rng, draft, ms, op.truth)
        op.records.append(record)
        accounts.append((record.event.account_id, ms, draft))
    buyer = COUNTRIES[weighted(rng, op.targets)]
    vpn = rng.random() < 0.5
    exits = [
        world.net.vpn(rng) if vpn else world.net.residential(rng, buyer.code)
        for _ in range(cfg.ip_pool or rng.randint(3, 8))
    ]
    profiles = [
        (person_agent(rng, buyer, op.end, mobile=False), device_id(rng))
        for _ in range(cfg.device_pool or rng.randint(1, 3))
    ]
    aged = int(cfg.key_delay_days * DAY_MS)
    for account_id, signed_up, draft in accounts:
        at = signed_up + aged + int(rng.expovariate(1.0) * DAY_MS)
        agent, device = rng.choice(profiles)
        ip = rng.choice(exits)
        for index in range(cfg.keys_per_account or rng.choice((1, 1, 2))):
            at += rng.randint(20_000, 240_000) if index else 0
            if not world.within(at):
                break
            moved = replace(draft.device(), ip=ip, user_agent=agent.user_agent, device_id=device)
            name = key_name(rng) if rng.random() < s else fraud_key_name(rng, s, index)
            op.records.append(world.api_key(rng, account_id, at, moved, op.truth, name))
