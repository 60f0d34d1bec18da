"""Ordinary people: the signup form a real person fills in, and the API keys they make later.

Shared by the organic population and the hard-negative cohorts (which override a field or two:
the NAT address, the shared device, the relay IP), and by the best attackers, who copy people.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from service.domain import Payment
from service.events import StreamRecord, Truth
from training.simulate.agents import (
    Agent,
    accept_language,
    device_id,
    library_agent,
    person_agent,
    person_form_fill,
)
from training.simulate.config import LegitConfig
from training.simulate.identities import (
    Person,
    full_name,
    handle,
    name_local,
    plus_tag,
    shout_case,
    typo_domain,
    weighted,
)
from training.simulate.locales import COUNTRIES, GLOBAL_PROVIDERS, Country
from training.simulate.payments import payment, person_funding
from training.simulate.phones import format_phone, mistype
from training.simulate.world import DAY_MS, HOUR_MS, Draft, Organisation, World, lognormal_ms

KEY_NAMES = (
    "default", "test", "dev", "prod", "production", "staging", "my key", "My First Key",
    "local", "ci", "github-actions", "laptop", "backend", "api", "Untitled key", "n8n",
    "zapier", "cursor", "personal", "work", "demo", "hackathon", "key1", "new key", "server",
    "app", "bot", "scraper", "testing 123", "side-project", "prototype", "jupyter", "colab",
)  # fmt: skip


def providers_for(country: Country) -> list[tuple[str, float]]:
    """Free mail providers a resident of ``country`` picks from, with weights."""
    merged = dict(GLOBAL_PROVIDERS)
    for domain, weight in country.providers:
        merged[domain] = merged.get(domain, 0.0) + weight
    return sorted(merged.items())


def person_email(
    world: World,
    rng: random.Random,
    person: Person,
    country: Country,
    org: Organisation | None,
    cfg: LegitConfig,
) -> str:
    """The address a person signs up with: mostly name-based, sometimes a handle or a typo."""
    if org is not None:
        if org.school and rng.random() < 0.35:
            local = rng.choice(("s", "u", "st", "")) + str(rng.randint(100_000, 99_999_999))
        else:
            local = name_local(rng, person, corporate=True)
        domain = org.domain
        if org.school and rng.random() < 0.3:
            domain = rng.choice(("student.", "stud.", "mail.", "alumni.")) + domain
        return f"{local}@{domain}"
    roll = rng.random()
    if roll < cfg.disposable_share:
        return f"{name_local(rng, person)}@{rng.choice(world.disposable[:40])}"
    domain = weighted(rng, providers_for(country))
    local = handle(rng) if rng.random() < cfg.handle_share else name_local(rng, person)
    if rng.random() < cfg.plus_tag_share:
        local = plus_tag(rng, local)
    if rng.random() < cfg.typo_share:
        domain = typo_domain(rng, domain)
    email = f"{local}@{domain}"
    return shout_case(rng, email) if rng.random() < 0.02 else email


def person_phone(world: World, rng: random.Random, region: str, cfg: LegitConfig) -> str | None:
    """A person's phone as typed, or ``None`` when they skip the optional field."""
    if rng.random() >= cfg.phone_share:
        return None
    roll = rng.random()
    kind = (
        "voip" if roll < cfg.voip_share else ("fixed" if roll < cfg.voip_share + 0.05 else "mobile")
    )
    text = format_phone(rng, world.phones.number(rng, region, kind))
    return mistype(rng, text) if rng.random() < 0.015 else text


def person_payment(
    world: World, rng: random.Random, country: Country, cfg: LegitConfig, share: float | None = None
) -> Payment | None:
    """A card (or none): mostly domestic credit/debit, some prepaid, some foreign."""
    if rng.random() >= (cfg.card_share if share is None else share):
        return None
    card_country = country.code
    if rng.random() < 0.05:
        card_country = world.pick_country(rng, ()).code
    card = world.cards.card(rng, card_country, person_funding(rng, cfg.prepaid_share))
    billing = card_country if rng.random() < 0.97 else country.code
    return payment(rng, card, billing, COUNTRIES[billing].postal)


def person_locale(
    rng: random.Random, country: Country, agent: Agent, timezone: str | None, home: Country | None
) -> tuple[str | None, str | None]:
    """(timezone, Accept-Language) of a person's browser; expats keep their home language."""
    if agent.browser == "firefox" and rng.random() < 0.08:
        return "UTC", "en-US,en;q=0.5"  # resistFingerprinting
    tz: str | None = timezone or weighted(rng, country.timezones)
    if rng.random() < 0.015:
        tz = None
    elif agent.platform == "linux" and rng.random() < 0.1:
        tz = "Etc/UTC"
    tags = [weighted(rng, (home or country).languages)]
    if home is not None and rng.random() < 0.5:
        tags.append(weighted(rng, country.languages))
    if not tags[0].startswith("en") and rng.random() < 0.45:
        tags.append(rng.choice(("en-US", "en-GB")))
    elif tags[0].startswith("en") and rng.random() < 0.06:
        tags.append(rng.choice(("es", "fr", "de", "zh-CN", "hi")))
    return tz, accept_language(rng, agent, tags)


