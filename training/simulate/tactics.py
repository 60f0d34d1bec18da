"""An attacker's toolbox: rotating pools and identity fakes, tuned by sophistication.

Sophistication ``s`` (0..1) moves every knob the same way: clients go from HTTP libraries and
headless Chrome to current browsers; emails from disposable or templated to name-like; names from
gibberish to plausible; phones from clean E.164 to messy; timezone and language from "whatever the
operator's machine says" to consistent with the proxy's country; form fills from instant to
human-paced (but tighter than people); reuse of addresses, devices and cards goes down.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from service.domain import CardFunding, Payment
from training.simulate.agents import Agent, accept_language
from training.simulate.identities import (
    Person,
    ascii_fold,
    full_name,
    handle,
    name_local,
    plus_tag,
    shout_case,
    weighted,
)
from training.simulate.locales import COUNTRIES, Country
from training.simulate.names import COMPANY_WORDS, HANDLE_WORDS, PLACE_WORDS
from training.simulate.payments import Card, payment
from training.simulate.people import KEY_NAMES, providers_for
from training.simulate.phones import format_phone
from training.simulate.world import World

OPERATOR_COUNTRIES = ("VN", "RU", "CN", "NG", "IN", "ID", "BR", "UA", "PH", "TR", "US")
DEFAULT_TARGETS = (
    ("US", 50),
    ("GB", 10),
    ("CA", 8),
    ("DE", 8),
    ("AU", 5),
    ("FR", 5),
    ("IN", 5),
    ("BR", 4),
    ("JP", 5),
)
_FREE_BIG = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "mail.com", "gmx.com")
_VOIP_REGIONS = ("GB", "NL", "CA", "FR", "PL", "SE", "AT", "IE")


@dataclass(slots=True)
class Rotator:
    """Hands out identifiers (IPs, device ids), each at most ``max_uses`` times.

    A fresh one is drawn unless, with probability ``reuse``, an earlier one still has uses left.
    """

    fresh: Callable[[], str]
    max_uses: int
    reuse: float
    _uses: dict[str, int] = field(default_factory=dict)
    _open: list[str] = field(default_factory=list)

    def next(self, rng: random.Random) -> str:
        """The identifier for the next request."""
        reuse = self._open and rng.random() < self.reuse
        return self._use(rng.choice(self._open) if reuse else self.fresh())

    def again(self, rng: random.Random, value: str | None) -> str:
        """``value`` once more if it has uses left, else the next identifier."""
        if value is None or self._uses.get(value, self.max_uses) >= self.max_uses:
            return self.next(rng)
        return self._use(value)

    def _use(self, value: str) -> str:
        self._uses[value] = self._uses.get(value, 0) + 1
        if self._uses[value] >= self.max_uses:
            if value in self._open:
                self._open.remove(value)
        elif value not in self._open:
            self._open.append(value)
        return value


@dataclass(slots=True)
class CardPool:
    """Cards an operation holds; each is used at most ``max_uses`` times, then replaced."""

    cards: list[Card]
    max_uses: int
    new_card: Callable[[], Card]
    _uses: dict[str, int] = field(default_factory=dict)

    def next(self, rng: random.Random) -> Card:
        """A card from the pool (a new one replaces each card that hit its limit)."""
        index = rng.randrange(len(self.cards))
        card = self.cards[index]
        self._uses[card.fingerprint] = self._uses.get(card.fingerprint, 0) + 1
        if self._uses[card.fingerprint] >= self.max_uses:
            self.cards[index] = self.new_card()
        return card


@dataclass(frozen=True, slots=True)
class EmailPlan:
    """The address recipe an operation settled on at its start."""

    disposable: tuple[str, ...]
    providers: tuple[str, ...]
    catchall: tuple[str, ...]
    template: int
    digits: int


def email_plan(world: World, rng: random.Random) -> EmailPlan:
    """Pick the operation's domains and local-part template once."""
    tld = rng.choice(("com", "net", "xyz", "online", "site", "info"))
    catchall = tuple(
        f"{rng.choice(COMPANY_WORDS)}{rng.choice(HANDLE_WORDS)}.{tld}"
        for _ in range(rng.randint(1, 3))
    )
    return EmailPlan(
        disposable=tuple(rng.sample(world.disposable, k=rng.randint(2, 5))),
        providers=tuple(rng.sample(_FREE_BIG, k=rng.randint(1, 3))),
        catchall=catchall,
        template=rng.randrange(5),
        digits=rng.choice((2, 3, 4, 4, 5)),
    )


def templated_local(rng: random.Random, plan: EmailPlan, person: Person) -> str:
    """A local part from the operation's template (name plus a fixed-width number, ...)."""
    first = ascii_fold(person.first).replace(" ", "") or rng.choice(HANDLE_WORDS)
    last = ascii_fold(person.last).replace(" ", "") or rng.choice(HANDLE_WORDS)
    number = f"{rng.randrange(10**plan.digits):0{plan.digits}d}"
    return (
        f"{first}{number}",
        f"{first}.{last}{number}",
        f"{first}{last}{number}",
        f"{rng.choice(HANDLE_WORDS)}{rng.choice(HANDLE_WORDS)}{number}",
        f"{first}_{number}",
    )[plan.template]


