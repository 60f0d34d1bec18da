"""Fraud campaigns: one account factory, per-phase tactics, and the first five archetypes.

=======================  =====================================================================
archetype                shape
=======================  =====================================================================
datacenter_burst         hundreds of signups within about an hour from rented hosting ranges,
                         library/headless clients, disposable or templated mail, keys in seconds
residential_proxy_farm   rotating residential proxies (a fresh address every few accounts),
                         templated mail, VOIP phones, a few prepaid cards shared by many
                         accounts, a small list of spoofed browser strings, keys in minutes
slow_distillation        thousands of accounts at a steady rate over weeks; no address, device
                         or card used more than a few times; mixed natural mail; VOIP or no
                         phone; prepaid cards; locale often not the proxy's; a key within
                         minutes of every signup
adaptive                 a datacenter burst (``switch_after`` accounts within
                         ``switch_after_hours``) until "detected", a pause, then commercial VPN
                         exits (``switch_vpn_share``, the rest residential proxies), word-based
                         and natural free mail, current browsers and a slow pace
sleeper_aging            plausible accounts trickle in, lie dormant ``key_delay_days``, then
                         mint keys in a ``key_burst_hours`` burst from a few addresses/devices
=======================  =====================================================================

More archetypes in :mod:`training.simulate.farms`; the runner table is in
:mod:`training.simulate.fraud`. Every campaign draws from its own generator (seeded by campaign
id) so campaigns can be held out without changing anything else in the stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from service.events import StreamRecord, Truth
from training.simulate.agents import Agent, bot_agent, bot_form_fill, device_id, spoof_pool
from training.simulate.config import CampaignConfig
from training.simulate.identities import weighted
from training.simulate.locales import COUNTRIES
from training.simulate.tactics import (
    DEFAULT_TARGETS,
    OPERATOR_COUNTRIES,
    CardPool,
    Rotator,
    card_payment,
    email_plan,
    fraud_email,
    fraud_key_name,
    fraud_locale,
    fraud_name,
    fraud_phone,
    prepaid_pool,
)
from training.simulate.world import DAY_MS, HOUR_MS, Draft, World, lognormal_ms

Mix = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Phase:
    """How an operation behaves for a run of accounts."""

    s: float
    ips: Rotator
    devices: Rotator
    agent: Callable[[], Agent]
    emails: Mix
    phones: Mix
    card_share: float
    cards: CardPool | None
    first_key_ms: Callable[[], int]
    keys: Callable[[], int]


class Operation:
    """One campaign's operator: their generator, home country, targets and email recipe."""

    def __init__(self, world: World, cfg: CampaignConfig) -> None:
        self.world, self.cfg = world, cfg
        self.rng = rng = world.rng("campaign", cfg.campaign_id)
        self.truth = Truth(label="fraud", cohort=cfg.archetype, campaign_id=cfg.campaign_id)
        self.operator = COUNTRIES[cfg.operator_country or rng.choice(OPERATOR_COUNTRIES)]
        self.targets = (
            tuple((c, w) for c, w in (cfg.target_countries or DEFAULT_TARGETS) if c in COUNTRIES)
            or DEFAULT_TARGETS
        )
        self.plan = email_plan(world, rng)
        self.start = world.start_ms + int(cfg.start_day * DAY_MS)
        self.end = self.start + int(cfg.duration_hours * HOUR_MS)
        self.records: list[StreamRecord] = []

    def styles(self, default: Mix) -> Mix:
        """The configured email style mix, or the archetype's own."""
        return self.cfg.email_styles or default

    def flat(self, default: float) -> float:
        """Share of signups spread round the clock (the rest in the operator's working hours)."""
        return default if self.cfg.flat_share is None else self.cfg.flat_share

    def key_count(self, default: Callable[[], int]) -> Callable[[], int]:
        """Keys per account: the configured fixed number, or the archetype's draw."""
        fixed = self.cfg.keys_per_account
        return default if fixed is None else (lambda: fixed)

    def residential(self) -> str:
        """A residential proxy exit in one of the target countries."""
        return self.world.net.residential(self.rng, weighted(self.rng, self.targets))

    def account(self, phase: Phase, ms: int) -> tuple[str, Draft] | None:
        """Create one account at ``ms`` (plus its keys); ``None`` past the run's end."""
        if not self.world.within(ms):
            return None
        rng, world, s = self.rng, self.world, phase.s
        ip = phase.ips.next(rng)
        ip_country = world.net.country(ip)
        claimed = COUNTRIES.get(ip_country or "", None)
        if claimed is None or rng.random() > 0.6 + 0.35 * s:
            claimed = COUNTRIES[weighted(rng, self.targets)]
        names = claimed.names if rng.random() < 0.55 + 0.45 * s else self.operator.names
        person = world.names.person(rng, names)
        agent = phase.agent()
        timezone, language = fraud_locale(rng, s, agent, ip_country, self.operator)
        card = phase.cards.next(rng) if phase.cards and rng.random() < phase.card_share else None
        no_device = agent.browser == "library" and rng.random() < 0.85
        draft = Draft(
            country=claimed,
            email=fraud_email(world, rng, self.plan, person, claimed, phase.emails),
            phone=fraud_phone(world, rng, s, claimed.code, phase.phones),
            full_name=fraud_name(rng, s, person),
            agent=agent,
            device_id=None if no_device else phase.devices.next(rng),
            ip=ip,
            timezone=timezone,
            accept_language=language,
            payment=None if card is None else card_payment(rng, s, card, claimed),
            form_fill_ms=bot_form_fill(rng, s, agent),
        )
        record = world.signup(rng, draft, ms, self.truth)
        self.records.append(record)
        account_id = record.event.account_id
        at = ms
        for index in range(phase.keys()):
            at += max(1_000, phase.first_key_ms() if index == 0 else lognormal_ms(rng, 20_000, 1.0))
            self.key(account_id, at, draft, phase, index)
        return account_id, draft

    def key(self, account_id: str, ms: int, draft: Draft, phase: Phase, index: int) -> None:
        """One key creation; rotating proxies often move the key to another exit address."""
        if not self.world.within(ms):
            return
        rng = self.rng
        device = draft.device()
        ip = phase.ips.next(rng) if rng.random() < 0.5 else phase.ips.again(rng, draft.ip)
        device = replace(device, ip=ip)
        name = fraud_key_name(rng, phase.s, index)
        self.records.append(self.world.api_key(rng, account_id, ms, device, self.truth, name))

    # ----- phases -------------------------------------------------------------------------

    def datacenter_phase(self, s: float) -> Phase:
        """Rented hosting ranges, a few bot kits, throwaway mail, keys within seconds."""
        rng, world, cfg = self.rng, self.world, self.cfg
        ranges = world.net.hosting_ranges(rng, cfg.prefix_pool or 2 + int(6 * s))
        target = COUNTRIES[weighted(rng, self.targets)]
        kits = [bot_agent(rng, s, self.start, target) for _ in range(1 + int(4 * s))]

        def agent() -> Agent:
            if rng.random() < 0.8 - 0.5 * s:
                return rng.choice(kits)
            return bot_agent(rng, s, self.start, target)

        return Phase(
            s=s,
            ips=Rotator(
                lambda: world.net.hosting(rng, ranges),
                cfg.max_ip_uses or max(2, round(12 - 9 * s)),
                0.85 - 0.5 * s,
            ),
            devices=Rotator(
                lambda: device_id(rng), cfg.device_pool or max(1, round(6 - 5 * s)), 0.5 * (1 - s)
            ),
            agent=agent,
            emails=self.styles(
                (
                    ("disposable", 0.6 * (1 - s)),
                    ("templated", 0.3),
                    ("catchall", 0.1),
                    ("natural", 0.5 * s),
                )
            ),
            phones=(("none", 0.7 - 0.3 * s), ("voip", 0.25 + 0.2 * s), ("mobile", 0.05 + 0.1 * s)),
            card_share=0.1 if cfg.card_share is None else cfg.card_share,
            cards=prepaid_pool(world, rng, cfg.card_pool or 2, 10**9, self.targets, 0.9),
            first_key_ms=lambda: lognormal_ms(rng, 30_000, 1.0),
            keys=self.key_count(lambda: rng.choice((1, 1, 2, 3))),
        )

    def proxy_phase(
        self,
        s: float,
        max_ip_uses: int,
        cards: CardPool,
        card_share: float,
        emails: Mix,
        phones: Mix,
        reuse: float = 0.5,
    ) -> Phase:
        """Residential proxies, a spoofed browser list, templated or natural mail."""
        rng, cfg = self.rng, self.cfg
        pool = spoof_pool(rng, self.start, 6 + int(14 * s), s)
        target = COUNTRIES[weighted(rng, self.targets)]

        def agent() -> Agent:
            return (
                rng.choice(pool)
                if rng.random() < 0.85 - 0.4 * s
                else bot_agent(rng, s, self.start, target)
            )

        return Phase(
            s=s,
            ips=Rotator(self.residential, max_ip_uses, reuse),
            devices=Rotator(
                lambda: device_id(rng), cfg.device_pool or 1 + int(4 * (1 - s)), 0.3 * (1 - s)
            ),
            agent=agent,
            emails=self.styles(emails),
            phones=phones,
            card_share=card_share,
            cards=cards,
            first_key_ms=lambda: lognormal_ms(rng, 4 * 60_000, 0.8),
            keys=self.key_count(lambda: 1 if rng.random() < 0.78 else 2),
        )

    # ----- timing -------------------------------------------------------------------------

    def uniform_times(self, count: int, start: int, end: int) -> list[int]:
        """``count`` moments spread evenly at random over ``[start, end)``."""
        return sorted(self.rng.randrange(start, max(start + 1, end)) for _ in range(count))

    def shift_times(self, count: int, start: int, end: int, flat: float) -> list[int]:
        """Moments following the operator's working day (``flat`` share spread round the clock)."""
        rng, out = self.rng, list[int]()
        offset = self.world.offset_ms(weighted(rng, self.operator.timezones))
        while len(out) < count:
            ms = rng.randrange(start, max(start + 1, end))
            local_hour = ((ms + offset) // HOUR_MS) % 24
            if rng.random() < flat or 8 <= local_hour < 23:
                out.append(ms)
        return sorted(out)


def datacenter_burst(op: Operation) -> None:
    phase = op.datacenter_phase(op.cfg.sophistication)
    for ms in op.uniform_times(op.cfg.size, op.start, op.end):
        op.account(phase, ms)


def residential_proxy_farm(op: Operation) -> None:
    s, cfg, rng = op.cfg.sophistication, op.cfg, op.rng
    card_countries = (("US", 70.0), *op.targets)
    cards = prepaid_pool(op.world, rng, cfg.card_pool or 8, 10**9, card_countries, 0.95)
    phase = op.proxy_phase(
        s,
        cfg.max_ip_uses or 1 + round(3 * (1 - s)),
        cards,
        0.6 if cfg.card_share is None else cfg.card_share,
        emails=(
            ("templated", 0.55 - 0.3 * s),
            ("catchall", 0.2),
            ("dots", 0.1),
            ("natural", 0.15 + 0.4 * s),
            ("disposable", 0.05),
        ),
        phones=(("voip", 0.7), ("none", 0.15), ("mobile", 0.15)),
    )
    for ms in op.shift_times(cfg.size, op.start, op.end, flat=op.flat(0.2)):
        op.account(phase, ms)


def slow_distillation(op: Operation) -> None:
    s, cfg, rng = op.cfg.sophistication, op.cfg, op.rng
    share = 0.75 if cfg.card_share is None else cfg.card_share
    pool_size = cfg.card_pool or max(1, math.ceil(cfg.size * share / 2))
    cards = prepaid_pool(op.world, rng, pool_size, 3, op.targets, 0.95 - 0.3 * s)
    phase = op.proxy_phase(
        s,
        cfg.max_ip_uses or 3,
        cards,
        share,
        emails=(
            ("natural", 0.4 + 0.5 * s),
            ("templated", 0.5 * (1 - s)),
            ("catchall", 0.05),
            ("dots", 0.05),
        ),
        phones=(("voip", 0.55 - 0.1 * s), ("none", 0.4 - 0.1 * s), ("mobile", 0.05 + 0.2 * s)),
        reuse=0.3,
    )
    every_account_keys = replace(phase, keys=op.key_count(lambda: 1 if rng.random() < 0.8 else 2))
    for ms in op.shift_times(cfg.size, op.start, op.end, flat=op.flat(0.6)):
        op.account(every_account_keys, ms)


def adaptive(op: Operation) -> None:
    s, cfg = op.cfg.sophistication, op.cfg
    first = min(cfg.size, cfg.switch_after or round(0.3 * cfg.size))
    burst_hours = 2.0 if cfg.switch_after_hours is None else cfg.switch_after_hours
    burst_end = op.start + min(int(burst_hours * HOUR_MS), (op.end - op.start) // 2)
    before = op.datacenter_phase(min(s, 0.3) * 0.7)
    for ms in op.uniform_times(first, op.start, burst_end):
        op.account(before, ms)
    s2 = max(s, 0.75)
    cards = prepaid_pool(op.world, op.rng, cfg.card_pool or 20, 3, op.targets, 0.7)
    after = op.proxy_phase(
        s2,
        cfg.max_ip_uses or 2,
        cards,
        0.4 if cfg.card_share is None else cfg.card_share,
        emails=(("words", 0.55), ("natural", 0.3), ("templated", 0.1), ("catchall", 0.05)),
        phones=(("voip", 0.4), ("none", 0.4), ("mobile", 0.2)),
        reuse=0.2,
    )
    # Detected: move to commercial VPN exits (and some residential proxies) and word-based mail.
    world, rng = op.world, op.rng
    after = replace(
        after,
        ips=Rotator(
            lambda: world.net.vpn(rng) if rng.random() < cfg.switch_vpn_share else op.residential(),
            cfg.max_ip_uses or 2,
            0.2,
        ),
    )
    resume = burst_end + int(cfg.switch_pause_hours * HOUR_MS)
    end = max(resume + HOUR_MS, op.end)
    for ms in op.shift_times(cfg.size - first, resume, end, flat=op.flat(0.3)):
        op.account(after, ms)


def sleeper_aging(op: Operation) -> None:
    s, cfg, rng, world = op.cfg.sophistication, op.cfg, op.rng, op.world
    cards = prepaid_pool(world, rng, cfg.card_pool or max(1, cfg.size // 3), 2, op.targets, 0.5)
    aging = op.proxy_phase(
        s,
        cfg.max_ip_uses or 2,
        cards,
        0.3 if cfg.card_share is None else cfg.card_share,
        emails=(("natural", 0.85), ("templated", 0.1), ("catchall", 0.05)),
        phones=(("voip", 0.3), ("none", 0.3), ("mobile", 0.4)),
        reuse=0.2,
    )
    flat = op.flat(0.3)
    quiet = replace(
        aging,
        keys=lambda: 1 if rng.random() < 0.05 else 0,
        first_key_ms=lambda: lognormal_ms(rng, 6 * HOUR_MS, 1.0),
    )
    accounts = [op.account(quiet, ms) for ms in op.shift_times(cfg.size, op.start, op.end, flat)]
    burst_start = op.end + int(cfg.key_delay_days * DAY_MS)
    burst_end = burst_start + int(cfg.key_burst_hours * HOUR_MS)
    hosting = world.net.hosting_ranges(rng, cfg.prefix_pool or 2)
    ips = [
        world.net.hosting(rng, hosting) if s < 0.5 else op.residential()
        for _ in range(cfg.ip_pool or 3 + int(5 * s))
    ]
    target = COUNTRIES[weighted(rng, op.targets)]
    clients = [
        (bot_agent(rng, s * 0.5, burst_start, target), device_id(rng))
        for _ in range(cfg.device_pool or 2 + int(4 * s))
    ]
    burst = replace(aging, ips=Rotator(lambda: rng.choice(ips), 10**9, 1.0))
    for made in accounts:
        if made is None:
            continue
        account_id, draft = made
        for index in range(cfg.keys_per_account or (1 if rng.random() < 0.7 else 2)):
            agent, device = rng.choice(clients)
            language = None if agent.browser == "library" else draft.accept_language
            moved = replace(
                draft, agent=agent, device_id=device, ip=rng.choice(ips), accept_language=language
            )
            ms = rng.randrange(burst_start, max(burst_start + 1, burst_end))
            op.key(account_id, ms, moved, burst, index)