def person_draft(
    world: World,
    rng: random.Random,
    country: Country,
    ms: int,
    *,
    timezone: str | None = None,
    org: Organisation | None = None,
    agent: Agent | None = None,
    ip: str | None = None,
    person: Person | None = None,
    cellular_share: float | None = None,
) -> tuple[Draft, Person]:
    """A complete, ordinary signup form for someone living in ``country``."""
    cfg = world.config.legit
    home: Country | None = None
    if rng.random() < cfg.expat_share:
        home = world.pick_country(rng, ())
        home = None if home.code == country.code else home
    if person is None:
        person = world.names.person(rng, (home or country).names)
    if org is None and rng.random() < cfg.org_email_share:
        local = [o for o in world.organisations if o.country == country.code]
        org = rng.choice(local if local and rng.random() < 0.75 else world.organisations)
    agent = agent or person_agent(rng, country, ms)
    if ip is None:
        ip = person_ip(world, rng, country, agent, cfg, cellular_share)
    tz, lang = person_locale(rng, country, agent, timezone, home)
    region = home.code if home is not None and rng.random() < 0.5 else country.code
    draft = Draft(
        country=country,
        email=person_email(world, rng, person, country, org, cfg),
        phone=person_phone(world, rng, region, cfg),
        full_name=full_name(rng, person),
        agent=agent,
        device_id=None if rng.random() < cfg.device_id_missing_share else device_id(rng),
        ip=ip,
        timezone=tz,
        accept_language=lang,
        payment=person_payment(world, rng, country, cfg),
        form_fill_ms=person_form_fill(rng, agent.mobile, cfg),
    )
    return draft, person


def person_ip(
    world: World,
    rng: random.Random,
    country: Country,
    agent: Agent,
    cfg: LegitConfig,
    cellular_share: float | None = None,
) -> str:
    """An ordinary person's address: home broadband, their carrier, or a VPN / relay they use."""
    net = world.net
    roll = rng.random()
    if roll < cfg.vpn_share:
        return net.vpn(rng)
    if roll < cfg.vpn_share + cfg.relay_share and agent.browser == "safari":
        return net.relay(rng, country.code)
    share = cfg.cellular_share if cellular_share is None else cellular_share
    if agent.mobile and rng.random() < share:
        return net.carrier(rng, country.code)
    return net.residential(rng, country.code)


def key_name(rng: random.Random) -> str | None:
    """What a person names an API key (often nothing)."""
    return None if rng.random() < 0.35 else rng.choice(KEY_NAMES)


def key_count(rng: random.Random, share: float) -> int:
    """How many API keys a person makes during the run (0 for most who only look around)."""
    if rng.random() >= share:
        return 0
    return rng.choices((1, 2, 3, 4, 5, 6, 8), weights=(60, 22, 10, 3, 2, 2, 1))[0]


def first_key_delay(rng: random.Random, cfg: LegitConfig) -> int:
    """Time from signup to a person's first key, from the configured mixture.

    Components: straight away (signed up to get a key: median 30 s), within the hour (median
    5 min), the same day (median 3 h), days to weeks (median ``first_key_days_median``).
    """
    kind = rng.choices(
        range(4),
        weights=(
            cfg.first_key_seconds,
            cfg.first_key_minutes,
            cfg.first_key_hours,
            cfg.first_key_days,
        ),
    )[0]
    if kind == 0:
        return lognormal_ms(rng, 30_000, 0.6)
    if kind == 1:
        return lognormal_ms(rng, 5 * 60_000, 0.8)
    if kind == 2:
        return lognormal_ms(rng, 3 * HOUR_MS, 1.0)
    return lognormal_ms(rng, cfg.first_key_days_median * DAY_MS, 1.0)


def key_draft(world: World, rng: random.Random, draft: Draft, ms: int) -> Draft:
    """The client a person uses when making a key: usually the signup one, not always."""
    cfg = world.config.legit
    if rng.random() < cfg.key_cli_share:
        agent = library_agent(rng)  # a CLI or script run from a server
        return replace(
            draft,
            agent=agent,
            ip=world.net.hosting(rng),
            device_id=None,
            accept_language=accept_language(rng, agent, []),
        )
    out = draft
    if rng.random() >= cfg.key_same_device_share:
        agent = person_agent(rng, draft.country, ms, mobile=False)
        out = replace(out, agent=agent, device_id=device_id(rng))
    if rng.random() >= cfg.key_same_ip_share:
        roll = rng.random()
        if roll < 0.8:
            out = replace(out, ip=world.net.residential(rng, draft.country.code))
        elif roll < 0.93:
            out = replace(out, ip=world.net.carrier(rng, draft.country.code))
        else:
            out = replace(out, ip=world.net.vpn(rng))
    return out


def person_keys(
    world: World,
    rng: random.Random,
    account_id: str,
    signup_ms: int,
    draft: Draft,
    truth: Truth,
    count: int | None = None,
    delays: Sequence[int] | None = None,
) -> list[StreamRecord]:
    """A person's key creations after signup (those falling past the run's end are dropped)."""
    n = key_count(rng, world.config.legit.key_share) if count is None else count
    out = []
    ms = signup_ms
    for i in range(n):
        if delays is not None and i < len(delays):
            gap = delays[i]
        elif i == 0:
            gap = first_key_delay(rng, world.config.legit)
        elif rng.random() < world.config.legit.second_key_soon_share:
            gap = lognormal_ms(rng, 2 * 60_000, 0.9)
        else:
            gap = lognormal_ms(rng, 6 * DAY_MS, 1.0)
        ms += max(2_000 if i else 1_000, gap)
        if not world.within(ms):
            break
        device = key_draft(world, rng, draft, ms).device()
        out.append(world.api_key(rng, account_id, ms, device, truth, key_name(rng)))
    return out