def fraud_email(
    world: World,
    rng: random.Random,
    plan: EmailPlan,
    person: Person,
    country: Country,
    styles: Sequence[tuple[str, float]],
) -> str:
    """An address in one of the styles: disposable, templated, catchall, dots, natural."""
    style = weighted(rng, styles)
    if style == "disposable":
        local = rng.choice(
            (
                templated_local(rng, plan, person),
                handle(rng),
                "".join(
                    rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                    for _ in range(rng.randint(8, 12))
                ),
            )
        )
        return f"{local}@{rng.choice(plan.disposable)}"
    if style == "templated":
        return f"{templated_local(rng, plan, person)}@{rng.choice(plan.providers)}"
    if style == "words":
        return f"{word_local(rng)}@{weighted(rng, providers_for(country))}"
    if style == "catchall":
        return f"{name_local(rng, person)}@{rng.choice(plan.catchall)}"
    if style == "dots":  # one Gmail mailbox, many spellings
        base = templated_local(rng, plan, person).replace(".", "").replace("_", "")
        cut = rng.randrange(1, max(2, len(base)))
        local = f"{base[:cut]}.{base[cut:]}"
        return f"{plus_tag(rng, local) if rng.random() < 0.5 else local}@gmail.com"
    local = name_local(rng, person) if rng.random() < 0.85 else handle(rng)
    email = f"{local}@{weighted(rng, providers_for(country))}"
    return shout_case(rng, email) if rng.random() < 0.01 else email


WORDS = tuple(sorted({*HANDLE_WORDS, *(w.lower() for w in (*COMPANY_WORDS, *PLACE_WORDS))}))


def word_local(rng: random.Random) -> str:
    """A free-mail local part made of dictionary words (``quiet.harbor88``, ``amberfalcon``).

    Generated addresses that look like a person's handle rather than a template: no name, no
    fixed-width counter.
    """
    words = [rng.choice(WORDS) for _ in range(2 if rng.random() < 0.8 else 3)]
    local = rng.choice(("", ".", "_", "")).join(words)
    roll = rng.random()
    if roll < 0.35:
        return local
    if roll < 0.75:
        return f"{local}{rng.randint(1, 99)}"
    return f"{local}{rng.randint(1960, 2006)}"


def fraud_name(rng: random.Random, s: float, person: Person) -> str | None:
    """The name field: empty, gibberish or a test value when careless; plausible when not."""
    roll = rng.random()
    if roll < 0.25 * (1 - s) ** 2:
        return None
    if roll < 0.35 * (1 - s) ** 2:
        letters = "abcdefghijklmnopqrstuvwxyz"
        return " ".join(
            "".join(rng.choice(letters) for _ in range(rng.randint(3, 7))).title() for _ in range(2)
        )
    if roll < 0.38 * (1 - s) ** 2:
        return rng.choice(("Test User", "test test", "John Doe", "asdf"))
    return full_name(rng, person, care=s)


def fraud_phone(
    world: World, rng: random.Random, s: float, region: str, mix: Sequence[tuple[str, float]]
) -> str | None:
    """A phone from the mix of "voip", "none", "mobile"; scripts type clean E.164."""
    kind = weighted(rng, mix) if mix else "none"
    if kind == "none":
        return None
    if kind == "voip" and not world.phones.has_voip(region) and rng.random() < 0.5:
        region = rng.choice(_VOIP_REGIONS)  # cheap verification numbers from abroad
    number = world.phones.number(rng, region, kind)
    return format_phone(rng, number, e164_bias=0.85 * (1 - s))


def fraud_locale(
    rng: random.Random, s: float, agent: Agent, ip_country: str | None, operator: Country
) -> tuple[str | None, str | None]:
    """(timezone, Accept-Language): the proxy country's when careful, the operator's when not."""
    consistent = rng.random() < 0.3 + 0.65 * s
    home = COUNTRIES.get(ip_country or "", operator) if consistent else operator
    if agent.browser == "library":
        return (None, accept_language(rng, agent, []))
    if agent.browser == "headless" and rng.random() < 0.6:
        return "UTC", "en-US"
    timezone = weighted(rng, home.timezones)
    if not consistent and rng.random() < 0.3:
        timezone = rng.choice(("UTC", "America/New_York", "Europe/London"))  # a VM default
    tags = [weighted(rng, home.languages)]
    if not tags[0].startswith("en") and rng.random() < 0.5:
        tags.append("en-US")
    return timezone, accept_language(rng, agent, tags)


def prepaid_pool(
    world: World,
    rng: random.Random,
    size: int,
    max_uses: int,
    countries: Sequence[tuple[str, float]],
    prepaid: float,
) -> CardPool:
    """Cards bought in bulk: mostly prepaid, from a few countries' programme BINs."""

    def new_card() -> Card:
        funding = CardFunding.PREPAID if rng.random() < prepaid else CardFunding.DEBIT
        return world.cards.card(rng, weighted(rng, countries), funding)

    return CardPool([new_card() for _ in range(max(1, size))], max_uses, new_card)


def card_payment(rng: random.Random, s: float, card: Card, claimed: Country) -> Payment:
    """The card as the processor reports it; careful operators make billing agree."""
    billing = card.country if rng.random() < 0.5 + 0.5 * s else claimed.code
    return payment(rng, card, billing, COUNTRIES[billing].postal, postal_share=0.4 + 0.5 * s)


def fraud_key_name(rng: random.Random, s: float, index: int) -> str | None:
    """Key names: none or a counter when scripted, people-like when careful."""
    roll = rng.random()
    if roll < s * 0.8:
        return None if rng.random() < 0.35 else rng.choice(KEY_NAMES)
    if roll < 0.5 + 0.5 * s:
        return None
    return rng.choice(("key", "api", f"k{index}", f"key-{index}", "main"))
